/**
 * The review webview: one state object (state.ts), components that draw it and report what the user
 * did (components/, views.ts), and this app, the only place that changes the state and talks to the
 * host. Knows only the webview protocol; every value from the host is shown as text.
 *
 * Two rules keep the keyboard honest:
 * - The order is a snapshot: acting on a row never re-ranks or re-filters the list (the host keeps
 *   the order until the user refreshes), so after an action the cursor is on the row that followed.
 * - A key that acts on a row acts on the row whose detail is shown, with that detail's classes. When
 *   the cursor has moved and the new row's detail has not arrived yet, keys wait (in order) for it.
 */
import {
  Accept, ApplyAbove, ApplySuggestion, Changed, checkMapStatus, Classes, Exclude, Init, MapStatus, Notice, Progress, Ready, Redo, Relabel, RelabelGroup, RequestApplyPreview, RequestDetail, RequestPage, Run, Runs, SaveLayout, SetNote, Smooth, Undo,
  type HostWire, type WebviewWire,
} from '../src/protocol/webview';
import { DetailPane } from './components/detailPane';
import { Filters } from './components/filters';
import { Overlay } from './components/overlay';
import { StatusBar } from './components/statusBar';
import { Table } from './components/table';
import { Tabs } from './components/tabs';
import { Toolbar } from './components/toolbar';
import { TYPING_TAGS } from './controls';
import { el } from './dom';
import { WebviewIpc } from './ipc';
import { keyAction, type KeyAction } from './keys';
import { initialState, type Action, type Component, type Ctx, type ReviewState, type Topic, type ViewId } from './state';
import { STRINGS } from './strings';
import { VIEWS, type View } from './views';
import { PAGE_SIZE, PageCache } from './virtualTable';

export { ROW_HEIGHT } from './components/table';

/** Actions that act on rows: they wait until the cursor row's detail is shown. */
const ROW_ACTIONS = new Set<KeyAction['kind']>(['applySuggestion', 'relabelTop', 'pickClass', 'smooth', 'mix', 'accept', 'exclude', 'note']);

export class ReviewApp {
  /** The one state every component reads. */
  readonly state: ReviewState = initialState();
  private readonly ipc: WebviewIpc;
  private readonly ctx: Ctx;
  private detailAsked: { row: number; id: number } | undefined;
  /** Keys pressed while the cursor row's detail was on its way, in order. */
  private readonly queue: KeyAction[] = [];

  private readonly table: Table;
  private readonly filters: Filters;
  private readonly detail: DetailPane;
  private readonly components: Component[];
  private readonly views = new Map<ViewId, View>();
  private readonly panels = new Map<ViewId, HTMLElement>();
  private readonly reviewPanel: HTMLElement;

  constructor(root: HTMLElement, post: (m: WebviewWire) => void) {
    this.ipc = new WebviewIpc(post);
    this.ctx = { state: this.state, dispatch: (a) => this.dispatch(a), t: (k) => this.t(k), ipc: this.ipc };
    const toolbar = new Toolbar(this.ctx);
    const tabs = new Tabs(this.ctx, VIEWS);
    this.filters = new Filters(this.ctx);
    this.table = new Table(this.ctx, (pages) => this.fetch(pages));
    const detail = this.detail = new DetailPane(this.ctx);
    const status = new StatusBar(this.ctx);
    const overlay = new Overlay(this.ctx);
    this.reviewPanel = el('div', { class: 'review' },
      this.filters.element,
      el('div', { class: 'split' }, this.table.element, detail.element),
      status.element);
    for (const v of VIEWS) {
      if (!v.create) { this.panels.set(v.id, this.reviewPanel); continue; }
      const view = v.create(this.ctx);
      this.views.set(v.id, view);
      this.panels.set(v.id, view.element);
    }
    this.components = [toolbar, tabs, this.filters, this.table, detail, status, overlay, ...this.views.values()];
    root.append(toolbar.element, tabs.element, ...this.panels.values(), overlay.element);
    this.showTab('review', true);
    root.ownerDocument.addEventListener('keydown', (e) => this.onKey(e));
    this.listen();
  }

  get cursor(): number { return this.state.cursor; }
  get grid(): boolean { return this.state.grid; }
  get selected(): Set<number> { return this.state.selected; }

  t(key: string): string {
    return this.state.strings[key] ?? STRINGS[key] ?? key;
  }

  start(): void {
    this.ipc.command(Ready, {});
  }

  /** A message from the host. */
  handle(m: HostWire): void {
    this.ipc.handle(m);
  }

  /** Tells the components what changed. */
  private update(...topics: Topic[]): void {
    const changed = new Set(topics);
    for (const c of this.components) c.update(changed);
  }

  private listen(): void {
    const s = this.state;
    this.ipc.on(Init, (d) => {
      const before = s.init;
      s.init = d;
      s.strings = { ...STRINGS, ...d.strings };
      // The file was read again (reload, merge) with the same kind of results: the user's view and
      // place are kept. Otherwise ranked by suspicion once there is an analysis, in file order before.
      const keep = before !== undefined && before.hasResults === d.hasResults;
      const known = (c: string | undefined) => (c !== undefined && d.classes.includes(c) ? c : undefined);
      const cursor = s.cursor;
      if (keep) s.query = { ...s.query, filter: { ...s.query.filter, given: known(s.query.filter.given), suggested: known(s.query.filter.suggested) } };
      else s.query = { ...s.query, sort: d.hasResults ? 'suspicion' : 'row', descending: d.hasResults, filter: {}, show: undefined };
      s.widths = { ...(d.widths ?? {}) };
      this.applyWidths();
      this.reset(keep ? cursor : 0);
      this.update('init', 'toolbar', 'filters', 'runs');
    });
    this.ipc.on(Classes, (p) => { s.classesView = p.view; this.update('classes'); });
    this.ipc.on(Runs, (p) => { s.runs = p.runs; this.update('runs'); });
    this.ipc.on(Progress, (p) => {
      // A new job's progress replaces the last job's notice.
      if (p.busy && !s.busy) s.notice = { level: 'info', message: '' };
      s.busy = p.busy;
      s.progress = p.busy ? `${p.fraction !== undefined ? `${Math.round(100 * p.fraction)}% · ` : ''}${p.message ?? ''}` : (p.message ?? '');
      this.update('toolbar', 'notice');
    });
    this.ipc.on(Changed, () => {
      // Same order, new contents: pages are fetched again, the old ones stay on screen meanwhile.
      s.cache.invalidate();
      this.update('rows', 'edited');
      this.requestDetail(true);
    });
    this.ipc.on(MapStatus, (p) => {
      // The map comes after the results: its progress, then "ready" (the Map view asks for it again).
      const m = checkMapStatus(p);
      s.mapStatus = typeof m === 'string' ? { state: 'failed', message: m } : m;
      this.update('mapStatus');
    });
    this.ipc.on(Notice, (p) => {
      s.notice = { level: p.level, message: p.message };
      if (p.level === 'error') this.queue.length = 0;
      this.update('notice');
    });
  }

  /** Every change the user asks for goes through here. */
  dispatch(a: Action): void {
    const s = this.state;
    switch (a.type) {
      case 'key': this.act(a.action); break;
      case 'filter': this.setFilter(a.filter); break;
      case 'sort': s.query = { ...s.query, sort: a.sort, descending: a.descending }; this.reset(); this.update('filters'); break;
      case 'showColumn': this.showColumn(a.index); break;
      case 'tab': this.showTab(a.tab); break;
      case 'click':
        if (a.toggle) { if (s.selected.has(a.row)) s.selected.delete(a.row); else s.selected.add(a.row); }
        this.moveTo(a.pos);
        break;
      case 'scroll': this.update('rows'); break;
      case 'widths':
        s.widths = a.widths;
        this.applyWidths();
        if (a.done) this.ipc.command(SaveLayout, { widths: s.widths });
        break;
      case 'run': this.ipc.command(Run, { job: a.job }); break;
      case 'previewApply': {
        const v = Number(a.threshold);
        if (a.threshold.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1) return;
        this.ipc.request(RequestApplyPreview, { threshold: v }, (p) => { s.overlay = { kind: 'preview', preview: p }; this.update('overlay'); });
        break;
      }
      case 'confirmApply': this.closeOverlay(); this.ipc.command(ApplyAbove, { threshold: a.threshold }); break;
      case 'grid': this.setGrid(a.on); break;
      case 'tileSize': this.setTileSize(a.px); break;
      case 'closeOverlay': this.closeOverlay(); break;
      case 'pick': if (s.init) { s.overlay = { kind: 'picker', target: a.target }; this.update('overlay'); } break;
      case 'picked': this.picked(a.name); break;
      case 'classesLayout': s.classesLayout = a.layout; this.update('classes'); break;
      case 'filterClass': this.showTab('review'); this.setFilter({ ...s.query.filter, given: a.given, suggested: a.suggested }); break;
      case 'groupCursor': {
        const n = s.groups.groups.length;
        if (!n) return;
        s.groups = { ...s.groups, cursor: Math.max(0, Math.min(n - 1, a.index)) };
        this.update('groups');
        break;
      }
      case 'relabelGroup': this.ipc.command(RelabelGroup, { group: a.group, to: a.to }); this.dispatch({ type: 'groupCursor', index: s.groups.cursor + 1 }); break;
      case 'excludeGroup': this.ipc.command(Exclude, { rows: a.rows, exclude: true }); this.dispatch({ type: 'groupCursor', index: s.groups.cursor + 1 }); break;
      case 'note': this.ipc.command(SetNote, { row: a.row, note: a.note }); break;
      case 'groups':
        s.groups = { groups: a.groups, total: a.total, cursor: Math.min(s.groups.cursor, Math.max(0, a.groups.length - 1)) };
        this.update('groups');
        break;
    }
  }

  showTab(tab: ViewId, force = false): void {
    const s = this.state;
    if (tab === s.tab && !force) return;
    s.tab = tab;
    for (const [id, p] of this.panels) p.classList.toggle('hidden', id !== tab);
    this.update('tab');
    this.views.get(tab)?.onShow?.();
  }

  private applyWidths(): void {
    for (const [k, w] of Object.entries(this.state.widths)) this.reviewPanel.style.setProperty(`--w-${k}`, `${w}px`);
  }

  /** Shows another column of the file beside the text; its filter starts empty. */
  showColumn(index: number | undefined): void {
    const s = this.state;
    const col = s.init?.extraColumns?.find((c) => c.index === index);
    s.query = { ...s.query, show: col?.index, filter: { ...s.query.filter, column: undefined } };
    this.reset();
    this.update('filters');
  }

  /** Grid mode on or off (image datasets); the cursor stays on its row. */
  setGrid(on: boolean): void {
    if (!this.state.init?.images) return;
    this.state.grid = on;
    this.reviewPanel.classList.toggle('grid-mode', on);
    this.update('toolbar', 'rows');
    this.moveTo(this.state.cursor);
  }

  setTileSize(px: number): void {
    this.state.tile = Math.max(48, Math.min(256, Math.round(px)));
    this.update('rows');
    this.moveTo(this.state.cursor);
  }

  setFilter(filter: ReviewState['query']['filter']): void {
    this.state.query = { ...this.state.query, filter };
    this.reset();
    this.update('filters');
  }

  /** Ranks and filters again (edited rows move to where they now belong). */
  refresh(): void {
    this.reset();
    this.update('rows', 'status');
  }

  /** New order (a new snapshot): new cache, back to the top (or kept at `at`, the file read again). */
  private reset(at = 0): void {
    const s = this.state;
    s.query = { ...s.query, snapshot: s.query.snapshot + 1 };
    s.cache = new PageCache(JSON.stringify(s.query));
    s.cursor = at;
    s.stale = false;
    s.selected.clear();
    this.queue.length = 0;
    this.table.resetScroll(at !== 0);
    this.fetch(at ? [Math.floor(at / PAGE_SIZE)] : [0]);
  }

  private fetch(pages: number[]): void {
    const s = this.state;
    const cache = s.cache;
    for (const p of cache.missing(pages)) {
      this.ipc.request(RequestPage, { ...s.query, offset: p * PAGE_SIZE, limit: PAGE_SIZE }, (r) => {
        if (cache !== s.cache) return; // an answer to an old query
        cache.put(r.offset, r.rows, r.total);
        s.stale = r.stale;
        s.progressCount = r.progress;
        if (s.cursor >= r.total && r.total > 0) s.cursor = r.total - 1;
        this.update('rows', 'status');
        this.requestDetail();
      });
    }
  }

  /** Asks for the cursor row's detail unless it is shown or on its way (`again`: its contents changed). */
  private requestDetail(again = false): void {
    const s = this.state;
    const r = s.cache.get(s.cursor);
    if (!r) return;
    if (!again && (s.shown?.row === r.row || this.detailAsked?.row === r.row)) return;
    if (this.detailAsked) this.ipc.forget(this.detailAsked.id);
    const id = this.ipc.request(RequestDetail, { row: r.row }, (detail, asked) => {
      this.detailAsked = undefined;
      // Shown only while its row is still the cursor's: a late reply for a row left behind is dropped.
      if (asked.row !== s.cache.get(s.cursor)?.row || detail.row !== asked.row) return;
      s.shown = detail;
      this.update('detail');
      this.drain();
    });
    this.detailAsked = { row: r.row, id };
  }

  moveTo(pos: number): void {
    const s = this.state;
    const total = s.cache.total;
    if (total === 0) return;
    s.cursor = Math.max(0, Math.min(total - 1, pos));
    this.table.reveal(s.cursor);
    this.update('rows', 'status');
    this.requestDetail();
  }

  /** The row whose detail is shown, when it is the cursor's row. */
  private shownRow(): ReviewState['shown'] {
    const s = this.state;
    const r = s.cache.get(s.cursor);
    return r && s.shown?.row === r.row ? s.shown : undefined;
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement | null;
    if (target && TYPING_TAGS.has(target.tagName)) {
      if (e.key === 'Escape') target.blur();
      return;
    }
    const a = keyAction(e);
    if (!a) return;
    e.preventDefault();
    if (a.kind === 'escape') { this.queue.length = 0; this.act(a); return; }
    if (this.views.get(this.state.tab)?.onKey?.(a)) return;
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
    const s = this.state;
    const d = this.shownRow();
    const rows = s.selected.size ? [...s.selected] : d ? [d.row] : [];
    const afterAction = () => { if (!s.selected.size) this.moveTo(s.cursor + 1); else { s.selected.clear(); this.update('rows', 'status'); } };
    switch (a.kind) {
      case 'move': this.moveTo(s.cursor + a.delta); break;
      case 'page': this.moveTo(s.cursor + a.delta * this.table.pageSize()); break;
      case 'grid': this.setGrid(!s.grid); break;
      case 'applySuggestion': if (rows.length) { this.ipc.command(ApplySuggestion, { rows }); afterAction(); } break;
      case 'relabelTop': {
        const to = d?.topClasses[a.rank];
        if (rows.length && to !== undefined) { this.relabel(rows, to); afterAction(); }
        break;
      }
      case 'pickClass': if (rows.length) this.dispatch({ type: 'pick', target: { rows, atSelection: s.selected.size > 0 } }); break;
      case 'smooth': case 'mix':
        if (rows.length) { this.ipc.command(Smooth, { rows, epsilon: s.init?.smoothingEpsilon ?? 0.1, mix: a.kind === 'mix' }); afterAction(); }
        break;
      case 'accept': if (rows.length) { this.ipc.command(Accept, { rows }); afterAction(); } break;
      case 'exclude': if (rows.length) { this.ipc.command(Exclude, { rows, exclude: !d?.excluded }); afterAction(); } break;
      case 'undo': this.ipc.command(Undo, {}); break;
      case 'redo': this.ipc.command(Redo, {}); break;
      case 'refresh': this.refresh(); break;
      case 'toggleSelect': {
        const r = s.cache.get(s.cursor);
        if (r) { if (s.selected.has(r.row)) s.selected.delete(r.row); else s.selected.add(r.row); this.update('rows', 'status'); }
        break;
      }
      case 'search': this.filters.search.focus(); break;
      case 'note': this.detail.focusNote(); break;
      case 'help': s.overlay = s.overlay.kind === 'help' ? { kind: 'none' } : { kind: 'help' }; this.update('overlay'); break;
      case 'escape': this.closeOverlay(); s.selected.clear(); this.update('rows', 'status'); break;
    }
  }

  /** The class picked in the picker, for the rows or the group it was opened for. */
  private picked(name: string): void {
    const s = this.state;
    const o = s.overlay;
    this.closeOverlay();
    if (o.kind !== 'picker') return;
    if ('group' in o.target) {
      this.dispatch({ type: 'relabelGroup', group: o.target.group, to: name });
      return;
    }
    this.relabel(o.target.rows, name);
    if (!o.target.atSelection) this.moveTo(s.cursor + 1); else { s.selected.clear(); this.update('rows', 'status'); }
  }

  private relabel(rows: number[], to: string): void {
    const recent = this.state.recent;
    this.ipc.command(Relabel, { rows, to });
    const i = recent.indexOf(to);
    if (i >= 0) recent.splice(i, 1);
    recent.unshift(to);
    recent.length = Math.min(recent.length, 9);
  }

  private closeOverlay(): void {
    this.state.overlay = { kind: 'none' };
    this.update('overlay');
    this.table.focus();
  }

  toggleHelp(): void {
    this.act({ kind: 'help' });
  }
}
