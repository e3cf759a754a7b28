/**
 * The review table: a header with the file's column names (drag a header's edge to resize; widths
 * are remembered per file), and a virtualized list of rows (or, in grid mode, tiles) of which only
 * those in view are in the DOM. It draws from the state and reports clicks, scrolls and widths; the
 * app decides what they do.
 */
import type { RowView } from '../../src/protocol/webview';
import { clear, el, replace } from '../dom';
import { percentNear1 } from '../format';
import { gridGeometry, thumbCanvas, type Geometry } from '../grid';
import type { Component, Ctx, Topic } from '../state';
import { pagesFor, visibleRange } from '../virtualTable';

export const ROW_HEIGHT = 26;

export class Table implements Component {
  readonly element: HTMLElement;
  readonly scroll: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly head: HTMLElement;

  /** `fetch`: asks for the pages covering positions in view. */
  constructor(private readonly ctx: Ctx, private readonly fetch: (pages: number[]) => void) {
    this.spacer = el('div', { class: 'spacer' });
    this.head = el('div', { class: 'row head', role: 'row' });
    this.scroll = el('div', { class: 'table-scroll', role: 'grid', tabindex: 0, 'aria-label': ctx.t('review'), 'data-testid': 'review-table' }, this.spacer);
    this.scroll.addEventListener('scroll', () => ctx.dispatch({ type: 'scroll' }));
    this.element = el('div', { class: 'table-wrap' }, this.head, this.scroll);
  }

  update(changed: ReadonlySet<Topic>): void {
    if (changed.has('init') || changed.has('filters')) this.buildHeader();
    if (changed.has('init') || changed.has('rows') || changed.has('filters')) { this.sizeSpacer(); this.render(); }
  }

  geometry(): Geometry {
    const s = this.ctx.state;
    return s.grid ? gridGeometry(this.scroll.clientWidth || 800, s.tile) : { lineHeight: ROW_HEIGHT, perLine: 1, tile: 0 };
  }

  /** Positions that fit in the viewport (a PageDown). */
  pageSize(): number {
    const g = this.geometry();
    return g.perLine * Math.max(1, Math.floor(this.viewHeight() / g.lineHeight));
  }

  private viewHeight(): number {
    return this.scroll.clientHeight || 600;
  }

  /** Scrolls just enough for position `pos` to be in view. */
  reveal(pos: number): void {
    const g = this.geometry();
    const top = Math.floor(pos / g.perLine) * g.lineHeight;
    const view = this.viewHeight();
    if (top < this.scroll.scrollTop) this.scroll.scrollTop = top;
    else if (top + g.lineHeight > this.scroll.scrollTop + view) this.scroll.scrollTop = top + g.lineHeight - view;
  }

  /** Back to the top (a new order), or kept (the same order read again). */
  resetScroll(keep: boolean): void {
    if (!keep) this.scroll.scrollTop = 0;
  }

  focus(): void {
    this.scroll.focus();
  }

  sizeSpacer(): void {
    const g = this.geometry();
    this.spacer.style.height = `${Math.ceil(this.ctx.state.cache.total / g.perLine) * g.lineHeight}px`;
  }

  /** Draws the rows in view; asks for the pages it lacks. */
  render(): void {
    const s = this.ctx.state;
    const total = s.cache.total;
    const g = this.geometry();
    const lines = Math.ceil(total / g.perLine);
    const [l0, l1] = visibleRange(this.scroll.scrollTop, this.viewHeight(), g.lineHeight, lines, s.grid ? 2 : 10);
    const first = l0 * g.perLine, last = Math.min(total, l1 * g.perLine);
    this.fetch(pagesFor(first, last));
    const t = this.ctx.t;
    const rows: HTMLElement[] = [];
    for (let pos = first; pos < last; pos++) {
      const r = s.cache.get(pos);
      if (s.grid) rows.push(r ? this.tileElement(r, pos, g) : el('div', { class: 'tile loading', style: tileStyle(pos, g) }, t('loading')));
      else rows.push(r ? this.rowElement(r, pos) : el('div', { class: 'row loading', style: `top:${pos * ROW_HEIGHT}px` }, t('loading')));
    }
    clear(this.spacer);
    this.spacer.append(...rows);
  }

  private click(pos: number, r: RowView, e: MouseEvent): void {
    this.ctx.dispatch({ type: 'click', pos, row: r.row, toggle: e.ctrlKey || e.metaKey });
  }

  private rowElement(r: RowView, pos: number): HTMLElement {
    const s = this.ctx.state, t = this.ctx.t;
    const cls = ['row', pos === s.cursor ? 'cursor' : '', s.selected.has(r.row) ? 'selected' : '', r.flagged ? 'flagged' : '', r.edited ? 'edited' : '', r.damaged ? 'damaged' : ''].filter(Boolean).join(' ');
    return el('div', { class: cls, role: 'row', style: `top:${pos * ROW_HEIGHT}px`, 'aria-selected': String(pos === s.cursor), 'data-testid': `row-${pos}`, 'data-row': r.row, onclick: (e: Event) => this.click(pos, r, e as MouseEvent) },
      el('span', { class: 'c-id', role: 'gridcell', title: `${r.id} · ${t('line')} ${r.line}` }, r.id),
      el('span', { class: 'c-text', role: 'gridcell', title: r.text }, r.thumb ? thumbCanvas(r.thumb, 'row-thumb') : undefined, r.damaged ? t('damaged') : r.text),
      s.query.show !== undefined ? el('span', { class: 'c-extra', role: 'gridcell', title: r.extra ?? '' }, r.extra ?? '') : undefined,
      el('span', { class: 'c-label', role: 'gridcell', title: r.edited ? `${r.given} → ${r.label}` : r.label },
        r.edited ? el('span', { class: 'was', 'data-testid': `was-${pos}` }, r.given) : undefined, r.edited ? ' → ' : undefined,
        el('span', { 'data-testid': `label-${pos}` }, r.label)),
      el('span', { class: 'c-sugg', role: 'gridcell', title: r.suggested ?? '' }, r.suggested !== undefined && r.suggested !== r.label ? r.suggested : ''),
      el('span', { class: 'c-score', role: 'gridcell', title: [r.pWrong !== undefined ? `${t('pWrong')} ${percentNear1(r.pWrong)}` : '', r.suspicion !== undefined ? `${t('suspicion')} ${r.suspicion.toFixed(4)}` : ''].filter(Boolean).join(' · ') },
        r.pWrong !== undefined ? el('span', { class: 'score-bar', style: `--s:${r.pWrong.toFixed(3)}`, 'data-testid': `pwrong-${pos}` }, percentNear1(r.pWrong)) : ''),
      el('span', { class: 'c-flags', role: 'gridcell' },
        r.flagged ? el('span', { class: 'codicon codicon-warning flag', title: t('flagged'), 'data-testid': `flag-${pos}` }) : undefined,
        r.edited ? el('span', { class: 'codicon codicon-edit', title: t('edited') }) : undefined,
        r.accepted ? el('span', { class: 'codicon codicon-check', title: t('accepted') }) : undefined,
        r.smoothed ? el('span', { class: 'codicon codicon-symbol-misc', title: t('smooth') }) : undefined,
        r.duplicateGroup !== undefined ? el('span', { class: `codicon codicon-copy${r.conflict ? ' conflict' : ''}`, title: `${t(r.conflict ? 'conflict' : 'duplicate')} #${r.duplicateGroup}`, 'data-testid': `dup-${pos}` }) : undefined,
        r.outlier ? el('span', { class: 'codicon codicon-circle-slash', title: t('outlier') }) : undefined,
        r.excluded ? el('span', { class: 'codicon codicon-eye-closed', title: t('excluded'), 'data-testid': `excluded-${pos}` }) : undefined,
        r.note ? el('span', { class: 'codicon codicon-note', title: `${t('note')}: ${r.note}`, 'data-testid': `note-${pos}` }) : undefined));
  }

  /** A grid tile: the image, then given → suggested. */
  private tileElement(r: RowView, pos: number, g: Geometry): HTMLElement {
    const s = this.ctx.state, t = this.ctx.t;
    const cls = ['tile', pos === s.cursor ? 'cursor' : '', s.selected.has(r.row) ? 'selected' : '', r.flagged ? 'flagged' : '', r.edited ? 'edited' : ''].filter(Boolean).join(' ');
    const caption = r.edited ? `${r.given} → ${r.label}` : r.suggested !== undefined && r.suggested !== r.label ? `${r.label} → ${r.suggested}` : r.label;
    return el('div', { class: cls, role: 'gridcell', style: tileStyle(pos, g), 'aria-selected': String(pos === s.cursor), 'data-testid': `tile-${pos}`, 'data-row': r.row, title: `${r.id} · ${caption}`, onclick: (e: Event) => this.click(pos, r, e as MouseEvent) },
      r.thumb ? thumbCanvas(r.thumb, 'tile-img') : el('div', { class: 'tile-img missing' }, r.damaged ? t('damaged') : r.text),
      el('div', { class: 'tile-caption', 'data-testid': `caption-${pos}` }, r.flagged ? el('span', { class: 'codicon codicon-warning flag' }) : undefined, caption),
      r.pWrong !== undefined ? el('div', { class: 'tile-score' }, percentNear1(r.pWrong)) : undefined);
  }

  private buildHeader(): void {
    const s = this.ctx.state, t = this.ctx.t;
    const n = s.init?.columns ?? {};
    const extra = s.init?.extraColumns?.find((c) => c.index === s.query.show);
    const cols: [string, string | undefined][] = [['id', n.id ?? t('id')], ['text', n.text ?? t('text')], ['extra', extra?.name], ['label', n.label ?? t('label')], ['sugg', t('suggested')], ['score', t('pWrong')]];
    replace(this.head, ...cols.filter(([, name]) => name !== undefined).map(([key, name]) => el('span', { class: `c-${key}`, role: 'columnheader', title: name! },
      el('span', { class: 'head-name' }, name!),
      // Drag to resize; the width is remembered for this file.
      key === 'text' ? undefined : el('span', { class: 'resizer', 'data-testid': `resize-${key}`, onpointerdown: (e: Event) => this.startResize(key, e as PointerEvent) }))),
    el('span', { class: 'c-flags', role: 'columnheader' }));
  }

  private startResize(key: string, e: PointerEvent): void {
    const cell = (e.target as HTMLElement).parentElement!;
    const startX = e.clientX, startW = cell.getBoundingClientRect().width;
    e.preventDefault();
    const doc = this.head.ownerDocument;
    const widthAt = (m: Event) => ({ ...this.ctx.state.widths, [key]: Math.max(24, Math.round(startW + (m as PointerEvent).clientX - startX)) });
    const move = (m: Event) => this.ctx.dispatch({ type: 'widths', widths: widthAt(m), done: false });
    const up = () => {
      doc.removeEventListener('pointermove', move);
      doc.removeEventListener('pointerup', up);
      this.ctx.dispatch({ type: 'widths', widths: this.ctx.state.widths, done: true });
    };
    doc.addEventListener('pointermove', move);
    doc.addEventListener('pointerup', up);
  }
}

function tileStyle(pos: number, g: Geometry): string {
  return `top:${Math.floor(pos / g.perLine) * g.lineHeight}px;left:${(pos % g.perLine) * g.tile}px;width:${g.tile}px;height:${g.lineHeight}px`;
}
