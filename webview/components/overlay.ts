/** The dialog over the view: keyboard help, the class picker, or the bulk-apply preview (one at a time, from state.overlay). */
import { el, replace } from '../dom';
import { KEY_HELP } from '../keys';
import { renderPicker } from '../picker';
import type { Component, Ctx, Topic } from '../state';

export class Overlay implements Component {
  readonly element: HTMLElement;

  constructor(private readonly ctx: Ctx) {
    this.element = el('div', { class: 'help hidden', role: 'dialog', 'data-testid': 'help' });
  }

  update(changed: ReadonlySet<Topic>): void {
    if (!changed.has('overlay')) return;
    const { state: s, t, dispatch: d } = this.ctx;
    const o = s.overlay;
    const close = () => d({ type: 'closeOverlay' });
    this.element.classList.toggle('hidden', o.kind === 'none');
    if (o.kind === 'none') return;
    if (o.kind === 'help') {
      replace(this.element, el('h2', {}, t('helpTitle')), el('table', {}, ...KEY_HELP.map(([k, what]) => el('tr', {}, el('th', {}, el('kbd', {}, k)), el('td', {}, what)))),
        el('vscode-button', { secondary: true, onclick: close }, t('close')));
      this.element.setAttribute('aria-label', t('helpTitle'));
    } else if (o.kind === 'picker') {
      replace(this.element, renderPicker({
        classes: s.init?.classes ?? [], recent: s.recent, title: t('pickClass'), placeholder: t('filterClasses'),
        onPick: (name) => d({ type: 'picked', name }), onClose: close,
      }));
      this.element.setAttribute('aria-label', t('pickClass'));
      (this.element.querySelector('[data-testid="picker-input"]') as HTMLElement | null)?.focus();
    } else {
      const p = o.preview;
      const apply = el('vscode-button', { 'data-testid': 'btn-apply-confirm', disabled: p.rows === 0, onclick: () => d({ type: 'confirmApply', threshold: p.threshold }) }, t('applyN').replace('{0}', String(p.rows)));
      replace(this.element,
        el('h2', {}, `${t('applyPreview')} ≥ ${p.threshold}`),
        el('p', { 'data-testid': 'preview-summary' }, t('previewSummary').replace('{0}', String(p.rows)).replace('{1}', String(p.threshold))),
        p.pairs.length ? el('table', { class: 'preview', 'data-testid': 'preview-pairs' },
          el('tr', {}, el('th', {}, t('from')), el('th', {}, t('to')), el('th', {}, t('rows'))),
          ...p.pairs.slice(0, 50).map((x) => el('tr', {}, el('td', {}, x.from), el('td', {}, x.to), el('td', {}, x.count)))) : undefined,
        p.pairs.length > 50 ? el('p', { class: 'muted', 'data-testid': 'preview-more' }, t('morePairs').replace('{0}', String(p.pairs.length - 50)).replace('{1}', String(p.pairs.slice(50).reduce((a, x) => a + x.count, 0)))) : undefined,
        el('div', { class: 'buttons' }, apply, el('vscode-button', { secondary: true, 'data-testid': 'btn-apply-cancel', onclick: close }, t('cancel'))));
      this.element.setAttribute('aria-label', t('applyPreview'));
    }
  }
}
