/**
 * A Parquet file as a table, read with hyparquet (pure JS, no native code, maintained, reads every
 * encoding and — with hyparquet-compressors — every codec pandas and pyarrow write).
 *
 * The whole file is held as bytes (as a CSV is), but rows are decoded a row group at a time, on
 * demand, with a small cache: opening a million-row file decodes the footer, the label and id
 * columns and the first row group, not every text cell. A row is known by its position; its place
 * in the file is (row group, offset in the group).
 *
 * Columns map to cells as JSON Lines values do: strings as they are, numbers as numbers, a struct's
 * fields as columns of their own ("meta.source"), a list of numbers as "[0.1, 0.2, …]" (which role
 * inference takes for an embedding, as in a CSV), other lists and maps as JSON text.
 */
import { basename } from 'node:path';
import { parquetMetadata, parquetSchema, type ColumnChunk, type DecodedArray, type FileMetaData, type SchemaTree } from 'hyparquet';
import { readColumn } from 'hyparquet/src/column.js';
import { assembleNested } from 'hyparquet/src/assemble.js';
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { getTreePath, isListLike, isMapLike } from 'hyparquet/src/schema.js';
import { flatten } from 'hyparquet/src/utils.js';
import { compressors } from 'hyparquet-compressors';
import { UserError } from '../errors';
import type { Problem, ProblemCode } from '../table/problems';
import { reportProblem, valueText, type FormatIndex, type FormatTable } from './formatTable';

/** Codecs hyparquet reads with hyparquet-compressors. */
const READABLE_CODECS = new Set(['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW', 'LZO']);
/** Decoded (row group, top-level column) pairs kept: a few groups of every column. */
const CACHE_ENTRIES = 48;

/** A column as the table shows it: a top-level Parquet column, or one field of a struct. */
interface ViewColumn {
  name: string;
  /** Index of the top-level schema child it comes from. */
  top: number;
  /** Field path inside a struct ([] for the top-level column itself). */
  field: string[];
  /** A list of numbers: shown as "[0.1, 0.2, …]", which role inference takes for an embedding. */
  vector: boolean;
}

export interface RowGroupInfo {
  start: number;
  rows: number;
}

export function isParquetPath(path: string): boolean {
  return /\.parquet$/i.test(path);
}

/** The read side; ParquetTable (parquetTable.ts) adds writing. */
export class ParquetFile implements Omit<FormatTable, 'writeLabels'> {
  readonly format = 'parquet' as const;
  readonly name: string;
  readonly header: string[];
  readonly headerLine = 0;
  readonly index: FormatIndex;
  readonly problems: Problem[] = [];
  readonly problemCounts = new Map<ProblemCode, number>();
  readonly metadata: FileMetaData;
  readonly schema: SchemaTree;
  readonly groups: RowGroupInfo[];
  private readonly columns: ViewColumn[];
  private readonly cache = new Map<string, unknown[]>();
  /** Size and mtime when read: a file changed since is never overwritten. */
  readonly stat: { size: number; mtimeMs: number };

  constructor(readonly path: string, readonly bytes: Uint8Array, opts: { displayName?: string; stat?: { size: number; mtimeMs: number } } = {}) {
    this.name = opts.displayName ?? basename(path);
    this.stat = opts.stat ?? { size: bytes.length, mtimeMs: 0 };
    const where = { file: this.name };
    if (bytes.length < 12 || Buffer.from(bytes.subarray(0, 4)).toString('latin1') !== 'PAR1' || Buffer.from(bytes.subarray(bytes.length - 4)).toString('latin1') !== 'PAR1') {
      throw new UserError('data', `${this.name}: not a Parquet file (expected "PAR1" at its start and end)`, where);
    }
    try {
      this.metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    } catch (err) {
      throw new UserError('data', `${this.name}: the Parquet footer cannot be read (${(err as Error).message}); is the file truncated?`, where);
    }
    this.schema = parquetSchema(this.metadata);
    for (const rg of this.metadata.row_groups) {
      for (const c of rg.columns) {
        if (c.file_path) throw new UserError('data', `${this.name}: column ${c.meta_data?.path_in_schema.join('.')} is stored in another file (${c.file_path}); Label Lens reads single-file Parquet only`, where);
        const codec = c.meta_data?.codec;
        if (!READABLE_CODECS.has(String(codec))) {
          throw new UserError('data', `${this.name}: column ${c.meta_data!.path_in_schema.join('.')} is compressed with ${codec ?? 'an unknown codec'}, which Label Lens cannot read: expected UNCOMPRESSED, SNAPPY, GZIP, ZSTD, BROTLI or LZ4 (rewrite it with e.g. pandas .to_parquet(compression="zstd"))`, where);
        }
      }
    }
    this.columns = this.viewColumns();
    this.header = this.columns.map((c) => c.name);
    let start = 0;
    this.groups = this.metadata.row_groups.map((rg) => { const g = { start, rows: Number(rg.num_rows) }; start += g.rows; return g; });
    const n = Number(this.metadata.num_rows);
    if (n !== start) throw new UserError('data', `${this.name}: the footer says ${n} rows but its row groups hold ${start}`, where);
    if (n === 0) throw new UserError('data', `${this.name}: the file has a schema but no rows: expected at least one row`, where);
    const line = new Uint32Array(n);
    for (let i = 0; i < n; i++) line[i] = i + 1;
    this.index = { count: n, line, damaged: new Uint8Array(n) };
  }

  get rowCount(): number { return this.index.count; }

  /** Row group of row `i` and the row's offset in it. */
  locate(i: number): { group: number; offset: number } {
    let lo = 0, hi = this.groups.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.groups[mid].start <= i) lo = mid; else hi = mid - 1;
    }
    return { group: lo, offset: i - this.groups[lo].start };
  }

  row(i: number): string[] {
    return this.columns.map((_, c) => this.cell(i, c));
  }

  cell(i: number, col: number): string {
    const c = this.columns[col];
    if (!c) return '';
    if (c.vector) {
      const v = this.vector(i, col);
      return v ? `[${Array.from(v).join(', ')}]` : '';
    }
    return valueText(this.value(i, col));
  }

  /** The decoded value of a cell (a string, number, bigint, Date, array or object). */
  value(i: number, col: number): unknown {
    const c = this.columns[col];
    const { group, offset } = this.locate(i);
    let v: unknown = this.decoded(group, c.top)[offset];
    for (const f of c.field) v = v === null || v === undefined ? undefined : (v as Record<string, unknown>)[f];
    return v;
  }

  /** The numbers of a list-of-numbers column in row `i`. */
  vector(i: number, col: number): number[] | undefined {
    const v = this.value(i, col);
    if (!Array.isArray(v) && !ArrayBuffer.isView(v)) return undefined;
    return Array.from(v as ArrayLike<unknown>, (x) => Number(x));
  }

  report(p: Problem): void { reportProblem(this, p); }

  /** Every value of top-level column `top` in row group `group`, assembled (structs as objects, lists as arrays). */
  decoded(group: number, top: number): unknown[] {
    const key = `${group}:${top}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const values = this.decodeColumn(group, top);
    this.cache.set(key, values);
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return values;
  }

  /** The column chunks of top-level column `top` in a row group. */
  chunksOf(group: number, top: number): ColumnChunk[] {
    const name = this.schema.children[top].element.name;
    return this.metadata.row_groups[group].columns.filter((c) => c.meta_data?.path_in_schema[0] === name);
  }

  /** Decodes one column chunk synchronously (the bytes are in memory), as hyparquet's readRowGroup does. */
  private leaf(chunk: ColumnChunk, group: number): DecodedArray {
    const md = chunk.meta_data!;
    const schemaPath = getTreePath(this.schema, md.path_in_schema);
    const start = Number(md.dictionary_page_offset || md.data_page_offset);
    const end = start + Number(md.total_compressed_size);
    if (end > this.bytes.length) throw new UserError('data', `${this.name}: column ${md.path_in_schema.join('.')} of row group ${group + 1} runs past the end of the file (truncated?)`, { file: this.name });
    const reader = { view: new DataView(this.bytes.buffer, this.bytes.byteOffset + start, end - start), offset: 0 };
    const rows = this.groups[group].rows;
    try {
      const { data } = readColumn(reader, { groupStart: this.groups[group].start, selectStart: 0, selectEnd: rows, groupRows: rows }, {
        pathInSchema: md.path_in_schema, type: md.type, element: schemaPath[schemaPath.length - 1].element, schemaPath,
        codec: md.codec, parsers: DEFAULT_PARSERS, compressors, utf8: true,
      });
      return flatten(data);
    } catch (err) {
      throw new UserError('data', `${this.name}: column ${md.path_in_schema.join('.')} of row group ${group + 1} cannot be decoded (${(err as Error).message})`, { file: this.name });
    }
  }

  private decodeColumn(group: number, top: number): unknown[] {
    const child = this.schema.children[top];
    const chunks = this.chunksOf(group, top);
    if (!child.children.length) return Array.from(this.leaf(chunks[0], group) as ArrayLike<unknown>);
    const sub = new Map<string, DecodedArray>();
    for (const c of chunks) sub.set(c.meta_data!.path_in_schema.join('.'), this.leaf(c, group));
    assembleNested(sub, child, DEFAULT_PARSERS);
    const out = sub.get(child.element.name);
    if (!out) throw new UserError('data', `${this.name}: column ${child.element.name} of row group ${group + 1} cannot be assembled`, { file: this.name });
    return Array.from(out as ArrayLike<unknown>);
  }

  private viewColumns(): ViewColumn[] {
    const out: ViewColumn[] = [];
    const numericLeaf = (t: SchemaTree) => !t.children.length && ['INT32', 'INT64', 'FLOAT', 'DOUBLE'].includes(t.element.type ?? '') && !t.element.converted_type?.startsWith('TIME') && t.element.converted_type !== 'DATE';
    const isVector = (t: SchemaTree) => {
      if (!isListLike(t)) return false;
      let el = t.children[0];
      if (el.children.length === 1) el = el.children[0];
      return numericLeaf(el);
    };
    const struct = (t: SchemaTree, top: number, field: string[]) => {
      for (const c of t.children) {
        const path = [...field, c.element.name];
        if (c.children.length && !isListLike(c) && !isMapLike(c)) struct(c, top, path);
        else out.push({ name: [this.schema.children[top].element.name, ...path].join('.'), top, field: path, vector: false });
      }
    };
    this.schema.children.forEach((t, top) => {
      if (t.children.length && !isListLike(t) && !isMapLike(t)) struct(t, top, []);
      else out.push({ name: t.element.name, top, field: [], vector: isVector(t) });
    });
    return out;
  }

  /** Whether column `col` is a top-level column of one leaf (the only kind a label can be written to). */
  writableLeaf(col: number): SchemaTree | undefined {
    const c = this.columns[col];
    if (!c || c.field.length || c.vector) return undefined;
    const t = this.schema.children[c.top];
    return t.children.length ? undefined : t;
  }

  topOf(col: number): number {
    return this.columns[col].top;
  }

}
