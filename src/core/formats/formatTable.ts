/**
 * A dataset kept in a format other than delimited text or JSON Lines (Parquet, a folder of images),
 * read through the same row/cell interface as `Table`, so Dataset, roles, the engine and the review
 * model need no special cases. A row is addressed by its position; where it sits in the file is the
 * adapter's business (a Parquet row group and offset, an image's relative path).
 * Writing is the adapter's too: it writes label changes its own safe way (a new Parquet file
 * replacing the old one atomically, or image files moved between class folders).
 */
import type { Problem, ProblemCode } from '../table/problems';

export type FormatKind = 'parquet' | 'images';

/** What Dataset and its users read: the read side of `Table`, without byte offsets. */
export interface FormatIndex {
  count: number;
  /** 1-based position of the row in the file ("line" in problems and the journal). */
  line: Uint32Array;
  /** 1 when the row cannot be read (a broken image): reported, skipped, never changed. */
  damaged: Uint8Array;
}

export interface FormatTable {
  readonly format: FormatKind;
  readonly path: string;
  readonly name: string;
  readonly header: string[];
  readonly headerLine: number;
  readonly index: FormatIndex;
  readonly problems: Problem[];
  readonly problemCounts: Map<ProblemCode, number>;
  readonly rowCount: number;
  row(i: number): string[];
  cell(i: number, col: number): string;
  report(p: Problem): void;
  /**
   * Writes the new label of each changed row ('' = unlabeled) safely; throws a UserError (nothing
   * changed) when the dataset changed on disk since it was read or the change cannot be made.
   */
  writeLabels(labelCol: number, changes: ReadonlyMap<number, string>): void;
  /**
   * The file as this table just wrote it (`writeLabels`, verified: same rows in the same order, every
   * other column unchanged), opened again cheaply, so a save need not read every row again.
   * Absent where that cannot be promised (an image folder's moves change which files are damaged).
   */
  reopened?(): FormatTable;
  /** Writes a copy of the dataset with the changes to `target` (Save As); the original stays. */
  writeLabelsTo?(target: string, labelCol: number, changes: ReadonlyMap<number, string>): void;
}

/** Most problems stored per kind; the counts stay exact (as in Table). */
const PROBLEMS_KEPT_PER_CODE = 1000;

export function reportProblem(t: { problems: Problem[]; problemCounts: Map<ProblemCode, number>; index: FormatIndex }, p: Problem): void {
  const n = (t.problemCounts.get(p.code) ?? 0) + 1;
  t.problemCounts.set(p.code, n);
  if (n <= PROBLEMS_KEPT_PER_CODE) t.problems.push(p);
  if (p.severity === 'error' && p.row !== undefined) t.index.damaged[p.row] = 1;
}

export function isFormatTable(t: object): t is FormatTable {
  return 'writeLabels' in t && typeof (t as FormatTable).writeLabels === 'function';
}

/** The text of a decoded value in a cell: as JSON Lines shows it (bigints as numbers, dates as ISO). */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x instanceof Uint8Array ? Buffer.from(x).toString('base64') : x));
}
