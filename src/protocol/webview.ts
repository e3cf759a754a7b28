/**
 * The one typed contract between the review webview and the extension host, imported by both sides.
 * Every message from the webview is validated here before the host uses it (type, ranges, known
 * rows and classes): the webview renders untrusted data, so it is treated as untrusted too.
 */

export type SortKey = 'suspicion' | 'row' | 'selfConfidence' | 'margin' | 'given' | 'suggested';
export const SORT_KEYS: readonly SortKey[] = ['suspicion', 'row', 'selfConfidence', 'margin', 'given', 'suggested'];

export interface RowFilter {
  /** Given label (class index). */
  given?: number;
  /** Suggested label (class index). */
  suggested?: number;
  flagged?: boolean;
  edited?: boolean;
  accepted?: boolean;
  /** Case-insensitive substring of the row's text or id. */
  search?: string;
}

export interface PageQuery {
  offset: number;
  limit: number;
  sort: SortKey;
  descending: boolean;
  filter: RowFilter;
}

/** One row of the review table. Text is plain text, shown with textContent only. */
export interface RowView {
  row: number;
  id: string;
  line: number;
  /** Preview of the text (or a summary of the features). */
  text: string;
  given: string;
  /** Current label including unsaved edits. */
  label: string;
  suggested?: string;
  suspicion?: number;
  flagged: boolean;
  edited: boolean;
  accepted: boolean;
  smoothed: boolean;
  damaged: boolean;
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
  /** Top classes by the soft label, for 1–9. */
  topClasses: number[];
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
  before?: { oofAccuracy: number; flagged: number; recall: number[] };
  recall: number[];
  /** Flagged rows of the previous analysis that were fixed (relabeled) before this retrain. */
  fixed?: number;
}

export interface InitData {
  fileName: string;
  classes: string[];
  rowCount: number;
  kind: string;
  hasResults: boolean;
  strings: Record<string, string>;
  smoothingEpsilon: number;
}

/** host → webview */
export type HostMessage =
  | { type: 'init'; data: InitData }
  | { type: 'page'; requestId: number; total: number; offset: number; rows: RowView[] }
  | { type: 'detail'; detail: RowDetail }
  | { type: 'classes'; view: ClassesView | undefined }
  | { type: 'runs'; runs: RunView[] }
  | { type: 'progress'; phase?: string; fraction?: number; message?: string; busy: boolean }
  | { type: 'changed'; dirty: boolean }
  | { type: 'notice'; level: 'info' | 'error'; message: string };

/** webview → host */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'requestPage'; requestId: number; query: PageQuery }
  | { type: 'requestDetail'; row: number }
  | { type: 'relabel'; rows: number[]; to: number }
  | { type: 'applySuggestion'; rows: number[] }
  | { type: 'smooth'; rows: number[]; epsilon: number; mix: boolean }
  | { type: 'accept'; rows: number[] }
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'applyAbove'; threshold: number }
  | { type: 'run'; command: 'analyze' | 'retrain' | 'cancel' };

/** What the host knows to validate against. */
export interface ValidationContext {
  rowCount: number;
  classCount: number;
}

export const MAX_PAGE = 500;
export const MAX_SEARCH = 200;
export const MAX_BULK_ROWS = 1_000_000;

const isInt = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const isNum = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';

function rowsOk(v: unknown, ctx: ValidationContext): string | undefined {
  if (!Array.isArray(v) || v.length === 0 || v.length > Math.min(MAX_BULK_ROWS, ctx.rowCount)) return 'rows must be a non-empty array of row numbers';
  for (const r of v) if (!isInt(r, 0, ctx.rowCount - 1)) return `row ${JSON.stringify(r)} is out of range 0..${ctx.rowCount - 1}`;
  if (new Set(v).size !== v.length) return 'rows must not repeat';
  return undefined;
}

function filterOk(f: unknown, ctx: ValidationContext): string | undefined {
  if (f === null || typeof f !== 'object' || Array.isArray(f)) return 'filter must be an object';
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined) continue;
    if (k === 'given' || k === 'suggested') { if (!isInt(v, 0, ctx.classCount - 1)) return `filter.${k} must be a class index`; } else if (k === 'flagged' || k === 'edited' || k === 'accepted') {
      if (!isBool(v)) return `filter.${k} must be true or false`;
    } else if (k === 'search') {
      if (typeof v !== 'string' || v.length > MAX_SEARCH) return `filter.search must be text of at most ${MAX_SEARCH} characters`;
    } else return `unknown filter "${k}"`;
  }
  return undefined;
}

/** Validates a message from the webview; returns it typed, or a description of what is wrong. */
export function parseWebviewMessage(msg: unknown, ctx: ValidationContext): WebviewMessage | string {
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return 'message is not an object';
  const m = msg as Record<string, unknown>;
  let bad: string | undefined;
  switch (m.type) {
    case 'ready': case 'undo': case 'redo':
      return { type: m.type };
    case 'requestPage': {
      const q = m.query as Record<string, unknown> | undefined;
      if (!isInt(m.requestId, 0, Number.MAX_SAFE_INTEGER)) return 'requestId must be a whole number';
      if (!q || typeof q !== 'object') return 'query must be an object';
      if (!isInt(q.offset, 0, Math.max(0, ctx.rowCount))) return 'query.offset out of range';
      if (!isInt(q.limit, 1, MAX_PAGE)) return `query.limit must be 1..${MAX_PAGE}`;
      if (!SORT_KEYS.includes(q.sort as SortKey)) return `query.sort must be one of ${SORT_KEYS.join(', ')}`;
      if (!isBool(q.descending)) return 'query.descending must be true or false';
      if ((bad = filterOk(q.filter, ctx))) return bad;
      return { type: 'requestPage', requestId: m.requestId, query: { offset: q.offset, limit: q.limit, sort: q.sort as SortKey, descending: q.descending, filter: q.filter as RowFilter } };
    }
    case 'requestDetail':
      return isInt(m.row, 0, ctx.rowCount - 1) ? { type: 'requestDetail', row: m.row } : `row ${JSON.stringify(m.row)} is out of range`;
    case 'relabel':
      if ((bad = rowsOk(m.rows, ctx))) return bad;
      if (!isInt(m.to, 0, ctx.classCount - 1)) return 'to must be a class index';
      return { type: 'relabel', rows: m.rows as number[], to: m.to };
    case 'applySuggestion': case 'accept':
      if ((bad = rowsOk(m.rows, ctx))) return bad;
      return { type: m.type, rows: m.rows as number[] };
    case 'smooth':
      if ((bad = rowsOk(m.rows, ctx))) return bad;
      if (!isNum(m.epsilon, 0, 1)) return 'epsilon must be in [0, 1]';
      if (!isBool(m.mix)) return 'mix must be true or false';
      return { type: 'smooth', rows: m.rows as number[], epsilon: m.epsilon, mix: m.mix };
    case 'applyAbove':
      return isNum(m.threshold, 0, 1) ? { type: 'applyAbove', threshold: m.threshold } : 'threshold must be in [0, 1]';
    case 'run':
      return m.command === 'analyze' || m.command === 'retrain' || m.command === 'cancel' ? { type: 'run', command: m.command } : 'unknown command';
    default:
      return `unknown message type ${JSON.stringify(m.type)}`;
  }
}
