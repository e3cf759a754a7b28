/**
 * The review webview: a virtualized table ranked by suspicion with filters, a detail pane with soft
 * vs hard bars, the Classes and Runs views, keyboard-first actions. Knows only the webview protocol;
 * every value from the host is shown as text.
 */
import type { ClassesView, HostMessage, InitData, PageQuery, RowDetail, RowFilter, RowView, SortKey, WebviewMessage } from '../src/protocol/webview';
import { renderClasses, renderRuns } from './charts';
import { renderDetail } from './detail';
import { clear, el, replace } from './dom';
import { KEY_HELP, keyAction, type KeyAction } from './keys';
import { STRINGS } from './strings';
import { PAGE_SIZE, PageCache, pagesFor, visibleRange } from './virtualTable';

export const ROW_HEIGHT = 26;

export class ReviewApp {
  private init: InitData | undefined;
  private strings: Record<string, string> = STRINGS;
  private query: PageQuery = { offset: 0, limit: PAGE_SIZE, sort: 'suspicion', descending: true, filter: {} };
  private cache = new PageCache('');
  private requestId = 0;
  private requests = new Map<number, string>();
  /** Position of the cursor in the current order. */
  cursor = 0;
  readonly selected = new Set<number>();
  private detail: RowDetail | undefined;
  private classesView: ClassesView | undefined;
  private busy = false;

  private readonly toolbar: HTMLElement;
  private readonly status: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly scroll: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly detailPane: HTMLElement;
  private readonly classesPane: HTMLElement;
  private readonly runsPane: HTMLElement;
  private readonly helpOverlay: HTMLElement;
  private readonly searchBox: HTMLInputElement;
  private readonly classFilter: HTMLSelectElement;
  private readonly showFilter: HTMLSelectElement;
  private readonly sortSelect: HTMLSelectElement;
  private readonly threshold: HTMLInputElement;
  private readonly tabs: HTMLElement[];
  private readonly panels: HTMLElement[];
  private readonly progress: HTMLElement;

  constructor(root: HTMLElement, private readonly post: (m: WebviewMessage) => void) {
    const t = (k: string) => this.t(k);
    this.searchBox = el('input', { type: 'search', class: 'search', placeholder: t('search'), 'aria-label': t('search'), 'data-testid': 'search' });
    this.classFilter = el('select', { 'aria-label': t('class'), 'data-testid': 'filter-class' });
    this.showFilter = el('select', { 'aria-label': t('show'), 'data-testid': 'filter-show' });
    this.sortSelect = el('select', { 'aria-label': t('sort'), 'data-testid': 'sort' });
    this.threshold = el('input', { type: 'number', min: 0, max: 1, step: 0.05, value: '0.9', class: 'threshold', 'aria-label': t('applyAbove'), 'data-testid': 'threshold' });
    this.progress = el('span', { class: 'progress', role: 'status', 'aria-live': 'polite', 'data-testid': 'progress' });
    this.toolbar = el('div', { class: 'toolbar', role: 'toolbar' });
    this.status = el('span', { class: 'status', 'data-testid': 'status' });
    this.notice = el('span', { class: 'notice', role: 'status', 'aria-live': 'polite', 'data-testid': 'notice' });
    this.spacer = el('div', { class: 'spacer' });
    this.scroll = el('div', { class: 'table-scroll', role: 'grid', tabindex: 0, 'aria-label': t('review'), 'data-testid': 'review-table' }, this.spacer);
    this.detailPane = el('div', { class: 'detail', role: 'region', 'aria-label': t('softVsHard'), 'data-testid': 'detail' });
    this.classesPane = el('div', { class: 'pane', 'data-testid': 'classes-view' });
    this.runsPane = el('div', { class: 'pane', 'data-testid': 'runs-view' });
    this.helpOverlay = el('div', { class: 'help hidden', role: 'dialog', 'aria-label': t('helpTitle'), 'data-testid': 'help' });
    const reviewPanel = el('div', { class: 'review' },
      el('div', { class: 'filters' }, this.searchBox, this.classFilter, this.showFilter, this.sortSelect),
      el('div', { class: 'split' }, el('div', { class: 'table-wrap' }, this.header(), this.scroll), this.detailPane),
      el('div', { class: 'statusbar' }, this.status, this.notice));
    this.panels = [reviewPanel, this.classesPane, this.runsPane];
    this.tabs = ['review', 'classes', 'runs'].map((k, i) => el('button', { class: 'tab', role: 'tab', 'data-testid': `tab-${k}`, onclick: () => this.showTab(i) }, t(k)));
    root.append(this.toolbar, el('div', { class: 'tabs', role: 'tablist' }, ...this.tabs), ...this.panels, this.helpOverlay);
    this.showTab(0);
    this.scroll.addEventListener('scroll', () => this.render());
    this.searchBox.addEventListener('input', () => this.setFilter({ ...this.query.filter, search: this.searchBox.value || undefined }));
    this.classFilter.addEventListener('change', () => this.setFilter({ ...this.query.filter, given: this.classFilter.value === '' ? undefined : Number(this.classFilter.value), suggested: undefined }));
    this.showFilter.addEventListener('change', () => this.setFilter(this.showToFilter(this.showFilter.value)));
    this.sortSelect.addEventListener('change', () => {
      const [sort, dir] = this.sortSelect.value.split(':');
      this.query = { ...this.query, sort: sort as SortKey, descending: dir === 'desc' };
      this.reset();
    });
    root.ownerDocument.addEventListener('keydown', (e) => this.onKey(e));
  }

  t(key: string): string {
    return this.strings[key] ?? STRINGS[key] ?? key;
  }

  start(): void {
    this.post({ type: 'ready' });
  }

  private header(): HTMLElement {
    const t = (k: string) => this.t(k);
    return el('div', { class: 'row head', role: 'row' }, ...[['c-id', t('id')], ['c-text', t('text')], ['c-label', t('label')], ['c-sugg', t('suggested')], ['c-score', t('suspicion')], ['c-flags', '']]
      .map(([c, s]) => el('span', { class: c, role: 'columnheader' }, s)));
  }

  private buildToolbar(): void {
    const t = (k: string) => this.t(k);
    // VS Code Elements' button: VS Code's look and focus handling, with a codicon.
    const btn = (key: string, testid: string, onclick: () => void, icon: string) =>
      el('vscode-button', { 'data-testid': testid, onclick, title: t(key), icon, secondary: key !== 'analyze' }, t(key));
    replace(this.toolbar,
      btn('analyze', 'btn-analyze', () => this.post({ type: 'run', command: 'analyze' }), 'play'),
      btn('retrain', 'btn-retrain', () => this.post({ type: 'run', command: 'retrain' }), 'refresh'),
      this.busy ? btn('cancel', 'btn-cancel', () => this.post({ type: 'run', command: 'cancel' }), 'stop') : undefined,
      el('span', { class: 'sep' }),
      btn('applyAbove', 'btn-apply-above', () => {
        const v = Number(this.threshold.value);
        if (Number.isFinite(v) && v >= 0 && v <= 1) this.post({ type: 'applyAbove', threshold: v });
      }, 'check-all'),
      this.threshold,
      el('span', { class: 'sep' }),
      btn('undo', 'btn-undo', () => this.post({ type: 'undo' }), 'discard'),
      btn('help', 'btn-help', () => this.toggleHelp(), 'keyboard'),
      this.progress);
  }

  private fillFilters(): void {
    const d = this.init!;
    const t = (k: string) => this.t(k);
    replace(this.classFilter, el('option', { value: '' }, t('allClasses')), ...d.classes.map((c, k) => el('option', { value: k }, c)));
    replace(this.showFilter, ...[['all', t('all')], ['flagged', t('flagged')], ['edited', t('edited')], ['accepted', t('accepted')], ['unreviewed', t('unreviewed')]].map(([v, s]) => el('option', { value: v }, s)));
    replace(this.sortSelect, ...[['suspicion:desc', t('bySuspicion')], ['row:asc', t('byRow')], ['selfConfidence:asc', t('bySelfConfidence')], ['margin:asc', t('byMargin')]].map(([v, s]) => el('option', { value: v }, s)));
    this.sortSelect.value = `${this.query.sort}:${this.query.descending ? 'desc' : 'asc'}`;
  }

  private showToFilter(v: string): RowFilter {
    const base: RowFilter = { given: this.query.filter.given, suggested: this.query.filter.suggested, search: this.query.filter.search };
    if (v === 'flagged') return { ...base, flagged: true };
    if (v === 'edited') return { ...base, edited: true };
    if (v === 'accepted') return { ...base, accepted: true };
    if (v === 'unreviewed') return { ...base, accepted: false };
    return base;
  }

  setFilter(filter: RowFilter): void {
    this.query = { ...this.query, filter };
    this.reset();
  }

  /** New query: new cache, back to the top. */
  private reset(): void {
    this.cache = new PageCache(JSON.stringify(this.query));
    this.cursor = 0;
    this.selected.clear();
    this.scroll.scrollTop = 0;
    this.fetch([0]);
  }

  private fetch(pages: number[]): void {
    for (const p of this.cache.missing(pages)) {
      const id = ++this.requestId;
      this.requests.set(id, this.cache.queryKey);
      this.post({ type: 'requestPage', requestId: id, query: { ...this.query, offset: p * PAGE_SIZE, limit: PAGE_SIZE } });
    }
  }

  handle(m: HostMessage): void {
    switch (m.type) {
      case 'init':
        this.init = m.data;
        this.strings = { ...STRINGS, ...m.data.strings };
        // Ranked by suspicion once there is an analysis; in file order before.
        this.query = { ...this.query, sort: m.data.hasResults ? 'suspicion' : 'row', descending: m.data.hasResults };
        this.buildToolbar();
        this.fillFilters();
        this.reset();
        break;
      case 'page': {
        if (this.requests.get(m.requestId) !== this.cache.queryKey) return; // an answer to an old query
        this.requests.delete(m.requestId);
        this.cache.put(m.offset, m.rows, m.total);
        this.spacer.style.height = `${m.total * ROW_HEIGHT}px`;
        this.render();
        if (!this.detail || this.detail.row !== this.cache.get(this.cursor)?.row) this.requestDetail();
        break;
      }
      case 'detail':
        this.detail = m.detail;
        replace(this.detailPane, renderDetail(m.detail, this.init?.classes ?? [], (k) => this.t(k)));
        break;
      case 'classes':
        this.classesView = m.view;
        this.renderClasses();
        break;
      case 'runs':
        replace(this.runsPane, renderRuns(m.runs, this.init?.classes ?? [], (k) => this.t(k)));
        break;
      case 'progress':
        // A new job's progress replaces the last job's notice.
        if (m.busy && !this.busy) this.notice.textContent = '';
        this.busy = m.busy;
        this.buildToolbar();
        this.progress.textContent = m.busy ? `${m.fraction !== undefined ? `${Math.round(100 * m.fraction)}% · ` : ''}${m.message ?? ''}` : (m.message ?? '');
        break;
      case 'changed':
        this.cache.invalidate();
        this.render();
        this.requestDetail();
        break;
      case 'notice':
        this.notice.textContent = m.message;
        this.notice.className = `notice ${m.level}`;
        break;
    }
  }

  private renderClasses(): void {
    const v = this.classesView;
    if (!v) { replace(this.classesPane, el('p', { class: 'muted' }, this.t('noAnalysis'))); return; }
    replace(this.classesPane, renderClasses(v, (k) => this.t(k),
      (k) => { this.classFilter.value = String(k); this.showTab(0); this.setFilter({ ...this.query.filter, given: k, suggested: undefined }); },
      (i, j) => { this.classFilter.value = String(i); this.showTab(0); this.setFilter({ ...this.query.filter, given: i, suggested: j }); }));
  }

  showTab(i: number): void {
    this.tabs.forEach((t, k) => { t.setAttribute('aria-selected', String(k === i)); t.classList.toggle('active', k === i); });
    this.panels.forEach((p, k) => p.classList.toggle('hidden', k !== i));
  }

  /** Draws the rows in view; asks for the pages it lacks. */
  render(): void {
    const total = this.cache.total;
    const [first, last] = visibleRange(this.scroll.scrollTop, this.scroll.clientHeight || 600, ROW_HEIGHT, total);
    this.fetch(pagesFor(first, last));
    const rows: HTMLElement[] = [];
    for (let pos = first; pos < last; pos++) {
      const r = this.cache.get(pos);
      rows.push(r ? this.rowElement(r, pos) : el('div', { class: 'row loading', style: `top:${pos * ROW_HEIGHT}px` }, this.t('loading')));
    }
    clear(this.spacer);
    this.spacer.append(...rows);
    const n = this.selected.size;
    this.status.textContent = total || this.init?.hasResults ? `${total} ${this.t('rows')}${n ? ` · ${n} ${this.t('selected')}` : ''}${this.init?.hasResults ? '' : ` · ${this.t('noAnalysis')}`}` : this.t('noAnalysis');
  }

  private rowElement(r: RowView, pos: number): HTMLElement {
    const cls = ['row', pos === this.cursor ? 'cursor' : '', this.selected.has(r.row) ? 'selected' : '', r.flagged ? 'flagged' : '', r.edited ? 'edited' : '', r.damaged ? 'damaged' : ''].filter(Boolean).join(' ');
    return el('div', { class: cls, role: 'row', style: `top:${pos * ROW_HEIGHT}px`, 'aria-selected': String(pos === this.cursor), 'data-testid': `row-${pos}`, 'data-row': r.row, onclick: (e: Event) => this.click(pos, r, e as MouseEvent) },
      el('span', { class: 'c-id', role: 'gridcell', title: `${this.t('line')} ${r.line}` }, r.id),
      el('span', { class: 'c-text', role: 'gridcell', title: r.text }, r.damaged ? this.t('damaged') : r.text),
      el('span', { class: 'c-label', role: 'gridcell', 'data-testid': `label-${pos}` }, r.label),
      el('span', { class: 'c-sugg', role: 'gridcell' }, r.suggested !== undefined && r.suggested !== r.label ? r.suggested : ''),
      el('span', { class: 'c-score', role: 'gridcell' }, r.suspicion !== undefined ? el('span', { class: 'score-bar', style: `--s:${r.suspicion.toFixed(3)}` }, r.suspicion.toFixed(2)) : ''),
      el('span', { class: 'c-flags', role: 'gridcell' },
        r.edited ? el('span', { class: 'codicon codicon-edit', title: this.t('edited') }) : undefined,
        r.accepted ? el('span', { class: 'codicon codicon-check', title: this.t('accepted') }) : undefined,
        r.smoothed ? el('span', { class: 'codicon codicon-symbol-misc', title: this.t('smooth') }) : undefined));
  }

  private click(pos: number, r: RowView, e: MouseEvent): void {
    if (e.ctrlKey || e.metaKey) { if (this.selected.has(r.row)) this.selected.delete(r.row); else this.selected.add(r.row); }
    this.moveTo(pos);
  }

  moveTo(pos: number): void {
    const total = this.cache.total;
    if (total === 0) return;
    this.cursor = Math.max(0, Math.min(total - 1, pos));
    const top = this.cursor * ROW_HEIGHT;
    const view = this.scroll.clientHeight || 600;
    if (top < this.scroll.scrollTop) this.scroll.scrollTop = top;
    else if (top + ROW_HEIGHT > this.scroll.scrollTop + view) this.scroll.scrollTop = top + ROW_HEIGHT - view;
    this.render();
    this.requestDetail();
  }

  private requestDetail(): void {
    const r = this.cache.get(this.cursor);
    if (r) this.post({ type: 'requestDetail', row: r.row });
  }

  /** Rows an action applies to: the selection, else the row under the cursor. */
  targetRows(): number[] {
    if (this.selected.size) return [...this.selected];
    const r = this.cache.get(this.cursor);
    return r ? [r.row] : [];
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement | null;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) {
      if (e.key === 'Escape') (target as HTMLElement).blur();
      return;
    }
    const a = keyAction(e);
    if (!a) return;
    e.preventDefault();
    this.act(a);
  }

  act(a: KeyAction): void {
    const rows = this.targetRows();
    const afterAction = () => { if (!this.selected.size) this.moveTo(this.cursor + 1); else { this.selected.clear(); this.render(); } };
    switch (a.kind) {
      case 'move': this.moveTo(this.cursor + a.delta); break;
      case 'page': this.moveTo(this.cursor + a.delta * Math.max(1, Math.floor((this.scroll.clientHeight || 600) / ROW_HEIGHT))); break;
      case 'applySuggestion': if (rows.length) { this.post({ type: 'applySuggestion', rows }); afterAction(); } break;
      case 'relabelTop': {
        const k = this.detail?.topClasses[a.rank];
        if (rows.length && k !== undefined) { this.post({ type: 'relabel', rows, to: k }); afterAction(); }
        break;
      }
      case 'pickClass': this.showClassPicker(rows); break;
      case 'smooth': case 'mix':
        if (rows.length) { this.post({ type: 'smooth', rows, epsilon: this.init?.smoothingEpsilon ?? 0.1, mix: a.kind === 'mix' }); afterAction(); }
        break;
      case 'accept': if (rows.length) { this.post({ type: 'accept', rows }); afterAction(); } break;
      case 'undo': this.post({ type: 'undo' }); break;
      case 'redo': this.post({ type: 'redo' }); break;
      case 'toggleSelect': {
        const r = this.cache.get(this.cursor);
        if (r) { if (this.selected.has(r.row)) this.selected.delete(r.row); else this.selected.add(r.row); this.render(); }
        break;
      }
      case 'search': this.searchBox.focus(); break;
      case 'help': this.toggleHelp(); break;
      case 'escape': this.helpOverlay.classList.add('hidden'); this.selected.clear(); this.render(); break;
    }
  }

  private showClassPicker(rows: number[]): void {
    if (!rows.length || !this.init) return;
    const list = el('div', { class: 'picker', role: 'listbox', 'data-testid': 'class-picker' }, ...this.init.classes.map((c, k) =>
      el('button', { class: 'btn', role: 'option', onclick: () => { this.post({ type: 'relabel', rows, to: k }); this.helpOverlay.classList.add('hidden'); } }, c)));
    replace(this.helpOverlay, el('h2', {}, this.t('pickClass')), list, el('button', { class: 'btn', onclick: () => this.helpOverlay.classList.add('hidden') }, this.t('close')));
    this.helpOverlay.classList.remove('hidden');
    (list.firstElementChild as HTMLElement | null)?.focus();
  }

  toggleHelp(): void {
    const hidden = this.helpOverlay.classList.contains('hidden');
    replace(this.helpOverlay, el('h2', {}, this.t('helpTitle')), el('table', {}, ...KEY_HELP.map(([k, what]) => el('tr', {}, el('th', {}, el('kbd', {}, k)), el('td', {}, what)))),
      el('button', { class: 'btn', onclick: () => this.helpOverlay.classList.add('hidden') }, this.t('close')));
    this.helpOverlay.classList.toggle('hidden', !hidden);
  }
}
