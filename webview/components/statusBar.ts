/** Under the table: rows in the order, the selection, reviewed of flagged, whether the order is kept; and the last notice. */
import { el } from '../dom';
import { count } from '../format';
import type { Component, Ctx, Topic } from '../state';

export class StatusBar implements Component {
  readonly element: HTMLElement;
  private readonly status: HTMLElement;
  private readonly notice: HTMLElement;

  constructor(private readonly ctx: Ctx) {
    this.status = el('span', { class: 'status', 'data-testid': 'status' });
    this.notice = el('span', { class: 'notice', role: 'status', 'aria-live': 'polite', 'data-testid': 'notice' });
    this.element = el('div', { class: 'statusbar' }, this.status, this.notice);
  }

  update(changed: ReadonlySet<Topic>): void {
    const s = this.ctx.state, t = this.ctx.t;
    if (changed.has('notice')) {
      this.notice.textContent = s.notice.message;
      this.notice.className = `notice ${s.notice.level}`;
    }
    if (!(changed.has('rows') || changed.has('status') || changed.has('init') || changed.has('filters'))) return;
    const parts = [`${s.cache.total} ${t('rows')}`];
    if (s.selected.size) parts.push(`${s.selected.size} ${t('selected')}`);
    if (s.progressCount) parts.push(t('reviewedOf').replace('{0}', count(s.progressCount.reviewed)).replace('{1}', count(s.progressCount.flagged)));
    if (s.stale) parts.push(t('orderKept'));
    if (!s.init?.hasResults) parts.push(t('noAnalysis'));
    this.status.textContent = parts.join(' · ');
  }
}
