/**
 * A table read as a labelled dataset: roles, classes, each row's label as a class index, ids.
 * Empty labels mean "unlabeled": kept, counted and shown, never trained on.
 */
import type { EncodingName } from './encoding';
import type { Problem } from './problems';
import { dataKind, inferRoles, type RoleOverrides, type Roles } from './roles';
import { openTable, Table, type Format } from './table';
import { formatRoles, openFormatTable } from '../formats/open';
import { withPathColumnImages } from '../formats/images';
import type { FormatTable } from '../formats/formatTable';
import { SKIPPED, UNLABELED } from '../labelCodes';

/** A table of any format: delimited text and JSON Lines (Table) or a format adapter (Parquet, images). */
export type AnyTable = Table | FormatTable;

export { SKIPPED, UNLABELED } from '../labelCodes';

export interface DatasetOptions extends RoleOverrides {
  encoding?: EncodingName;
  format?: Format;
}

/** Rows sampled for role inference. */
const ROLE_SAMPLE = 2000;

/** Class order: numerically when every class is a number, else by code point (locale-independent, stable). */
export function sortClasses(names: Iterable<string>): string[] {
  const list = [...names];
  const numeric = list.every((c) => /^[+-]?\d+(\.\d+)?$/.test(c));
  return numeric ? list.sort((a, b) => Number(a) - Number(b)) : list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The id of a row known only by its position: "row N", 1-based. */
function positionId(i: number): string {
  return `row ${i + 1}`;
}

/**
 * What the passes over every row find: each row's label as a class index, the classes and their
 * counts, the ids and their index. The one expensive part of opening a large file (a million rows:
 * about 2 s), so it runs either at once (`new Dataset`) or a chunk at a time (`loadDataset`).
 */
interface RowScan {
  classes: string[];
  labels: Int32Array;
  counts: number[];
  unlabeled: number;
  skipped: number;
  ids: string[] | undefined;
  /** First row of each id; ids on several rows also have every row in `shared`. */
  idRow: Map<string, number> | undefined;
  shared: Map<string, number[]>;
}

/** Rows per step of the scan: one step takes tens of milliseconds. */
const SCAN_CHUNK = 50_000;

/**
 * The scan, as steps: after each chunk it yields how far it is (rows read, then rows indexed by id:
 * up to 2 × rows when there is an id column, see `scanSteps`), and it returns the result.
 * Problems it finds (no label column, blank and duplicated ids) are reported on the table, in the
 * order an at-once open reports them.
 */
function* scanRows(table: AnyTable, roles: Roles): Generator<number, RowScan> {
  const n = table.rowCount;
  const labelCol = roles.label;
  const damaged = table.index.damaged;
  if (labelCol === undefined) {
    table.report({ severity: 'error', code: 'no-label-column', file: table.name, line: table.headerLine || 1, column: 1, message: `no plausible label column among ${table.header.map((h) => JSON.stringify(h)).join(', ')}: expected a column of class names; name it with --label${'encodingDoubt' in table && table.encodingDoubt ? ` (but first: ${table.encodingDoubt})` : ''}` });
  }
  const raw: string[] = new Array(n);
  const seen = new Set<string>();
  const ids: string[] | undefined = roles.id !== undefined ? new Array(n) : undefined;
  let unlabeled = 0;
  let skipped = 0;
  for (let i = 0; i < n; i++) {
    // Only the id and label cells are decoded here: opening never decodes the text of every row.
    // A damaged row's id is read as well as it can be, so an edit by that id is told the row is
    // damaged rather than that no such id exists.
    if (ids) ids[i] = table.cell(i, roles.id!).trim();
    if (damaged[i]) {
      raw[i] = '';
      skipped++;
    } else {
      const v = labelCol === undefined ? '' : table.cell(i, labelCol).trim();
      raw[i] = v;
      if (v === '') unlabeled++; else seen.add(v);
    }
    if ((i + 1) % SCAN_CHUNK === 0) yield i + 1;
  }
  const classes = sortClasses(seen);
  const code = new Map(classes.map((c, k) => [c, k]));
  const labels = new Int32Array(n);
  const counts = new Array<number>(classes.length).fill(0);
  for (let i = 0; i < n; i++) {
    if (damaged[i]) { labels[i] = SKIPPED; continue; }
    const k = raw[i] === '' ? UNLABELED : code.get(raw[i])!;
    labels[i] = k;
    if (k >= 0) counts[k]++;
  }
  let idRow: Map<string, number> | undefined;
  const shared = new Map<string, number[]>();
  if (ids) {
    // Most ids are unique: one map entry per id, a list only for the few that repeat.
    idRow = new Map();
    for (let i = 0; i < n; i++) {
      const first = idRow.get(ids[i]);
      if (first === undefined) idRow.set(ids[i], i);
      else {
        const list = shared.get(ids[i]);
        if (list) list.push(i); else shared.set(ids[i], [first, i]);
      }
      if ((i + 1) % SCAN_CHUNK === 0) yield n + i + 1;
    }
    reportIds(table, roles, idRow, shared);
  }
  return { classes, labels, counts, unlabeled, skipped, ids, idRow, shared };
}

/** Duplicated and blank ids are reported with their lines: an edit by such an id is refused. */
function reportIds(t: AnyTable, roles: Roles, idRow: Map<string, number>, shared: Map<string, number[]>): void {
  const line = t.index.line;
  const idCol = t.header[roles.id!];
  const blank = idRow.has('') ? shared.get('') ?? [idRow.get('')!] : [];
  // In the order of first appearance, as the ids come in the file.
  const repeated = [...shared].filter(([id]) => id !== '').sort((a, b) => a[1][0] - b[1][0]);
  const blankFirst = blank.length ? blank[0] : Infinity;
  const report = (id: string, rows: number[]) => {
    if (id === '') {
      for (const i of rows) {
        if (t.index.damaged[i]) continue;
        t.report({ severity: 'warning', code: 'blank-id', file: t.name, line: line[i], column: 1, row: i, message: `the id ("${idCol}") is blank: this row can be edited only by its line (--line ${line[i]})` });
      }
      return;
    }
    const lines = rows.map((i) => line[i]);
    const shown = lines.length > 10 ? `${lines.slice(0, 10).join(', ')}, … (${lines.length} rows)` : lines.join(', ');
    for (const i of rows.slice(1)) {
      t.report({ severity: 'warning', code: 'duplicate-id', file: t.name, line: line[i], column: 1, row: i, message: `id "${id}" is used on lines ${shown}: expected unique ids; an edit by this id is refused (address a row with --line N)` });
    }
  };
  let blankDone = blank.length === 0;
  for (const [id, rows] of repeated) {
    if (!blankDone && blankFirst < rows[0]) { report('', blank); blankDone = true; }
    report(id, rows);
  }
  if (!blankDone) report('', blank);
}

/** What the scan of a table counts up to. */
function scanSteps(table: AnyTable, roles: Roles): number {
  return table.rowCount * (roles.id !== undefined ? 2 : 1);
}

function runToEnd<R>(steps: Generator<number, R>): R {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export class Dataset {
  readonly classes: string[];
  /** Class index of each row, UNLABELED or SKIPPED. */
  readonly labels: Int32Array;
  readonly counts: number[];
  readonly unlabeled: number;
  readonly skipped: number;
  private readonly ids: string[] | undefined;
  private readonly idRow: Map<string, number> | undefined;
  private readonly shared: Map<string, number[]>;

  /** Reads every row's label and id now; `loadDataset` does the same a chunk at a time. */
  constructor(readonly table: AnyTable, readonly roles: Roles, scan?: RowScan) {
    const s = scan ?? runToEnd(scanRows(table, roles));
    this.classes = s.classes;
    this.labels = s.labels;
    this.counts = s.counts;
    this.unlabeled = s.unlabeled;
    this.skipped = s.skipped;
    this.ids = s.ids;
    this.idRow = s.idRow;
    this.shared = s.shared;
  }

  get rowCount(): number { return this.table.rowCount; }

  /**
   * This dataset after a label write the format verified row by row, every other column byte for
   * byte (a Parquet save): the same rows and ids, each row's label with `changes` applied, over
   * `table` (the file as written, opened again: footer only), without reading every row again.
   * The problems found by the scan (ids) stay as they were, since the ids did not change.
   */
  relabeled(table: AnyTable, changes: ReadonlyMap<number, string>): Dataset {
    const n = this.rowCount;
    if (table.rowCount !== n) throw new Error(`${table.name}: ${table.rowCount} rows after the write, ${n} before`);
    const count = new Map<string, number>(this.classes.map((c, k) => [c, this.counts[k]]));
    let unlabeled = this.unlabeled;
    for (const [row, to] of changes) {
      if (this.labels[row] === SKIPPED) continue;
      const from = this.labelName(row);
      if (from === '') unlabeled--; else count.set(from, count.get(from)! - 1);
      const name = to.trim();
      if (name === '') unlabeled++; else count.set(name, (count.get(name) ?? 0) + 1);
    }
    const classes = sortClasses([...count].filter(([, k]) => k > 0).map(([c]) => c));
    const code = new Map(classes.map((c, k) => [c, k]));
    const remap = Int32Array.from(this.classes, (c) => code.get(c) ?? UNLABELED);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) { const k = this.labels[i]; labels[i] = k >= 0 ? remap[k] : k; }
    for (const [row, to] of changes) if (labels[row] !== SKIPPED) labels[row] = to.trim() === '' ? UNLABELED : code.get(to.trim())!;
    for (const p of this.table.problems) table.problems.push(p);
    for (const [c, k] of this.table.problemCounts) table.problemCounts.set(c, k);
    for (let i = 0; i < n; i++) if (this.table.index.damaged[i]) table.index.damaged[i] = 1;
    return new Dataset(table, this.roles, {
      classes, labels, counts: classes.map((c) => count.get(c)!), unlabeled, skipped: this.skipped,
      ids: this.ids, idRow: this.idRow, shared: this.shared,
    });
  }

  /** The table of a delimited-text or JSON Lines dataset (what byte patches work on); throws for other formats. */
  get textTable(): Table {
    if (!(this.table instanceof Table)) throw new Error(`${this.table.name}: a ${this.table.format} dataset has no text table`);
    return this.table;
  }
  get problems(): readonly Problem[] { return this.table.problems; }
  get kind(): ReturnType<typeof dataKind> { return dataKind(this.roles); }

  /** Whether rows have ids of their own (an id column), rather than names by position. */
  get hasIds(): boolean { return this.ids !== undefined; }

  /** The row's id: the id column's value as in the file (maybe '' or shared), or "row N" (1-based data row) when there is none. */
  rowId(i: number): string {
    return this.ids ? this.ids[i] : positionId(i);
  }

  /**
   * A key naming the row in the sidecar and backups: its id when that is unique and not blank,
   * else "line N" (a duplicated or blank id cannot name one row).
   */
  rowKey(i: number): string {
    if (!this.ids) return positionId(i);
    const id = this.ids[i];
    return id !== '' && !this.shared.has(id) ? id : `line ${this.table.index.line[i]}`;
  }

  /** Every row with this id (damaged rows included; several when the id is duplicated). */
  rowsOf(id: string): number[] {
    if (!this.idRow) {
      const i = this.rowOf(id);
      return i === undefined ? [] : [i];
    }
    const first = this.idRow.get(id);
    return first === undefined ? [] : this.shared.get(id) ?? [first];
  }

  /**
   * The one row of a key as rowKey makes it: a unique id, "line N", or "row N" when the file has no
   * id column. Undefined when no row, or several, have it.
   */
  rowOf(key: string): number | undefined {
    const line = /^line (\d+)$/.exec(key);
    if (line && this.ids) return this.rowAtLine(Number(line[1]));
    if (!this.ids) {
      const m = /^row (\d+)$/.exec(key.trim());
      const i = m ? Number(m[1]) - 1 : -1;
      return i >= 0 && i < this.rowCount ? i : undefined;
    }
    const rows = this.rowsOf(key);
    return rows.length === 1 ? rows[0] : undefined;
  }

  /** The row that starts on this 1-based line of the file. */
  rowAtLine(line: number): number | undefined {
    const lines = this.table.index.line;
    let lo = 0, hi = lines.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (lines[mid] === line) return mid;
      if (lines[mid] < line) lo = mid + 1; else hi = mid - 1;
    }
    return undefined;
  }

  /** The errors that made a row damaged, for messages. */
  damageOf(i: number): string {
    const p = this.table.problems.find((q) => q.row === i && q.severity === 'error');
    return p ? `${p.message.split(';')[0]}${p.column > 0 ? `, column ${p.column}` : ''}` : 'it could not be read as a row';
  }

  labelName(i: number): string {
    const k = this.labels[i];
    return k >= 0 ? this.classes[k] : '';
  }

  /** Largest class over smallest (1 for a single class; Infinity never: classes have ≥ 1 row). */
  imbalanceRatio(): number {
    if (this.counts.length === 0) return 1;
    return Math.max(...this.counts) / Math.min(...this.counts);
  }
}

/** The options that re-open this dataset exactly as it is read now (roles, encoding, format). */
export function optionsOf(ds: Dataset): DatasetOptions {
  const h = ds.table.header;
  const r = ds.roles;
  return {
    id: r.id !== undefined ? h[r.id] : undefined, label: r.label !== undefined ? h[r.label] : undefined, text: r.text !== undefined ? h[r.text] : undefined,
    features: r.features.length && !r.pixels ? r.features.map((c) => h[c]).join(',') : undefined, embedding: r.embedding !== undefined ? h[r.embedding] : 'none', ...(ds.table instanceof Table ? { encoding: ds.table.encoding.name, format: ds.table.format } : {}),
  };
}

/**
 * The first stage of opening a dataset: the table read (row count, header, any row on demand) and
 * its roles inferred from the first rows. No pass over every row yet, so a million-row Parquet file
 * is here in a fraction of a second; `new Dataset(table, roles)` or `loadDataset` does the rest.
 */
export interface OpenedTable {
  table: AnyTable;
  roles: Roles;
}

export function openTableWithRoles(path: string, opts: DatasetOptions = {}): OpenedTable {
  const format = openFormatTable(path);
  if (format) {
    const infer = () => {
      const sample: string[][] = [];
      for (let i = 0; i < format.rowCount && sample.length < ROLE_SAMPLE; i++) if (!format.index.damaged[i]) sample.push(format.row(i));
      return inferRoles(format.header, sample, opts);
    };
    return { table: format, roles: formatRoles(format, infer) };
  }
  const table = openTable(path, { encoding: opts.encoding, format: opts.format });
  const sample: string[][] = [];
  for (let i = 0; i < table.rowCount && sample.length < ROLE_SAMPLE; i++) if (!table.index.damaged[i]) sample.push(table.row(i));
  return { table, roles: withPathColumnImages(table, sample, inferRoles(table.header, sample, opts), opts) };
}

export function openDataset(path: string, opts: DatasetOptions = {}): Dataset {
  const { table, roles } = openTableWithRoles(path, opts);
  return new Dataset(table, roles);
}

/**
 * The second stage as a background task: the same scan as `new Dataset`, a chunk at a time,
 * giving the event loop back between chunks (the editor stays responsive and shows the first rows
 * meanwhile) and saying how far it is (`done` of `total` steps: the rows read, then indexed by id).
 * `signal` stops it between chunks (AbortError).
 */
export async function loadDataset(opened: OpenedTable, opts: { progress?: (done: number, total: number) => void; signal?: AbortSignal } = {}): Promise<Dataset> {
  const steps = scanRows(opened.table, opened.roles);
  const n = scanSteps(opened.table, opened.roles);
  for (;;) {
    opts.signal?.throwIfAborted();
    const r = steps.next();
    if (r.done) return new Dataset(opened.table, opened.roles, r.value);
    opts.progress?.(r.value, n);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
