/** The toolbar: jobs (analyze, retrain, cancel), bulk apply with its threshold, undo, refresh, grid, help, and the job's progress. */
import { textField, toolButton, valueOf, type TextField } from '../controls';
import { el, replace } from '../dom';
import type { Component, Ctx, Topic } from '../state';

export class Toolbar implements Component {
  readonly element: HTMLElement;
  private readonly threshold: TextField;
  private readonly progress: HTMLElement;
  private readonly buttons: HTMLElement;

  constructor(private readonly ctx: Ctx) {
    const t = ctx.t;
    // Kept across redraws, so what the user typed stays.
    this.threshold = textField({ type: 'number', min: 0, max: 1, step: 0.05, value: '0.9', class: 'threshold', 'aria-label': t('applyAbove'), title: t('applyAboveHint'), 'data-testid': 'threshold' }, () => undefined);
    this.threshold.value = '0.9';
    this.progress = el('span', { class: 'progress', role: 'status', 'aria-live': 'polite', 'data-testid': 'progress' });
    this.buttons = el('vscode-toolbar-container', { class: 'toolbar-buttons', role: 'toolbar', 'aria-label': t('review') });
    this.element = el('div', { class: 'toolbar' }, this.buttons, this.progress);
  }

  update(changed: ReadonlySet<Topic>): void {
    const s = this.ctx.state;
    if (changed.has('init') && s.init) this.threshold.value = String(s.init.applyThreshold);
    if (changed.has('init') || changed.has('toolbar')) this.build();
    if (changed.has('toolbar')) this.progress.textContent = s.progress;
  }

  private build(): void {
    const s = this.ctx.state, t = this.ctx.t, d = this.ctx.dispatch;
    const images = s.init?.images === true;
    replace(this.buttons,
      toolButton(t('analyze'), 'btn-analyze', 'play', () => d({ type: 'run', job: 'analyze' }), true),
      toolButton(t('retrain'), 'btn-retrain', 'refresh', () => d({ type: 'run', job: 'retrain' })),
      s.busy ? toolButton(t('cancel'), 'btn-cancel', 'stop', () => d({ type: 'run', job: 'cancel' })) : undefined,
      el('span', { class: 'sep' }),
      toolButton(t('applyAbove'), 'btn-apply-above', 'check-all', () => d({ type: 'previewApply', threshold: valueOf(this.threshold) })),
      this.threshold,
      el('span', { class: 'sep' }),
      toolButton(t('undo'), 'btn-undo', 'discard', () => d({ type: 'key', action: { kind: 'undo' } })),
      toolButton(t('refresh'), 'btn-refresh', 'list-ordered', () => d({ type: 'key', action: { kind: 'refresh' } })),
      images ? toolButton(t(s.grid ? 'table' : 'grid'), 'btn-grid', s.grid ? 'list-flat' : 'table', () => d({ type: 'grid', on: !s.grid })) : undefined,
      images && s.grid ? this.tileSlider() : undefined,
      toolButton(t('help'), 'btn-help', 'keyboard', () => d({ type: 'key', action: { kind: 'help' } })));
  }

  /** Thumbnail size in grid mode (VS Code Elements has no slider: a native range input). */
  private tileSlider(): HTMLInputElement {
    const r = el('input', { type: 'range', min: 48, max: 256, step: 16, value: this.ctx.state.tile, 'aria-label': this.ctx.t('tileSize'), title: this.ctx.t('tileSize'), 'data-testid': 'grid-size' });
    r.addEventListener('input', () => this.ctx.dispatch({ type: 'tileSize', px: Number(r.value) }));
    return r;
  }
}
