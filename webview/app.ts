/**
 * The review webview: a virtualized table ranked by suspicion with filters, a detail pane with soft
 * vs hard bars, the Classes and Runs views, keyboard-first actions. Knows only the webview protocol;
 * every value from the host is shown as text.
 *
 * Two rules keep the keyboard honest:
 * - The order is a snapshot: acting on a row never re-ranks or re-filters the list (the host keeps
 *   the order until the user refreshes), so after an action the cursor is on the row that followed.
 * - A key that acts on a row acts on the row whose detail is shown, with that detail's classes. When
 *   the cursor has moved and the new row's detail has not arrived yet, keys wait (in order) for it.
 */
import {
  Accept, ApplyAbove, ApplySuggestion, Changed, Classes, Exclude, Init, Notice, Progress, Ready, Redo, Relabel, RelabelGroup, RequestApplyPreview, RequestDetail, RequestGroups, RequestPage, Run, Runs, SaveLayout, Smooth, Undo,
  type ApplyPreview, type ClassesView, type HostWire, type InitData, type IssueKind, type PageQuery, type RowDetail, type RowFilter, type RowView, type SortKey, type WebviewWire,
} from '../src/protocol/webview';
import { renderClasses, renderRuns, type ClassesLayout } from './charts';
import { renderDetail } from './detail';
import { DuplicatesView } from './duplicates';
import { clear, el, replace } from './dom';
import { WebviewIpc } from './ipc';
import { KEY_HELP, keyAction, type KeyAction } from './keys';
import { count, percentNear1 } from './format';
import { gridGeometry, thumbCanvas, type Geometry } from './grid';
import { renderPicker } from './picker';
import { STRINGS } from './strings';
import { PAGE_SIZE, PageCache, pagesFor, visibleRange } from './virtualTable';

export const ROW_HEIGHT = 26;

/** Actions that act on rows: they wait until the cursor row's detail is shown. */
const ROW_ACTIONS = new Set<KeyAction['kind']>(['applySuggestion', 'relabelTop', 'pickClass', 'smooth', 'mix', 'accept', 'exclude']);
/** Index of the Duplicates tab. */
const DUPLICATES_TAB = 3;

export class ReviewApp {
  private init: InitData | undefined;
  private strings: Record<string, string> = STRINGS;
  private readonly ipc: WebviewIpc;
  private query: PageQuery = { offset: 0, limit: PAGE_SIZE, sort: 'suspicion', descending: true, filter: {}, snapshot: 0 };
  private cache = new PageCache('');
  /** Position of the cursor in the current order. */
  cursor = 0;
  readonly selected = new Set<number>();
  /** The detail on screen; row actions act on its row. */
  private shown: RowDetail | undefined;
  private detailAsked: { row: number; id: number } | undefined;
  /** Keys pressed while the cursor row's detail was on its way, in order. */
  private readonly queue: KeyAction[] = [];
  private stale = false;
  private progressCount: { reviewed: number; flagged: number } | undefined;
  private readonly recent: string[] = [];
  private classesView: ClassesView | undefined;
  /** Grid mode (image datasets): tiles instead of table rows, `tile` px wide. */
  grid = false;
  private tile = 96;
  private classesLayout: ClassesLayout = { scale: 'linear', sort: 'given', descending: true };
  private busy = false;

  private readonly toolbar: HTMLElement;
  private readonly status: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly scroll: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly head: HTMLElement;
  private readonly detailPane: HTMLElement;
  private readonly classesPane: HTMLElement;
  private readonly runsPane: HTMLElement;
  private readonly overlay: HTMLElement;
  private readonly searchBox: HTMLInputElement;
  private readonly classFilter: HTMLSelectElement;
  private readonly showFilter: HTMLSelectElement;
  private readonly issueFilter: HTMLSelectElement;
  private readonly duplicatesPane: HTMLElement;
  private readonly duplicates: DuplicatesView;
  private tab = 0;
  private readonly sortSelect: HTMLSelectElement;
  private readonly columnSelect: HTMLSelectElement;
  private readonly columnValue: HTMLElement;
  private readonly reviewPanel: HTMLElement;
  private widths: Record<string, number> = {};
  private readonly threshold: HTMLInputElement;
  private readonly tabs: HTMLElement[];
  private readonly panels: HTMLElement[];
  private readonly progress: HTMLElement;

  constructor(root: HTMLElement, post: (m: WebviewWire) => void) {
    this.ipc = new WebviewIpc(post);
    const t = (k: string) => this.t(k);
    this.searchBox = el('input', { type: 'search', class: 'search', placeholder: t('search'), 'aria-label': t('search'), 'data-testid': 'search' });
    this.classFilter = el('select', { 'aria-label': t('class'), 'data-testid': 'filter-class' });
    this.showFilter = el('select', { 'aria-label': t('show'), 'data-testid': 'filter-show' });
    this.issueFilter = el('select', { 'aria-label': t('allIssues'), 'data-testid': 'filter-issue' });
    this.sortSelect = el('select', { 'aria-label': t('sort'), 'data-testid': 'sort' });
    this.columnSelect = el('select', { 'aria-label': t('otherColumn'), 'data-testid': 'column-show', title: t('otherColumn') });
    this.columnValue = el('span', { class: 'column-value' });
    this.threshold = el('input', { type: 'number', min: 0, max: 1, step: 0.05, value: '0.9', class: 'threshold', 'aria-label': t('applyAbove'), title: t('applyAboveHint'), 'data-testid': 'threshold' });
    this.progress = el('span', { class: 'progress', role: 'status', 'aria-live': 'polite', 'data-testid': 'progress' });
    this.toolbar = el('div', { class: 'toolbar', role: 'toolbar' });
    this.status = el('span', { class: 'status', 'data-testid': 'status' });
    this.notice = el('span', { class: 'notice', role: 'status', 'aria-live': 'polite', 'data-testid': 'notice' });
    this.spacer = el('div', { class: 'spacer' });
    this.head = el('div', { class: 'row head', role: 'row' });
    this.scroll = el('div', { class: 'table-scroll', role: 'grid', tabindex: 0, 'aria-label': t('review'), 'data-testid': 'review-table' }, this.spacer);
    this.detailPane = el('div', { class: 'detail', role: 'region', 'aria-label': t('softVsHard'), 'data-testid': 'detail' });
    this.classesPane = el('div', { class: 'pane', 'data-testid': 'classes-view' });
    this.runsPane = el('div', { class: 'pane', 'data-testid': 'runs-view' });
    this.duplicatesPane = el('div', { class: 'pane duplicates', 'data-testid': 'duplicates-view' });
    this.duplicates = new DuplicatesView(this.duplicatesPane, t);
    this.overlay = el('div', { class: 'help hidden', role: 'dialog', 'data-testid': 'help' });
    const reviewPanel = this.reviewPanel = el('div', { class: 'review' },
      el('div', { class: 'filters' }, this.searchBox, this.classFilter, this.showFilter, this.issueFilter, this.sortSelect, this.columnSelect, this.columnValue),
      el('div', { class: 'split' }, el('div', { class: 'table-wrap' }, this.head, this.scroll), this.detailPane),
      el('div', { class: 'statusbar' }, this.status, this.notice));
    this.panels = [reviewPanel, this.classesPane, this.runsPane, this.duplicatesPane];
    this.tabs = ['review', 'classes', 'runs', 'duplicates'].map((k, i) => el('button', { class: 'tab', role: 'tab', 'data-testid': `tab-${k}`, onclick: () => this.showTab(i) }, t(k)));
    root.append(this.toolbar, el('div', { class: 'tabs', role: 'tablist' }, ...this.tabs), ...this.panels, this.overlay);
    this.showTab(0);
    this.scroll.addEventListener('scroll', () => this.render());
    this.searchBox.addEventListener('input', () => this.setFilter({ ...this.query.filter, search: this.searchBox.value || undefined }));
    this.classFilter.addEventListener('change', () => this.setFilter({ ...this.query.filter, given: this.classFilter.value || undefined, suggested: undefined }));
    this.showFilter.addEventListener('change', () => this.setFilter(this.showToFilter(this.showFilter.value)));
    this.issueFilter.addEventListener('change', () => this.setFilter({ ...this.query.filter, issue: (this.issueFilter.value || undefined) as IssueKind | undefined }));
    this.sortSelect.addEventListener('change', () => {
      const [sort, dir] = this.sortSelect.value.split(':');
      this.query = { ...this.query, sort: sort as SortKey, descending: dir === 'desc' };
      this.reset();
    });
    this.columnSelect.addEventListener('change', () => this.showColumn(this.columnSelect.value === '' ? undefined : Number(this.columnSelect.value)));
    root.ownerDocument.addEventListener('keydown', (e) => this.onKey(e));
    this.listen();
  }

  t(key: string): string {
    return this.strings[key] ?? STRINGS[key] ?? key;
  }

  start(): void {
    this.ipc.command(Ready, {});
  }

  /** A message from the host. */
  handle(m: HostWire): void {
    this.ipc.handle(m);
  }

  private listen(): void {
    this.ipc.on(Init, (d) => {
      const before = this.init;
      this.init = d;
      this.strings = { ...STRINGS, ...d.strings };
      this.threshold.value = String(d.applyThreshold);
      // The file was read again (reload, merge) with the same kind of results: the user's view and
      // place are kept. Otherwise ranked by suspicion once there is an analysis, in file order before.
      const keep = before !== undefined && before.hasResults === d.hasResults;
      const known = (c: string | undefined) => (c !== undefined && d.classes.includes(c) ? c : undefined);
      const cursor = this.cursor;
      if (keep) this.query = { ...this.query, filter: { ...this.query.filter, given: known(this.query.filter.given), suggested: known(this.query.filter.suggested) } };
      else {
        this.query = { ...this.query, sort: d.hasResults ? 'suspicion' : 'row', descending: d.hasResults, filter: {} };
        this.searchBox.value = '';
      }
      const show = this.showFilter.value;
      if (!keep) this.query = { ...this.query, show: undefined };
      this.widths = { ...(d.widths ?? {}) };
      this.applyWidths();
      if (!keep) clear(this.columnValue);
      this.buildToolbar();
      this.buildHeader();
      this.fillFilters();
      if (keep) {
        this.showFilter.value = show || 'all';
        this.classFilter.value = this.query.filter.given ?? '';
      }
      this.reset(keep ? cursor : 0);
    });
    this.ipc.on(Classes, (p) => { this.classesView = p.view; this.renderClasses(); });
    this.ipc.on(Runs, (p) => replace(this.runsPane, renderRuns(p.runs, this.init?.classes ?? [], (k) => this.t(k))));
    this.ipc.on(Progress, (p) => {
      // A new job's progress replaces the last job's notice.
      if (p.busy && !this.busy) this.notice.textContent = '';
      this.busy = p.busy;
      this.buildToolbar();
      this.progress.textContent = p.busy ? `${p.fraction !== undefined ? `${Math.round(100 * p.fraction)}% · ` : ''}${p.message ?? ''}` : (p.message ?? '');
    });
    this.ipc.on(Changed, () => {
      // Same order, new contents: pages are fetched again, the old ones stay on screen meanwhile.
      this.cache.invalidate();
      if (this.tab === DUPLICATES_TAB) this.loadGroups();
      this.render();
      this.requestDetail(true);
    });
    this.ipc.on(Notice, (p) => {
      this.notice.textContent = p.message;
      this.notice.className = `notice ${p.level}`;
      if (p.level === 'error') this.queue.length = 0;
    });
  }

  private buildHeader(): void {
    const n = this.init?.columns ?? {};
    const extra = this.init?.extraColumns?.find((c) => c.index === this.query.show);
    const cols: [string, string | undefined][] = [['id', n.id ?? this.t('id')], ['text', n.text ?? this.t('text')], ['extra', extra?.name], ['label', n.label ?? this.t('label')], ['sugg', this.t('suggested')], ['score', this.t('pWrong')]];
    replace(this.head, ...cols.filter(([, name]) => name !== undefined).map(([key, name]) => el('span', { class: `c-${key}`, role: 'columnheader', title: name! },
      el('span', { class: 'head-name' }, name!),
      // Drag to resize; the width is remembered for this file.
      key === 'text' ? undefined : el('span', { class: 'resizer', 'data-testid': `resize-${key}`, onpointerdown: (e: Event) => this.startResize(key, e as PointerEvent) }))),
    el('span', { class: 'c-flags', role: 'columnheader' }));
  }

  private applyWidths(): void {
    for (const [k, w] of Object.entries(this.widths)) this.reviewPanel.style.setProperty(`--w-${k}`, `${w}px`);
  }

  private startResize(key: string, e: PointerEvent): void {
    const cell = (e.target as HTMLElement).parentElement!;
    const startX = e.clientX, startW = cell.getBoundingClientRect().width;
    e.preventDefault();
    const doc = this.head.ownerDocument;
    const move = (m: Event) => {
      this.widths[key] = Math.max(24, Math.round(startW + (m as PointerEvent).clientX - startX));
      this.applyWidths();
    };
    const up = () => {
      doc.removeEventListener('pointermove', move);
      doc.removeEventListener('pointerup', up);
      this.ipc.command(SaveLayout, { widths: this.widths });
    };
    doc.addEventListener('pointermove', move);
    doc.addEventListener('pointerup', up);
  }

  /** Shows another column of the file, with a filter on it: its values when it has few, else a search. */
  showColumn(index: number | undefined): void {
    const col = this.init?.extraColumns?.find((c) => c.index === index);
    this.query = { ...this.query, show: col?.index };
    const f = { ...this.query.filter, column: undefined };
    if (!col) clear(this.columnValue);
    else if (col.values) {
      const sel = el('select', { 'aria-label': `${col.name}`, 'data-testid': 'column-filter' }, el('option', { value: '' }, `${col.name}: ${this.t('any')}`), ...col.values.map((v) => el('option', { value: v }, v === '' ? this.t('empty') : v)));
      sel.addEventListener('change', () => this.setFilter({ ...this.query.filter, column: sel.value === '' && sel.selectedIndex === 0 ? undefined : { index: col.index, equals: sel.value } }));
      replace(this.columnValue, sel);
    } else {
      const input = el('input', { type: 'search', placeholder: `${col.name} ${this.t('contains')}`, 'aria-label': `${col.name} ${this.t('contains')}`, 'data-testid': 'column-filter' });
      input.addEventListener('input', () => this.setFilter({ ...this.query.filter, column: input.value ? { index: col.index, contains: input.value } : undefined }));
      replace(this.columnValue, input);
    }
    this.buildHeader();
    this.setFilter(f);
  }

  private buildToolbar(): void {
    const t = (k: string) => this.t(k);
    // VS Code Elements' button: VS Code's look and focus handling, with a codicon.
    const btn = (key: string, testid: string, onclick: () => void, icon: string) =>
      el('vscode-button', { 'data-testid': testid, onclick, title: t(key), icon, secondary: key !== 'analyze' }, t(key));
    replace(this.toolbar,
      btn('analyze', 'btn-analyze', () => this.ipc.command(Run, { job: 'analyze' }), 'play'),
      btn('retrain', 'btn-retrain', () => this.ipc.command(Run, { job: 'retrain' }), 'refresh'),
      this.busy ? btn('cancel', 'btn-cancel', () => this.ipc.command(Run, { job: 'cancel' }), 'stop') : undefined,
      el('span', { class: 'sep' }),
      btn('applyAbove', 'btn-apply-above', () => this.previewApply(), 'check-all'),
      this.threshold,
      el('span', { class: 'sep' }),
      btn('undo', 'btn-undo', () => this.ipc.command(Undo, {}), 'discard'),
      btn('refresh', 'btn-refresh', () => this.refresh(), 'list-ordered'),
      this.init?.images ? btn(this.grid ? 'table' : 'grid', 'btn-grid', () => this.setGrid(!this.grid), this.grid ? 'list-flat' : 'table') : undefined,
      this.init?.images && this.grid ? this.tileSlider() : undefined,
      btn('help', 'btn-help', () => this.toggleHelp(), 'keyboard'),
      this.progress);
  }

  private tileSlider(): HTMLInputElement {
    const r = el('input', { type: 'range', min: 48, max: 256, step: 16, value: this.tile, 'aria-label': this.t('tileSize'), title: this.t('tileSize'), 'data-testid': 'grid-size' });
    r.addEventListener('input', () => this.setTileSize(Number(r.value)));
    return r;
  }

  private fillFilters(): void {
    const d = this.init!;
    const t = (k: string) => this.t(k);
    replace(this.classFilter, el('option', { value: '' }, t('allClasses')), ...d.classes.map((c) => el('option', { value: c }, c)));
    replace(this.showFilter, ...[['all', t('all')], ['flagged', t('flagged')], ['edited', t('edited')], ['accepted', t('accepted')], ['unreviewed', t('unreviewed')]].map(([v, s]) => el('option', { value: v }, s)));
    replace(this.issueFilter, ...[['', t('allIssues')], ['label', t('issueLabel')], ['conflict', t('issueConflict')], ['duplicate', t('issueDuplicate')], ['outlier', t('issueOutlier')]].map(([v, s]) => el('option', { value: v }, s)));
    this.issueFilter.value = this.query.filter.issue ?? '';
    replace(this.sortSelect, ...[['suspicion:desc', t('bySuspicion')], ['row:asc', t('byRow')], ['selfConfidence:asc', t('bySelfConfidence')], ['margin:asc', t('byMargin')]].map(([v, s]) => el('option', { value: v }, s)));
    this.sortSelect.value = `${this.query.sort}:${this.query.descending ? 'desc' : 'asc'}`;
    this.showFilter.value = 'all';
    const extra = d.extraColumns ?? [];
    this.columnSelect.classList.toggle('hidden', extra.length === 0);
    replace(this.columnSelect, el('option', { value: '' }, t('otherColumn')), ...extra.map((c) => el('option', { value: c.index }, c.name)));
    this.columnSelect.value = this.query.show !== undefined ? String(this.query.show) : '';
  }

  private showToFilter(v: string): RowFilter {
    const base: RowFilter = { given: this.query.filter.given, suggested: this.query.filter.suggested, search: this.query.filter.search, issue: this.query.filter.issue };
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

  /** Ranks and filters again (edited rows move to where they now belong). */
  refresh(): void {
    this.reset();
  }

  /** New order (a new snapshot): new cache, back to the top. */
  private reset(at = 0): void {
    this.query = { ...this.query, snapshot: this.query.snapshot + 1 };
    this.cache = new PageCache(JSON.stringify(this.query));
    const scrolled = this.scroll.scrollTop;
    this.cursor = at;
    this.stale = false;
    this.selected.clear();
    this.queue.length = 0;
    this.scroll.scrollTop = at ? scrolled : 0;
    this.fetch(at ? [Math.floor(at / PAGE_SIZE)] : [0]);
  }

  private fetch(pages: number[]): void {
    const cache = this.cache;
    for (const p of cache.missing(pages)) {
      this.ipc.request(RequestPage, { ...this.query, offset: p * PAGE_SIZE, limit: PAGE_SIZE }, (r) => {
        if (cache !== this.cache) return; // an answer to an old query
        cache.put(r.offset, r.rows, r.total);
        this.stale = r.stale;
        this.progressCount = r.progress;
        this.sizeSpacer();
        if (this.cursor >= r.total && r.total > 0) this.cursor = r.total - 1;
        this.render();
        this.requestDetail();
      });
    }
  }

  /** Asks for the cursor row's detail unless it is shown or on its way (`again`: its contents changed). */
  private requestDetail(again = false): void {
    const r = this.cache.get(this.cursor);
    if (!r) return;
    if (!again && (this.shown?.row === r.row || this.detailAsked?.row === r.row)) return;
    if (this.detailAsked) this.ipc.forget(this.detailAsked.id);
    const id = this.ipc.request(RequestDetail, { row: r.row }, (detail, asked) => {
      this.detailAsked = undefined;
      // Shown only while its row is still the cursor's: a late reply for a row left behind is dropped.
      if (asked.row !== this.cache.get(this.cursor)?.row || detail.row !== asked.row) return;
      this.shown = detail;
      replace(this.detailPane, renderDetail(detail, this.init?.classes ?? [], (k) => this.t(k)));
      this.drain();
    });
    this.detailAsked = { row: r.row, id };
  }

  private renderClasses(): void {
    const v = this.classesView;
    if (!v) { replace(this.classesPane, el('p', { class: 'muted' }, this.t('noAnalysis'))); return; }
    replace(this.classesPane, renderClasses(v, (k) => this.t(k), this.classesLayout, (l) => { this.classesLayout = l; this.renderClasses(); },
      (k) => { this.classFilter.value = v.classes[k]; this.showTab(0); this.setFilter({ ...this.query.filter, given: v.classes[k], suggested: undefined }); },
      (i, j) => { this.classFilter.value = v.classes[i]; this.showTab(0); this.setFilter({ ...this.query.filter, given: v.classes[i], suggested: v.classes[j] }); }));
  }

  /** The Duplicates view's groups (the first 200: conflicts first). */
  private loadGroups(): void {
    this.ipc.request(RequestGroups, { offset: 0, limit: 200 }, (r) => this.duplicates.set(r.groups, r.total));
  }

  /** Keys of the Duplicates view; true when handled. */
  private groupKey(a: KeyAction): boolean {
    const g = this.duplicates.current;
    switch (a.kind) {
      case 'move': case 'page': this.duplicates.move(a.delta); return true;
      case 'applySuggestion': if (g?.suggested !== undefined) { this.ipc.command(RelabelGroup, { group: g.group, to: g.suggested }); this.duplicates.move(1); } return true;
      case 'pickClass': if (g) this.showPicker((name) => { this.ipc.command(RelabelGroup, { group: g.group, to: name }); this.duplicates.move(1); }); return true;
      case 'exclude': if (g) { this.ipc.command(Exclude, { rows: g.members.map((m) => m.row), exclude: true }); this.duplicates.move(1); } return true;
      case 'relabelTop': case 'smooth': case 'mix': case 'accept': case 'toggleSelect': return true;
      default: return false;
    }
  }

  showTab(i: number): void {
    this.tab = i;
    if (i === DUPLICATES_TAB) this.loadGroups();
    this.tabs.forEach((t, k) => { t.setAttribute('aria-selected', String(k === i)); t.classList.toggle('active', k === i); });
    this.panels.forEach((p, k) => p.classList.toggle('hidden', k !== i));
  }

  /** Draws the rows in view; asks for the pages it lacks. */
  render(): void {
    const total = this.cache.total;
    const g = this.geometry();
    const lines = Math.ceil(total / g.perLine);
    const [l0, l1] = visibleRange(this.scroll.scrollTop, this.scroll.clientHeight || 600, g.lineHeight, lines, this.grid ? 2 : 10);
    const first = l0 * g.perLine, last = Math.min(total, l1 * g.perLine);
    this.fetch(pagesFor(first, last));
    const rows: HTMLElement[] = [];
    for (let pos = first; pos < last; pos++) {
      const r = this.cache.get(pos);
      if (this.grid) rows.push(r ? this.tileElement(r, pos, g) : el('div', { class: 'tile loading', style: this.tileStyle(pos, g) }, this.t('loading')));
      else rows.push(r ? this.rowElement(r, pos) : el('div', { class: 'row loading', style: `top:${pos * ROW_HEIGHT}px` }, this.t('loading')));
    }
    clear(this.spacer);
    this.spacer.append(...rows);
    const n = this.selected.size;
    const parts = [`${total} ${this.t('rows')}`];
    if (n) parts.push(`${n} ${this.t('selected')}`);
    if (this.progressCount) parts.push(this.t('reviewedOf').replace('{0}', count(this.progressCount.reviewed)).replace('{1}', count(this.progressCount.flagged)));
    if (this.stale) parts.push(this.t('orderKept'));
    if (!this.init?.hasResults) parts.push(this.t('noAnalysis'));
    this.status.textContent = parts.join(' · ');
  }

  private rowElement(r: RowView, pos: number): HTMLElement {
    const cls = ['row', pos === this.cursor ? 'cursor' : '', this.selected.has(r.row) ? 'selected' : '', r.flagged ? 'flagged' : '', r.edited ? 'edited' : '', r.damaged ? 'damaged' : ''].filter(Boolean).join(' ');
    return el('div', { class: cls, role: 'row', style: `top:${pos * ROW_HEIGHT}px`, 'aria-selected': String(pos === this.cursor), 'data-testid': `row-${pos}`, 'data-row': r.row, onclick: (e: Event) => this.click(pos, r, e as MouseEvent) },
      el('span', { class: 'c-id', role: 'gridcell', title: `${r.id} · ${this.t('line')} ${r.line}` }, r.id),
      el('span', { class: 'c-text', role: 'gridcell', title: r.text }, r.thumb ? thumbCanvas(r.thumb, 'row-thumb') : undefined, r.damaged ? this.t('damaged') : r.text),
      this.query.show !== undefined ? el('span', { class: 'c-extra', role: 'gridcell', title: r.extra ?? '' }, r.extra ?? '') : undefined,
      el('span', { class: 'c-label', role: 'gridcell', title: r.edited ? `${r.given} → ${r.label}` : r.label },
        r.edited ? el('span', { class: 'was', 'data-testid': `was-${pos}` }, r.given) : undefined, r.edited ? ' → ' : undefined,
        el('span', { 'data-testid': `label-${pos}` }, r.label)),
      el('span', { class: 'c-sugg', role: 'gridcell', title: r.suggested ?? '' }, r.suggested !== undefined && r.suggested !== r.label ? r.suggested : ''),
      el('span', { class: 'c-score', role: 'gridcell', title: r.suspicion !== undefined ? `${this.t('suspicion')} ${r.suspicion.toFixed(4)}` : '' },
        r.pWrong !== undefined ? el('span', { class: 'score-bar', style: `--s:${r.pWrong.toFixed(3)}`, 'data-testid': `pwrong-${pos}` }, percentNear1(r.pWrong)) : ''),
      el('span', { class: 'c-flags', role: 'gridcell' },
        r.flagged ? el('span', { class: 'codicon codicon-warning flag', title: this.t('flagged'), 'data-testid': `flag-${pos}` }) : undefined,
        r.edited ? el('span', { class: 'codicon codicon-edit', title: this.t('edited') }) : undefined,
        r.accepted ? el('span', { class: 'codicon codicon-check', title: this.t('accepted') }) : undefined,
        r.smoothed ? el('span', { class: 'codicon codicon-symbol-misc', title: this.t('smooth') }) : undefined,
        r.duplicateGroup !== undefined ? el('span', { class: `codicon codicon-copy${r.conflict ? ' conflict' : ''}`, title: `${this.t(r.conflict ? 'conflict' : 'duplicate')} #${r.duplicateGroup}`, 'data-testid': `dup-${pos}` }) : undefined,
        r.outlier ? el('span', { class: 'codicon codicon-circle-slash', title: this.t('outlier') }) : undefined,
        r.excluded ? el('span', { class: 'codicon codicon-eye-closed', title: this.t('excluded'), 'data-testid': `excluded-${pos}` }) : undefined));
  }

  private geometry(): Geometry {
    return this.grid ? gridGeometry(this.scroll.clientWidth || 800, this.tile) : { lineHeight: ROW_HEIGHT, perLine: 1, tile: 0 };
  }

  private sizeSpacer(): void {
    const g = this.geometry();
    this.spacer.style.height = `${Math.ceil(this.cache.total / g.perLine) * g.lineHeight}px`;
  }

  private tileStyle(pos: number, g: Geometry): string {
    return `top:${Math.floor(pos / g.perLine) * g.lineHeight}px;left:${(pos % g.perLine) * g.tile}px;width:${g.tile}px;height:${g.lineHeight}px`;
  }

  /** A grid tile: the image, then given → suggested. */
  private tileElement(r: RowView, pos: number, g: Geometry): HTMLElement {
    const cls = ['tile', pos === this.cursor ? 'cursor' : '', this.selected.has(r.row) ? 'selected' : '', r.flagged ? 'flagged' : '', r.edited ? 'edited' : ''].filter(Boolean).join(' ');
    const caption = r.edited ? `${r.given} → ${r.label}` : r.suggested !== undefined && r.suggested !== r.label ? `${r.label} → ${r.suggested}` : r.label;
    return el('div', { class: cls, role: 'gridcell', style: this.tileStyle(pos, g), 'aria-selected': String(pos === this.cursor), 'data-testid': `tile-${pos}`, 'data-row': r.row, title: `${r.id} · ${caption}`, onclick: (e: Event) => this.click(pos, r, e as MouseEvent) },
      r.thumb ? thumbCanvas(r.thumb, 'tile-img') : el('div', { class: 'tile-img missing' }, r.damaged ? this.t('damaged') : r.text),
      el('div', { class: 'tile-caption', 'data-testid': `caption-${pos}` }, r.flagged ? el('span', { class: 'codicon codicon-warning flag' }) : undefined, caption),
      r.pWrong !== undefined ? el('div', { class: 'tile-score' }, percentNear1(r.pWrong)) : undefined);
  }

  /** Grid mode on or off (image datasets); the cursor stays on its row. */
  setGrid(on: boolean): void {
    if (!this.init?.images) return;
    this.grid = on;
    this.reviewPanel.classList.toggle('grid-mode', on);
    this.buildToolbar();
    this.sizeSpacer();
    this.moveTo(this.cursor);
  }

  setTileSize(px: number): void {
    this.tile = Math.max(48, Math.min(256, Math.round(px)));
    this.sizeSpacer();
    this.moveTo(this.cursor);
  }

  private click(pos: number, r: RowView, e: MouseEvent): void {
    if (e.ctrlKey || e.metaKey) { if (this.selected.has(r.row)) this.selected.delete(r.row); else this.selected.add(r.row); }
    this.moveTo(pos);
  }

  moveTo(pos: number): void {
    const total = this.cache.total;
    if (total === 0) return;
    this.cursor = Math.max(0, Math.min(total - 1, pos));
    const g = this.geometry();
    const top = Math.floor(this.cursor / g.perLine) * g.lineHeight;
    const view = this.scroll.clientHeight || 600;
    if (top < this.scroll.scrollTop) this.scroll.scrollTop = top;
    else if (top + g.lineHeight > this.scroll.scrollTop + view) this.scroll.scrollTop = top + g.lineHeight - view;
    this.render();
    this.requestDetail();
  }

  /** The row whose detail is shown, when it is the cursor's row. */
  private shownRow(): RowDetail | undefined {
    const r = this.cache.get(this.cursor);
    return r && this.shown?.row === r.row ? this.shown : undefined;
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
    if (a.kind === 'escape') { this.queue.length = 0; this.act(a); return; }
    if (this.tab === DUPLICATES_TAB && this.groupKey(a)) return;
    this.queue.push(a);
    this.drain();
  }

  /** Performs queued keys in order; stops at a row action whose row's detail is not shown yet. */
  private drain(): void {
    while (this.queue.length) {
      const a = this.queue[0];
      if (ROW_ACTIONS.has(a.kind) && !this.shownRow()) return;
      this.queue.shift();
      this.act(a);
    }
  }

  act(a: KeyAction): void {
    const d = this.shownRow();
    const rows = this.selected.size ? [...this.selected] : d ? [d.row] : [];
    const afterAction = () => { if (!this.selected.size) this.moveTo(this.cursor + 1); else { this.selected.clear(); this.render(); } };
    switch (a.kind) {
      case 'move': this.moveTo(this.cursor + a.delta); break;
      case 'page': { const g = this.geometry(); this.moveTo(this.cursor + a.delta * g.perLine * Math.max(1, Math.floor((this.scroll.clientHeight || 600) / g.lineHeight))); break; }
      case 'grid': this.setGrid(!this.grid); break;
      case 'applySuggestion': if (rows.length) { this.ipc.command(ApplySuggestion, { rows }); afterAction(); } break;
      case 'relabelTop': {
        const to = d?.topClasses[a.rank];
        if (rows.length && to !== undefined) { this.relabel(rows, to); afterAction(); }
        break;
      }
      case 'pickClass': this.showClassPicker(rows); break;
      case 'smooth': case 'mix':
        if (rows.length) { this.ipc.command(Smooth, { rows, epsilon: this.init?.smoothingEpsilon ?? 0.1, mix: a.kind === 'mix' }); afterAction(); }
        break;
      case 'accept': if (rows.length) { this.ipc.command(Accept, { rows }); afterAction(); } break;
      case 'exclude': if (rows.length) { this.ipc.command(Exclude, { rows, exclude: !d?.excluded }); afterAction(); } break;
      case 'undo': this.ipc.command(Undo, {}); break;
      case 'redo': this.ipc.command(Redo, {}); break;
      case 'refresh': this.refresh(); break;
      case 'toggleSelect': {
        const r = this.cache.get(this.cursor);
        if (r) { if (this.selected.has(r.row)) this.selected.delete(r.row); else this.selected.add(r.row); this.render(); }
        break;
      }
      case 'search': this.searchBox.focus(); break;
      case 'help': this.toggleHelp(); break;
      case 'escape': this.closeOverlay(); this.selected.clear(); this.render(); break;
    }
  }

  private relabel(rows: number[], to: string): void {
    this.ipc.command(Relabel, { rows, to });
    const i = this.recent.indexOf(to);
    if (i >= 0) this.recent.splice(i, 1);
    this.recent.unshift(to);
    this.recent.length = Math.min(this.recent.length, 9);
  }

  private closeOverlay(): void {
    this.overlay.classList.add('hidden');
    this.scroll.focus();
  }

  private showClassPicker(rows: number[]): void {
    if (!rows.length) return;
    const atSelection = this.selected.size > 0;
    this.showPicker((name) => {
      this.relabel(rows, name);
      if (!atSelection) this.moveTo(this.cursor + 1); else { this.selected.clear(); this.render(); }
    });
  }

  private showPicker(pick: (name: string) => void): void {
    if (!this.init) return;
    replace(this.overlay, renderPicker({
      classes: this.init.classes, recent: this.recent, title: this.t('pickClass'), placeholder: this.t('filterClasses'),
      onPick: (name) => {
        this.closeOverlay();
        pick(name);
      },
      onClose: () => this.closeOverlay(),
    }));
    this.overlay.setAttribute('aria-label', this.t('pickClass'));
    this.overlay.classList.remove('hidden');
    (this.overlay.querySelector('input') as HTMLInputElement | null)?.focus();
  }

  /** Bulk apply: first the preview (how many rows, from → to), then one click applies it as one undo step. */
  private previewApply(): void {
    const v = Number(this.threshold.value);
    if (!Number.isFinite(v) || v < 0 || v > 1) return;
    this.ipc.request(RequestApplyPreview, { threshold: v }, (p) => this.showPreview(p));
  }

  private showPreview(p: ApplyPreview): void {
    const t = (k: string) => this.t(k);
    const apply = el('vscode-button', { 'data-testid': 'btn-apply-confirm', disabled: p.rows === 0, onclick: () => { this.closeOverlay(); this.ipc.command(ApplyAbove, { threshold: p.threshold }); } }, `${t('applyN').replace('{0}', String(p.rows))}`);
    replace(this.overlay,
      el('h2', {}, `${t('applyPreview')} ≥ ${p.threshold}`),
      el('p', { 'data-testid': 'preview-summary' }, t('previewSummary').replace('{0}', String(p.rows)).replace('{1}', String(p.threshold))),
      p.pairs.length ? el('table', { class: 'preview', 'data-testid': 'preview-pairs' },
        el('tr', {}, el('th', {}, t('from')), el('th', {}, t('to')), el('th', {}, t('rows'))),
        ...p.pairs.slice(0, 50).map((x) => el('tr', {}, el('td', {}, x.from), el('td', {}, x.to), el('td', {}, x.count)))) : undefined,
      p.pairs.length > 50 ? el('p', { class: 'muted', 'data-testid': 'preview-more' }, t('morePairs').replace('{0}', String(p.pairs.length - 50)).replace('{1}', String(p.pairs.slice(50).reduce((a, x) => a + x.count, 0)))) : undefined,
      el('div', { class: 'buttons' }, apply, el('vscode-button', { secondary: true, 'data-testid': 'btn-apply-cancel', onclick: () => this.closeOverlay() }, t('cancel'))));
    this.overlay.setAttribute('aria-label', t('applyPreview'));
    this.overlay.classList.remove('hidden');
  }

  toggleHelp(): void {
    const hidden = this.overlay.classList.contains('hidden');
    replace(this.overlay, el('h2', {}, this.t('helpTitle')), el('table', {}, ...KEY_HELP.map(([k, what]) => el('tr', {}, el('th', {}, el('kbd', {}, k)), el('td', {}, what)))),
      el('button', { class: 'btn', onclick: () => this.closeOverlay() }, this.t('close')));
    this.overlay.setAttribute('aria-label', this.t('helpTitle'));
    this.overlay.classList.toggle('hidden', !hidden);
  }
}
