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

/** A table of any format: delimited text and JSON Lines (Table) or a format adapter (Parquet, images). */
export type AnyTable = Table | FormatTable;

export const UNLABELED = -1;
/** A damaged row: reported, skipped for analysis, untouched in the file. */
export const SKIPPED = -2;

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
  private idToRow: Map<string, number> | undefined;

  constructor(readonly table: AnyTable, readonly roles: Roles) {
    const n = table.rowCount;
    const labelCol = roles.label;
    if (labelCol === undefined) {
      table.report({ severity: 'error', code: 'no-label-column', file: table.name, line: table.headerLine || 1, column: 1, message: `no plausible label column among ${table.header.map((h) => JSON.stringify(h)).join(', ')}: expected a column of class names; name it with --label` });
    }
    const raw: string[] = new Array(n);
    const seen = new Set<string>();
    const ids: string[] | undefined = roles.id !== undefined ? new Array(n) : undefined;
    let unlabeled = 0;
    let skipped = 0;
    for (let i = 0; i < n; i++) {
      // Only the id and label cells are decoded here: opening never decodes the text of every row.
      if (table.index.damaged[i]) {
        // A damaged row's cells cannot be trusted; its position keeps it addressable.
        if (ids) ids[i] = positionId(i);
        raw[i] = '';
        skipped++;
        continue;
      }
      if (ids) ids[i] = table.cell(i, roles.id!).trim();
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
    if (ids) this.checkDuplicateIds(ids);
  }

  get rowCount(): number { return this.table.rowCount; }

  /** The table of a delimited-text or JSON Lines dataset (what byte patches work on); throws for other formats. */
  get textTable(): Table {
    if (!(this.table instanceof Table)) throw new Error(`${this.table.name}: a ${this.table.format} dataset has no text table`);
    return this.table;
  }
  get problems(): readonly Problem[] { return this.table.problems; }
  get kind(): ReturnType<typeof dataKind> { return dataKind(this.roles); }

  /** The row's id: the id column's value, or "row N" (1-based data row) when there is none. */
  rowId(i: number): string {
    return this.ids ? this.ids[i] : positionId(i);
  }

  /** Row of an id (or of "row N" / a bare 1-based number when the file has no id column). */
  rowOf(id: string): number | undefined {
    if (!this.ids) {
      const m = /^(?:row\s*)?(\d+)$/i.exec(id.trim());
      const i = m ? Number(m[1]) - 1 : -1;
      return i >= 0 && i < this.rowCount ? i : undefined;
    }
    if (!this.idToRow) {
      this.idToRow = new Map();
      for (let i = this.ids.length - 1; i >= 0; i--) this.idToRow.set(this.ids[i], i);
    }
    return this.idToRow.get(id);
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

  private checkDuplicateIds(ids: string[]): void {
    const first = new Map<string, number>();
    const t = this.table;
    for (let i = 0; i < ids.length; i++) {
      if (t.index.damaged[i]) continue;
      const prev = first.get(ids[i]);
      if (prev === undefined) { first.set(ids[i], i); continue; }
      t.report({ severity: 'warning', code: 'duplicate-id', file: t.name, line: t.index.line[i], column: 1, row: i, message: `id "${ids[i]}" already used on line ${t.index.line[prev]}: expected unique ids (edits by this id go to the first row)` });
    }
  }
}

/** The options that re-open this dataset exactly as it is read now (roles, encoding, format). */
export function optionsOf(ds: Dataset): DatasetOptions {
  const h = ds.table.header;
  const r = ds.roles;
  return {
    id: r.id !== undefined ? h[r.id] : undefined, label: r.label !== undefined ? h[r.label] : undefined, text: r.text !== undefined ? h[r.text] : undefined,
    features: r.features.length && !r.pixels ? r.features.map((c) => h[c]).join(',') : undefined, ...(ds.table instanceof Table ? { encoding: ds.table.encoding.name, format: ds.table.format } : {}),
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
