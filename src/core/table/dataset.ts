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

export class Dataset {
  readonly classes: string[];
  /** Class index of each row, UNLABELED or SKIPPED. */
  readonly labels: Int32Array;
  readonly counts: number[];
  readonly unlabeled: number;
  readonly skipped: number;
  private readonly ids: string[] | undefined;
  /** Rows of each id (damaged rows included), built on first use. */
  private idRows: Map<string, number[]> | undefined;

  constructor(readonly table: AnyTable, readonly roles: Roles) {
    const n = table.rowCount;
    const labelCol = roles.label;
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
      if (table.index.damaged[i]) {
        raw[i] = '';
        skipped++;
        continue;
      }
      const v = labelCol === undefined ? '' : table.cell(i, labelCol).trim();
      raw[i] = v;
      if (v === '') unlabeled++; else seen.add(v);
    }
    this.ids = ids;
    this.classes = sortClasses(seen);
    const code = new Map(this.classes.map((c, k) => [c, k]));
    this.labels = new Int32Array(n);
    this.counts = new Array(this.classes.length).fill(0);
    for (let i = 0; i < n; i++) {
      if (table.index.damaged[i]) { this.labels[i] = SKIPPED; continue; }
      const k = raw[i] === '' ? UNLABELED : code.get(raw[i])!;
      this.labels[i] = k;
      if (k >= 0) this.counts[k]++;
    }
    this.unlabeled = unlabeled;
    this.skipped = skipped;
    if (ids) this.checkIds();
  }

  get rowCount(): number { return this.table.rowCount; }

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
    return id !== '' && this.rowsOf(id).length === 1 ? id : `line ${this.table.index.line[i]}`;
  }

  /** Every row with this id (damaged rows included; several when the id is duplicated). */
  rowsOf(id: string): number[] {
    if (!this.ids) {
      const i = this.rowOf(id);
      return i === undefined ? [] : [i];
    }
    if (!this.idRows) {
      this.idRows = new Map();
      this.ids.forEach((v, i) => { const list = this.idRows!.get(v); if (list) list.push(i); else this.idRows!.set(v, [i]); });
    }
    return this.idRows.get(id) ?? [];
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

  /** Duplicated and blank ids are reported with their lines: an edit by such an id is refused. */
  private checkIds(): void {
    const t = this.table;
    const line = t.index.line;
    const idCol = t.header[this.roles.id!];
    for (const [id, rows] of [...this.idsWithRows()]) {
      if (id === '') {
        for (const i of rows) {
          if (t.index.damaged[i]) continue;
          t.report({ severity: 'warning', code: 'blank-id', file: t.name, line: line[i], column: 1, row: i, message: `the id ("${idCol}") is blank: this row can be edited only by its line (--line ${line[i]})` });
        }
      } else if (rows.length > 1) {
        const lines = rows.map((i) => line[i]);
        const shown = lines.length > 10 ? `${lines.slice(0, 10).join(', ')}, … (${lines.length} rows)` : lines.join(', ');
        for (const i of rows.slice(1)) {
          t.report({ severity: 'warning', code: 'duplicate-id', file: t.name, line: line[i], column: 1, row: i, message: `id "${id}" is used on lines ${shown}: expected unique ids; an edit by this id is refused (address a row with --line N)` });
        }
      }
    }
  }

  private idsWithRows(): Map<string, number[]> {
    this.rowsOf('');
    return this.idRows!;
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

export function openDataset(path: string, opts: DatasetOptions = {}): Dataset {
  const format = openFormatTable(path);
  if (format) {
    const infer = () => {
      const sample: string[][] = [];
      for (let i = 0; i < format.rowCount && sample.length < ROLE_SAMPLE; i++) if (!format.index.damaged[i]) sample.push(format.row(i));
      return inferRoles(format.header, sample, opts);
    };
    return new Dataset(format, formatRoles(format, infer));
  }
  const table = openTable(path, { encoding: opts.encoding, format: opts.format });
  const sample: string[][] = [];
  for (let i = 0; i < table.rowCount && sample.length < ROLE_SAMPLE; i++) if (!table.index.damaged[i]) sample.push(table.row(i));
  const roles = withPathColumnImages(table, sample, inferRoles(table.header, sample, opts), opts);
  return new Dataset(table, roles);
}
