/**
 * The review's one state object and the actions that change it. Every component reads this state
 * (never its own copy) and reports what the user did as an `Action`; the app (app.ts) is the only
 * place that changes the state, talks to the host, and tells components which parts changed.
 */
import type { ApplyPreview, ClassesView, GroupView, InitData, MapStatusData, PageQuery, RowDetail, RowFilter, RunView, SortKey } from '../src/protocol/webview';
import type { ClassesLayout } from './charts';
import type { WebviewIpc } from './ipc';
import type { KeyAction } from './keys';
import { STRINGS } from './strings';
import { PAGE_SIZE, PageCache } from './virtualTable';

/** The tabs; a new view adds its id here and its entry in views.ts. */
export type ViewId = 'review' | 'classes' | 'runs' | 'duplicates' | 'map';

export interface ReviewState {
  init: InitData | undefined;
  strings: Record<string, string>;
  /** The order and filter of the table; a new snapshot is a new order. */
  query: PageQuery;
  /** Pages of the current query. */
  cache: PageCache;
  /** Position of the cursor in the current order. */
  cursor: number;
  /** Rows (not positions) selected with x / Ctrl+click. */
  selected: Set<number>;
  /** The detail on screen; row actions act on its row. */
  shown: RowDetail | undefined;
  /** The host kept the order while rows were edited (a refresh ranks again). */
  stale: boolean;
  progressCount: { reviewed: number; flagged: number } | undefined;
  /** Classes picked recently, most recent first (the picker lists them first). */
  recent: string[];
  classesView: ClassesView | undefined;
  classesLayout: ClassesLayout;
  runs: RunView[];
  /** Grid mode (image datasets): tiles instead of table rows, `tile` px wide. */
  grid: boolean;
  tile: number;
  /** A job (analyze, retrain) is running. */
  busy: boolean;
  progress: string;
  notice: { level: 'info' | 'error'; message: string };
  tab: ViewId;
  /** Column widths (px) by column key, remembered per file by the host. */
  widths: Record<string, number>;
  /** The Duplicates view's groups and its cursor. */
  groups: GroupsState;
  /** The dialog over the view, if any. */
  overlay: Overlay;
  /** The analysis's map, made after its results: being computed (with progress), ready, or failed; undefined before any news. */
  mapStatus: MapStatusData | undefined;
}

/** The Duplicates view's groups and the group under its cursor. */
export interface GroupsState {
  groups: GroupView[];
  total: number;
  cursor: number;
}

/** What the class picker relabels: rows of the table, or every member of a duplicate group. */
export type PickTarget = { rows: number[]; atSelection: boolean } | { group: number };

export type Overlay =
  | { kind: 'none' }
  | { kind: 'help' }
  | { kind: 'picker'; target: PickTarget }
  | { kind: 'preview'; preview: ApplyPreview };

export function initialState(): ReviewState {
  const query: PageQuery = { offset: 0, limit: PAGE_SIZE, sort: 'suspicion', descending: true, filter: {}, snapshot: 0 };
  return {
    init: undefined, strings: STRINGS, query, cache: new PageCache(''), cursor: 0, selected: new Set(), shown: undefined, stale: false,
    progressCount: undefined, recent: [], classesView: undefined, classesLayout: { scale: 'linear', sort: 'given', descending: true }, runs: [],
    grid: false, tile: 96, busy: false, mapStatus: undefined, progress: '', notice: { level: 'info', message: '' }, tab: 'review', widths: {},
    groups: { groups: [], total: 0, cursor: 0 }, overlay: { kind: 'none' },
  };
}

/** The "Show" select's choices, as filters. */
export type ShowChoice = 'all' | 'flagged' | 'edited' | 'accepted' | 'unreviewed';

export function showOf(f: RowFilter): ShowChoice {
  if (f.flagged) return 'flagged';
  if (f.edited) return 'edited';
  if (f.accepted === true) return 'accepted';
  if (f.accepted === false) return 'unreviewed';
  return 'all';
}

export function withShow(f: RowFilter, v: ShowChoice): RowFilter {
  const base: RowFilter = { given: f.given, suggested: f.suggested, search: f.search, issue: f.issue, column: f.column, ...(f.map ? { map: f.map } : {}) };
  if (v === 'flagged') return { ...base, flagged: true };
  if (v === 'edited') return { ...base, edited: true };
  if (v === 'accepted') return { ...base, accepted: true };
  if (v === 'unreviewed') return { ...base, accepted: false };
  return base;
}

/** What the user did, as components report it. */
export type Action =
  | { type: 'key'; action: KeyAction }
  | { type: 'filter'; filter: RowFilter }
  | { type: 'sort'; sort: SortKey; descending: boolean }
  | { type: 'showColumn'; index: number | undefined }
  | { type: 'tab'; tab: ViewId }
  | { type: 'click'; pos: number; row: number; toggle: boolean }
  | { type: 'scroll' }
  | { type: 'widths'; widths: Record<string, number>; done: boolean }
  | { type: 'run'; job: 'analyze' | 'retrain' | 'cancel' }
  | { type: 'previewApply'; threshold: string }
  | { type: 'confirmApply'; threshold: number }
  | { type: 'grid'; on: boolean }
  | { type: 'tileSize'; px: number }
  | { type: 'closeOverlay' }
  /** Opens the class picker for rows or a group; `picked` is the class chosen in it. */
  | { type: 'pick'; target: PickTarget }
  | { type: 'picked'; name: string }
  | { type: 'classesLayout'; layout: ClassesLayout }
  /** A bar, cell or pair of the Classes view: the table filtered to that class (and predicted class). */
  | { type: 'filterClass'; given: string; suggested?: string }
  /** The Duplicates view's cursor moved (by click). */
  | { type: 'groupCursor'; index: number }
  | { type: 'relabelGroup'; group: number; to: string }
  | { type: 'excludeGroup'; rows: number[] }
  | { type: 'groups'; groups: GroupView[]; total: number }
  /** The note typed for a row ('' removes it). */
  | { type: 'note'; row: number; note: string };

export type Dispatch = (a: Action) => void;

/** Parts of the state that changed, so components redraw only what they show. */
export type Topic = 'mapStatus' | 'init' | 'rows' | 'detail' | 'toolbar' | 'status' | 'classes' | 'runs' | 'tab' | 'notice' | 'groups' | 'filters' | 'overlay'
  /** The host changed rows (an edit, undo, save): same order, new contents. */
  | 'edited';

/** What every component is given: the state to read, where to report, and the UI strings. */
export interface Ctx {
  readonly state: ReviewState;
  dispatch: Dispatch;
  t: (key: string) => string;
  /** For a view that asks the host for data of its own (its requests are declared in src/protocol/webview.ts). */
  ipc: WebviewIpc;
}

/** A component: its element, and a redraw for the topics that changed. */
export interface Component {
  readonly element: HTMLElement;
  update(changed: ReadonlySet<Topic>): void;
}
