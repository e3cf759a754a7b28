/**
 * The detail pane: the cursor row's detail once it has arrived (detail.ts draws it), and the row's
 * note. The note is saved when the field loses focus (or Ctrl+Enter), as an edit of the row that was
 * shown when it was typed; while the field has focus the pane is not redrawn, so nothing typed is lost.
 */
import { renderDetail } from '../detail';
import { el, replace } from '../dom';
import { valueOf } from '../controls';
import type { RowDetail } from '../../src/protocol/webview';
import type { Component, Ctx, Topic } from '../state';

export class DetailPane implements Component {
  readonly element: HTMLElement;
  private note: (HTMLElement & { value: string }) | undefined;
  /** A detail that arrived while the note was being typed: drawn once the field is left. */
  private pending = false;

  constructor(private readonly ctx: Ctx) {
    this.element = el('div', { class: 'detail', role: 'region', 'aria-label': ctx.t('softVsHard'), 'data-testid': 'detail' });
  }

  update(changed: ReadonlySet<Topic>): void {
    if (!changed.has('detail') || !this.ctx.state.shown) return;
    if (this.typing()) { this.pending = true; return; }
    this.draw(this.ctx.state.shown);
  }

  /** `n`: into the note field of the row shown. */
  focusNote(): void {
    this.note?.focus();
  }

  private typing(): boolean {
    const active = this.element.ownerDocument.activeElement;
    return this.note !== undefined && active === this.note;
  }

  private draw(d: RowDetail): void {
    const t = this.ctx.t;
    const row = d.row;
    let saved = d.note ?? '';
    const note = el('vscode-textarea', { class: 'note', rows: 2, resize: 'vertical', placeholder: t('notePlaceholder'), 'aria-label': t('note'), 'data-testid': 'note' }) as HTMLElement & { value: string };
    note.value = saved;
    const save = () => {
      const v = valueOf(note);
      if (v !== saved) { saved = v; this.ctx.dispatch({ type: 'note', row, note: v }); }
    };
    note.addEventListener('change', save);
    note.addEventListener('keydown', (e) => {
      const k = e as KeyboardEvent;
      if (k.key === 'Enter' && (k.ctrlKey || k.metaKey)) { e.preventDefault(); note.blur(); save(); this.ctx.dispatch({ type: 'key', action: { kind: 'escape' } }); }
    });
    note.addEventListener('blur', () => { if (this.pending) { this.pending = false; queueMicrotask(() => { if (!this.typing() && this.ctx.state.shown) this.draw(this.ctx.state.shown); }); } });
    this.note = note;
    replace(this.element, renderDetail(d, this.ctx.state.init?.classes ?? [], t, el('div', { class: 'note-box' }, el('label', { class: 'muted' }, `${t('note')} (n)`), note)));
  }
}
