/**
 * The one typed contract between the review webview and the extension host, imported by both sides,
 * in the spirit of GitLens's IpcCommand / IpcRequest / IpcNotification: each message is declared
 * once, with its guard.
 *
 * - A command (webview → host) is fire-and-forget: `{ method, params }`.
 * - A request (webview → host) carries an id and gets exactly one reply: `{ method, id, params }` →
 *   `{ method: reply, replyTo: id, params }`. The webview correlates each reply with the request that
 *   asked for it (and its params), so a detail asked for row 0 can never be shown, or acted on, as
 *   the detail of row 1.
 * - A notification (host → webview) is `{ method, params }`.
 *
 * Every message from the webview is validated by its guard before the host uses it (types, ranges,
 * known rows and class names): the webview renders untrusted data, so it is treated as untrusted.
 * Classes travel as names, never as indexes, so a class list that changed underneath (a new analysis)
 * cannot turn "sports" into whatever class now sits at the same index.
 */

export type SortKey = 'suspicion' | 'row' | 'selfConfidence' | 'margin' | 'given' | 'suggested';
export const SORT_KEYS: readonly SortKey[] = ['suspicion', 'row', 'selfConfidence', 'margin', 'given', 'suggested'];

/**
 * Kinds of finding a row can be: a label the model doubts (flagged), a copy in a group whose labels
 * disagree (conflict), a copy of another row (duplicate), a row unlike all others (outlier).
 */
export type IssueKind = 'label' | 'conflict' | 'duplicate' | 'outlier';
export const ISSUE_KINDS: readonly IssueKind[] = ['label', 'conflict', 'duplicate', 'outlier'];

export interface RowFilter {
  /** Only rows that are this kind of finding. */
  issue?: IssueKind;
  /** Current label (class name). */
  given?: string;
  /** Suggested label (class name). */
  suggested?: string;
  flagged?: boolean;
  edited?: boolean;
  accepted?: boolean;
  /** Case-insensitive substring of the row's text or id. */
  search?: string;
  /** Another column of the file: its value equals `equals`, or contains `contains` (case-insensitive). */
  column?: { index: number; equals?: string; contains?: string };
  /** Rows whose point on the embedding map lies inside this polygon (x, y pairs in MapData units; it may reach past the map's 0..MAP_UNITS). */
  map?: { polygon: number[] };
}

export interface PageQuery {
  offset: number;
  limit: number;
  sort: SortKey;
  descending: boolean;
  filter: RowFilter;
  /**
   * The order's snapshot: the host ranks and filters once per (sort, filter, snapshot) and keeps that
   * order while the user edits, so acting on a row never moves the rows after it. The webview asks
   * for a new snapshot only when the user refreshes.
   */
  snapshot: number;
  /** Another column of the file to show beside the text (an index of InitData.extraColumns). */
  show?: number;
}

/** One row of the review table. Text is plain text, shown with textContent only. */
export interface RowView {
  row: number;
  id: string;
  line: number;
  /** Preview of the text (or a summary of the features). */
  text: string;
  /** Label in the file as read. */
  given: string;
  /** Current label including unsaved edits. */
  label: string;
  suggested?: string;
  suspicion?: number;
  /** Calibrated probability that the current label is wrong (1 − p(label), temperature-scaled). */
  pWrong?: number;
  flagged: boolean;
  edited: boolean;
  accepted: boolean;
  smoothed: boolean;
  damaged: boolean;
  /** The value of the column the query shows (PageQuery.show). */
  extra?: string;
  /** Image rows: a small grey thumbnail, row-major bytes in base64. */
  thumb?: { width: number; height: number; data: string };
  /** Duplicate group (1-based, as in rows.csv) when the row has copies. */
  duplicateGroup?: number;
  /** The row's group has conflicting labels. */
  conflict?: boolean;
  /** Flagged as an outlier by the analysis. */
  outlier?: boolean;
  /** Marked to be left out of later analyses and retrains. */
  excluded?: boolean;
  /** The reviewer's note (plain text; shortened in table rows, whole in a row's detail). */
  note?: string;
}

/** A member of a duplicate group, as the detail pane and the Duplicates view list it. */
export interface GroupMember {
  row: number;
  id: string;
  /** Current label including unsaved edits. */
  label: string;
  text: string;
}

/** One duplicate group for the Duplicates view: conflicts first. */
export interface GroupView {
  /** 1-based, as in rows.csv. */
  group: number;
  /** e.g. "3 identical texts: business ×1, sports ×2" (current labels). */
  reason: string;
  conflict: boolean;
  /** The analysis's suggested label for the group (model-weighted vote); absent on a tie. */
  suggested?: string;
  size: number;
  /** Members (at most 50). */
  members: GroupMember[];
}

export interface GroupsResult {
  total: number;
  offset: number;
  groups: GroupView[];
}

export interface RowDetail extends RowView {
  /** Full text (capped), or undefined for image/tabular rows. */
  fullText?: string;
  /** Grey levels 0..255 row-major, for pixel rows. */
  pixels?: { width: number; height: number; values: number[] };
  features?: { name: string; value: string }[];
  /** Soft label (ensemble consensus), one per class; undefined before an analysis. */
  soft?: number[];
  /** The smoothing target of the row, if any. */
  target?: number[];
  /** KL(one-hot given ‖ soft) = −log p(given), and the entropy of the soft label, in nats. */
  kl?: number;
  entropy?: number;
  reason?: string;
  /** p(given) after each epoch (temporal ensemble history). */
  history?: number[];
  /** The classes keys 1–9 relabel to, most likely first (names). */
  topClasses: string[];
  /** Place among the flagged rows by suspicion: #position of count. */
  rank?: { position: number; of: number };
  /** The other members of the row's duplicate group (at most 50). */
  duplicates?: GroupMember[];
  /** Why the group is a conflict, e.g. "2 identical texts: ham ×1, spam ×1". */
  conflictReason?: string;
  outlierScore?: number;
}

export interface ClassesView {
  classes: string[];
  given: number[];
  predicted: number[];
  corrected: number[];
  precision: number[];
  recall: number[];
  /** given × predicted counts, K×K row-major. */
  matrix: number[];
  imbalanceRatio: number;
}

export interface RunView {
  kind: 'analysis' | 'retrain';
  createdAt: string;
  options: Record<string, unknown>;
  oofAccuracy: number;
  flagged: number;
  backend: string;
  model?: string;
  seconds: number;
  /** Held-out accuracy of each fold model, [repeat][fold] (the spread behind oofAccuracy). */
  folds?: number[][];
  before?: { oofAccuracy: number; flagged: number; recall: number[]; folds?: number[][] };
  recall: number[];
  /** Flagged rows of the previous analysis that were fixed (relabeled) before this retrain. */
  fixed?: number;
  /**
   * The rows the user reviewed (relabeled or accepted: the trusted set): how often the out-of-fold
   * prediction agrees with their reviewed label, before (the analysis) and after (this retrain),
   * with the binomial standard error of each.
   */
  trusted?: { rows: number; before: number; after: number; seBefore: number; seAfter: number };
}

export interface InitData {
  fileName: string;
  classes: string[];
  rowCount: number;
  kind: string;
  hasResults: boolean;
  strings: Record<string, string>;
  smoothingEpsilon: number;
  applyThreshold: number;
  /** The file's own names for the id, text and label columns (headers). */
  columns: { id?: string; text?: string; label?: string };
  /** The file's other columns, which can be shown and filtered; `values` when a column has few distinct values. */
  extraColumns?: ExtraColumn[];
  /** Column widths in px the user set for this file. */
  widths?: Record<string, number>;
  /** Rows are images (pixel columns or image files): thumbnails in rows and the grid. */
  images?: boolean;
}

export interface ExtraColumn {
  index: number;
  name: string;
  values?: string[];
}

export const COLUMN_KEYS = ['id', 'text', 'extra', 'label', 'sugg', 'score'] as const;

export interface PageResult {
  total: number;
  offset: number;
  rows: RowView[];
  /** Rows were edited since this order was computed: a refresh would rank and filter them again. */
  stale: boolean;
  /** Flagged rows reviewed (relabeled since the analysis, or accepted) of all flagged. */
  progress?: { reviewed: number; flagged: number };
}

/** What "apply suggestions ≥ threshold" would do, before it does it. */
export interface ApplyPreview {
  threshold: number;
  rows: number;
  /** from → to label counts, largest first. */
  pairs: { from: string; to: string; count: number }[];
}

/** Map coordinates are whole numbers 0..MAP_UNITS (the run's map scaled to fit, then rounded). */
export const MAP_UNITS = 65535;
/** Most vertices of a lasso (a box is 4). */
export const MAX_POLYGON = 256;

/**
 * The embedding map as the webview draws it: one point per row, packed little-endian in base64
 * (images of the arrays, never HTML): `xy` Uint16 pairs (MAP_UNITS), `label` Uint16 class index of
 * the row's current label (0xffff = none), `flags` Uint8 (MAP_FLAGGED | MAP_OUTLIER | MAP_EDITED).
 */
export interface MapData {
  count: number;
  classes: string[];
  xy: string;
  label: string;
  flags: string;
  /** How it was made, for people: "UMAP of 2,000 rows (others placed) · fastText embedding bag + logits…". */
  method: string;
}
export const MAP_FLAGGED = 1;
export const MAP_OUTLIER = 2;
export const MAP_EDITED = 4;
export const MAP_NO_LABEL = 0xffff;

/**
 * Where the analysis's map is (host → webview, MapStatus): being computed after the results (with
 * the map phase's progress), ready (ask for it again), or failed/cancelled (why).
 */
export type MapStatusData = { state: 'computing'; fraction: number; message: string } | { state: 'ready' } | { state: 'failed'; message: string };

/** Checks a MapStatus from the host; the status or what is wrong. */
export function checkMapStatus(r: unknown): MapStatusData | string {
  if (r === null || typeof r !== 'object') return 'map status is not an object';
  const m = r as Record<string, unknown>;
  if (m.state === 'ready') return { state: 'ready' };
  if (m.state === 'computing') return isNum(m.fraction, 0, 1) && typeof m.message === 'string' ? { state: 'computing', fraction: m.fraction as number, message: m.message } : 'map status: computing needs a fraction 0..1 and a message';
  if (m.state === 'failed') return typeof m.message === 'string' ? { state: 'failed', message: m.message } : 'map status: failed needs a message';
  return `map status: unknown state ${JSON.stringify(m.state)}`;
}

/** The reply to RequestMap: the map, or why there is none (a string key: noAnalysis, noMap, mapComputing, mapMissing; with mapMissing, `problem`: why the map file could not be read, when it was there but damaged). */
export type MapResult = { map: MapData } | { map: undefined; reason: string; problem?: string };

/** Base64 length of `bytes` bytes. */
const base64Length = (bytes: number) => 4 * Math.ceil(bytes / 3);

/** Checks a map reply from the host (the webview trusts nothing that crosses the boundary); the reply or what is wrong. */
export function checkMapResult(r: unknown): MapResult | string {
  if (r === null || typeof r !== 'object') return 'map reply is not an object';
  const m = (r as { map?: unknown; reason?: unknown; problem?: unknown });
  if (m.map === undefined) {
    if (typeof m.reason !== 'string') return 'map reply has neither a map nor a reason';
    if (m.problem !== undefined && (typeof m.problem !== 'string' || m.problem.length > 4000)) return 'map reply: problem must be text of at most 4,000 characters';
    return { map: undefined, reason: m.reason, ...(m.problem !== undefined ? { problem: m.problem } : {}) };
  }
  const d = m.map as Record<string, unknown>;
  if (d === null || typeof d !== 'object' || !isInt(d.count, 0, 50_000_000)) return 'map.count must be a whole number';
  if (!Array.isArray(d.classes) || d.classes.some((c) => typeof c !== 'string') || d.classes.length >= MAP_NO_LABEL) return 'map.classes must be class names';
  const b64 = (v: unknown, bytes: number) => typeof v === 'string' && v.length === base64Length(bytes) && /^[A-Za-z0-9+/]*={0,2}$/.test(v);
  const n = d.count as number;
  if (!b64(d.xy, 4 * n)) return `map.xy must hold ${n} points`;
  if (!b64(d.label, 2 * n)) return `map.label must hold ${n} labels`;
  if (!b64(d.flags, n)) return `map.flags must hold ${n} flags`;
  if (typeof d.method !== 'string') return 'map.method must be text';
  return { map: d as unknown as MapData };
}

// ---- declarations ----

/** What the host knows to validate against. */
export interface ValidationContext {
  rowCount: number;
  classes: readonly string[];
  /** Indexes of the columns that may be shown and filtered. */
  extraColumns?: readonly number[];
}

/** Returns the typed params, or a description of what is wrong. */
export type Guard<P> = (m: Record<string, unknown>, ctx: ValidationContext) => P | string;

export interface IpcCommand<P> { readonly kind: 'command'; readonly method: string; readonly guard: Guard<P> }
export interface IpcRequest<P, R> { readonly kind: 'request'; readonly method: string; readonly reply: string; readonly guard: Guard<P>; readonly _result?: R }
export interface IpcNotification<P> { readonly kind: 'notification'; readonly method: string; readonly _params?: P }

const command = <P>(method: string, guard: Guard<P>): IpcCommand<P> => ({ kind: 'command', method, guard });
const request = <P, R>(method: string, reply: string, guard: Guard<P>): IpcRequest<P, R> => ({ kind: 'request', method, reply, guard });
const notification = <P>(method: string): IpcNotification<P> => ({ kind: 'notification', method });

export const MAX_PAGE = 500;
export const MAX_SEARCH = 200;
export const MAX_BULK_ROWS = 1_000_000;
/** Longest note on a row (characters); the sidecar's limit. */
export const MAX_NOTE = 2000;

const isInt = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const isNum = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isClass = (v: unknown, ctx: ValidationContext): v is string => typeof v === 'string' && ctx.classes.includes(v);
const params = (m: Record<string, unknown>): Record<string, unknown> =>
  m.params !== null && typeof m.params === 'object' && !Array.isArray(m.params) ? m.params as Record<string, unknown> : {};

function rowsOf(v: unknown, ctx: ValidationContext): number[] | string {
  if (!Array.isArray(v) || v.length === 0 || v.length > Math.min(MAX_BULK_ROWS, ctx.rowCount)) return 'rows must be a non-empty array of row numbers';
  for (const r of v) if (!isInt(r, 0, ctx.rowCount - 1)) return `row ${JSON.stringify(r)} is out of range 0..${ctx.rowCount - 1}`;
  if (new Set(v).size !== v.length) return 'rows must not repeat';
  return v as number[];
}

function filterOf(f: unknown, ctx: ValidationContext): RowFilter | string {
  if (f === null || typeof f !== 'object' || Array.isArray(f)) return 'filter must be an object';
  const out: RowFilter = {};
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined) continue;
    if (k === 'given' || k === 'suggested') {
      if (!isClass(v, ctx)) return `filter.${k} must be a class name`;
      out[k] = v;
    } else if (k === 'flagged' || k === 'edited' || k === 'accepted') {
      if (!isBool(v)) return `filter.${k} must be true or false`;
      out[k] = v;
    } else if (k === 'issue') {
      if (!ISSUE_KINDS.includes(v as IssueKind)) return `filter.issue must be one of ${ISSUE_KINDS.join(', ')}`;
      out.issue = v as IssueKind;
    } else if (k === 'search') {
      if (typeof v !== 'string' || v.length > MAX_SEARCH) return `filter.search must be text of at most ${MAX_SEARCH} characters`;
      out.search = v;
    } else if (k === 'column') {
      const c = v as Record<string, unknown>;
      if (c === null || typeof c !== 'object' || !isInt(c.index, 0, 1_000_000) || !(ctx.extraColumns ?? []).includes(c.index)) return 'filter.column.index must be one of the other columns';
      const text = (x: unknown) => x === undefined || (typeof x === 'string' && x.length <= MAX_SEARCH);
      if (!text(c.equals) || !text(c.contains)) return `filter.column values must be text of at most ${MAX_SEARCH} characters`;
      out.column = { index: c.index, equals: c.equals as string | undefined, contains: c.contains as string | undefined };
    } else if (k === 'map') {
      const p = (v as Record<string, unknown>)?.polygon;
      if (!Array.isArray(p) || p.length < 6 || p.length > 2 * MAX_POLYGON || p.length % 2 !== 0 || !p.every((x) => isNum(x, -MAP_UNITS, 2 * MAP_UNITS))) return `filter.map.polygon must be 3 to ${MAX_POLYGON} points (x, y pairs in map units, −${MAP_UNITS}..${2 * MAP_UNITS})`;
      out.map = { polygon: p as number[] };
    } else return `unknown filter "${k}"`;
  }
  return out;
}

const rowsCommand = (method: string) => command<{ rows: number[] }>(method, (m, ctx) => {
  const rows = rowsOf(params(m).rows, ctx);
  return typeof rows === 'string' ? rows : { rows };
});

/** webview → host: commands. */
export const Ready = command<Record<string, never>>('ready', () => ({}));
export const Relabel = command<{ rows: number[]; to: string }>('relabel', (m, ctx) => {
  const p = params(m);
  const rows = rowsOf(p.rows, ctx);
  if (typeof rows === 'string') return rows;
  return isClass(p.to, ctx) ? { rows, to: p.to } : `to must be one of the ${ctx.classes.length} class names`;
});
export const ApplySuggestion = rowsCommand('applySuggestion');
export const Accept = rowsCommand('accept');
export const Smooth = command<{ rows: number[]; epsilon: number; mix: boolean }>('smooth', (m, ctx) => {
  const p = params(m);
  const rows = rowsOf(p.rows, ctx);
  if (typeof rows === 'string') return rows;
  if (!isNum(p.epsilon, 0, 1)) return 'epsilon must be in [0, 1]';
  if (!isBool(p.mix)) return 'mix must be true or false';
  return { rows, epsilon: p.epsilon, mix: p.mix };
});
/** Sets every member of a duplicate group (1-based) to one label: one undo step. */
export const RelabelGroup = command<{ group: number; to: string }>('relabelGroup', (m, ctx) => {
  const p = params(m);
  if (!isInt(p.group, 1, ctx.rowCount)) return 'group must be a group number';
  return isClass(p.to, ctx) ? { group: p.group, to: p.to } : `to must be one of the ${ctx.classes.length} class names`;
});
/** Marks rows to be left out of later analyses and retrains (or clears the mark): one undo step. */
export const Exclude = command<{ rows: number[]; exclude: boolean }>('exclude', (m, ctx) => {
  const p = params(m);
  const rows = rowsOf(p.rows, ctx);
  if (typeof rows === 'string') return rows;
  return isBool(p.exclude) ? { rows, exclude: p.exclude } : 'exclude must be true or false';
});
/** The reviewer's note on one row ('' removes it): one undo step, kept in the sidecar. */
export const SetNote = command<{ row: number; note: string }>('setNote', (m, ctx) => {
  const p = params(m);
  if (!isInt(p.row, 0, ctx.rowCount - 1)) return `row ${JSON.stringify(p.row)} is out of range`;
  return typeof p.note === 'string' && p.note.length <= MAX_NOTE ? { row: p.row, note: p.note } : `note must be text of at most ${MAX_NOTE} characters`;
});
export const Undo = command<Record<string, never>>('undo', () => ({}));
export const Redo = command<Record<string, never>>('redo', () => ({}));
const thresholdOf = (m: Record<string, unknown>): { threshold: number } | string => {
  const t = params(m).threshold;
  return isNum(t, 0, 1) ? { threshold: t } : 'threshold must be in [0, 1]';
};
/** Relabel every flagged row whose suggested class has probability ≥ threshold to it (one undo step). */
export const ApplyAbove = command<{ threshold: number }>('applyAbove', thresholdOf);
export const Run = command<{ job: 'analyze' | 'retrain' | 'cancel' }>('run', (m) => {
  const j = params(m).job;
  return j === 'analyze' || j === 'retrain' || j === 'cancel' ? { job: j } : 'unknown job';
});

/** The column widths the user set, remembered for the file. */
export const SaveLayout = command<{ widths: Record<string, number> }>('saveLayout', (m) => {
  const w = params(m).widths;
  if (w === null || typeof w !== 'object' || Array.isArray(w)) return 'widths must be an object';
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(w)) {
    if (!(COLUMN_KEYS as readonly string[]).includes(k)) return `unknown column "${k}"`;
    if (!isInt(v, 24, 4000)) return `width of ${k} must be 24..4000 px`;
    out[k] = v;
  }
  return { widths: out };
});

/** webview → host: requests, each with its reply. */
export const RequestPage = request<PageQuery, PageResult>('requestPage', 'page', (m, ctx) => {
  const q = params(m);
  if (!isInt(q.offset, 0, Math.max(0, ctx.rowCount))) return 'offset out of range';
  if (!isInt(q.limit, 1, MAX_PAGE)) return `limit must be 1..${MAX_PAGE}`;
  if (!SORT_KEYS.includes(q.sort as SortKey)) return `sort must be one of ${SORT_KEYS.join(', ')}`;
  if (!isBool(q.descending)) return 'descending must be true or false';
  if (!isInt(q.snapshot, 0, Number.MAX_SAFE_INTEGER)) return 'snapshot must be a whole number';
  const filter = filterOf(q.filter, ctx);
  if (typeof filter === 'string') return filter;
  if (q.show !== undefined && !(isInt(q.show, 0, 1_000_000) && (ctx.extraColumns ?? []).includes(q.show))) return 'show must be one of the other columns';
  return { offset: q.offset, limit: q.limit, sort: q.sort as SortKey, descending: q.descending, filter, snapshot: q.snapshot, show: q.show as number | undefined };
});
export const RequestDetail = request<{ row: number }, RowDetail>('requestDetail', 'detail', (m, ctx) => {
  const row = params(m).row;
  return isInt(row, 0, ctx.rowCount - 1) ? { row } : `row ${JSON.stringify(row)} is out of range`;
});
/** Duplicate groups of the analysis, conflicts first (largest first), a page at a time. */
export const RequestGroups = request<{ offset: number; limit: number }, GroupsResult>('requestGroups', 'groups', (m) => {
  const p = params(m);
  if (!isInt(p.offset, 0, Number.MAX_SAFE_INTEGER)) return 'offset must be a whole number';
  if (!isInt(p.limit, 1, MAX_PAGE)) return `limit must be 1..${MAX_PAGE}`;
  return { offset: p.offset, limit: p.limit };
});
export const RequestApplyPreview = request<{ threshold: number }, ApplyPreview>('requestApplyPreview', 'applyPreview', thresholdOf);
/** The embedding map of the analysis, with the rows' current labels. */
export const RequestMap = request<Record<string, never>, MapResult>('requestMap', 'map', () => ({}));

/** host → webview: notifications. */
export const Init = notification<InitData>('init');
export const Classes = notification<{ view: ClassesView | undefined }>('classes');
export const Runs = notification<{ runs: RunView[] }>('runs');
export const Progress = notification<{ phase?: string; fraction?: number; message?: string; busy: boolean }>('progress');
/** The document's rows changed (edit, undo, save): redraw what is shown; the order is kept. */
export const Changed = notification<{ dirty: boolean }>('changed');
export const Notice = notification<{ level: 'info' | 'error'; message: string }>('notice');
/** The map is made after the results: its progress, then ready (checked by checkMapStatus). */
export const MapStatus = notification<MapStatusData>('mapStatus');

export const COMMANDS = [Ready, Relabel, ApplySuggestion, Accept, Smooth, Exclude, RelabelGroup, SetNote, Undo, Redo, ApplyAbove, Run, SaveLayout] as const;
export const REQUESTS = [RequestPage, RequestDetail, RequestApplyPreview, RequestGroups, RequestMap] as const;

/** Wire shapes. */
export interface WireCommand { method: string; params: unknown }
export interface WireRequest { method: string; id: number; params: unknown }
export interface WireReply { method: string; replyTo: number; params: unknown }
export interface WireNotification { method: string; params: unknown }
export type WebviewWire = WireCommand | WireRequest;
export type HostWire = WireReply | WireNotification;

export type ParsedMessage =
  | { kind: 'command'; def: IpcCommand<unknown>; params: unknown }
  | { kind: 'request'; def: IpcRequest<unknown, unknown>; id: number; params: unknown };

const BY_METHOD = new Map<string, IpcCommand<unknown> | IpcRequest<unknown, unknown>>(
  [...COMMANDS, ...REQUESTS].map((d) => [d.method, d as IpcCommand<unknown> | IpcRequest<unknown, unknown>]));

/** Validates a message from the webview: its declaration and checked params, or what is wrong. */
export function parseWebviewMessage(msg: unknown, ctx: ValidationContext): ParsedMessage | string {
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return 'message is not an object';
  const m = msg as Record<string, unknown>;
  const def = typeof m.method === 'string' ? BY_METHOD.get(m.method) : undefined;
  if (!def) return `unknown message ${JSON.stringify(m.method)}`;
  if (m.params !== undefined && (m.params === null || typeof m.params !== 'object' || Array.isArray(m.params))) return 'params must be an object';
  const p = def.guard(m, ctx);
  if (typeof p === 'string') return `${def.method}: ${p}`;
  if (def.kind === 'request') {
    if (!isInt(m.id, 0, Number.MAX_SAFE_INTEGER)) return `${def.method}: id must be a whole number`;
    return { kind: 'request', def, id: m.id, params: p };
  }
  return { kind: 'command', def, params: p };
}

/**
 * The host's dispatch table: one handler per declared command and request, typed by its
 * declaration. Unknown or invalid messages never reach a handler.
 */
export class IpcHandlers {
  private readonly commands = new Map<string, (p: unknown) => unknown>();
  private readonly requests = new Map<string, (p: unknown) => unknown>();

  onCommand<P>(def: IpcCommand<P>, fn: (p: P) => unknown): this {
    this.commands.set(def.method, fn as (p: unknown) => unknown);
    return this;
  }

  onRequest<P, R>(def: IpcRequest<P, R>, fn: (p: P) => R | Promise<R>): this {
    this.requests.set(def.method, fn as (p: unknown) => unknown);
    return this;
  }

  /** Runs the handler of a validated message; a request's result is passed to `reply` as its reply. */
  async dispatch(m: ParsedMessage, reply: (r: WireReply) => void): Promise<void> {
    if (m.kind === 'command') {
      const fn = this.commands.get(m.def.method);
      if (!fn) throw new Error(`no handler for ${m.def.method}`);
      await fn(m.params);
      return;
    }
    const fn = this.requests.get(m.def.method);
    if (!fn) throw new Error(`no handler for ${m.def.method}`);
    reply({ method: m.def.reply, replyTo: m.id, params: await fn(m.params) });
  }
}

/** A host → webview notification on the wire. */
export function notify<P>(def: IpcNotification<P>, params: P): WireNotification {
  return { method: def.method, params };
}
