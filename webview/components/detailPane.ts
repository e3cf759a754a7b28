/** The detail pane: the cursor row's detail once it has arrived (detail.ts draws it). */
import { renderDetail } from '../detail';
import { el, replace } from '../dom';
import type { Component, Ctx, Topic } from '../state';

export class DetailPane implements Component {
  readonly element: HTMLElement;

  constructor(private readonly ctx: Ctx) {
    this.element = el('div', { class: 'detail', role: 'region', 'aria-label': ctx.t('softVsHard'), 'data-testid': 'detail' });
  }

  update(changed: ReadonlySet<Topic>): void {
    const d = this.ctx.state.shown;
    if (changed.has('detail') && d) replace(this.element, renderDetail(d, this.ctx.state.init?.classes ?? [], this.ctx.t));
  }
}
