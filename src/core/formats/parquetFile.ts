/**
 * A Parquet file as a table, read with hyparquet (pure JS, no native code, maintained, reads every
 * encoding and — with hyparquet-compressors — every codec pandas and pyarrow write).
 *
 * The file is read a column chunk at a time, on demand, and decoded a row group at a time with a
 * small cache: opening a million-row file reads and decodes the footer, the label and id columns
 * and the first row group, not every text cell. A row is known by its position; its place in the
 * file is (row group, offset in the group). A file changed on disk while it is open is noticed at
 * the next read (size and modification time) and reported, never decoded as a mix.
 *
 * Columns map to cells as JSON Lines values do: strings as they are, numbers as numbers, a struct's
 * fields as columns of their own ("meta.source"), a list of numbers as "[0.1, 0.2, …]" (which role
 * inference takes for an embedding, as in a CSV), other lists and maps as JSON text.
 */
import { basename } from 'node:path';
import { parquetMetadata, parquetSchema, type ColumnChunk, type DecodedArray, type FileMetaData, type SchemaTree } from 'hyparquet';
import { parquetHeader, readColumn } from 'hyparquet/src/column.js';
import { assembleNested } from 'hyparquet/src/assemble.js';
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { getTreePath, isListLike, isMapLike } from 'hyparquet/src/schema.js';
import { flatten } from 'hyparquet/src/utils.js';
import { compressors } from 'hyparquet-compressors';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { UserError } from '../errors';
import type { Problem, ProblemCode } from '../table/problems';
import { reportProblem, valueText, type FormatIndex, type FormatTable } from './formatTable';

/**
 * Codecs hyparquet reads with hyparquet-compressors (LZO is not among them: such a file is refused
 * at open, not half-read). Each is also one parquetWrite.ts writes the label column back in.
 */
export const READABLE_CODECS = new Set(['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW']);
/** Decoded (row group, top-level column) pairs kept: a few groups of every column. */
const CACHE_ENTRIES = 48;
/** Rows decoded from the start of a large row group before the whole group is. */
const PREFIX_ROWS = 4096;

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
/** Where a Parquet file's bytes come from: the file on disk (read by ranges) or bytes in memory. */
export interface ByteSource {
  readonly size: number;
  /** Bytes [start, end). */
  read(start: number, end: number): Uint8Array;
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (start, end) => bytes.subarray(start, end) };
}

/** The file as it was when opened: every read checks it has not changed since (size, mtime). */
export function fileSource(path: string, name: string): ByteSource & { stat: { size: number; mtimeMs: number } } {
  const st = statSync(path);
  const stat = { size: st.size, mtimeMs: st.mtimeMs };
  return {
    size: st.size, stat,
    read(start, end) {
      const fd = openSync(path, 'r');
      try {
        const now = fstatSync(fd);
        if (now.size !== stat.size || now.mtimeMs !== stat.mtimeMs) throw new UserError('file-changed', `${name} changed on disk since it was opened: reload it`, { file: path });
        const out = Buffer.allocUnsafe(end - start);
        let off = 0;
        while (off < out.length) {
          const n = readSync(fd, out, off, out.length - off, start + off);
          if (n === 0) throw new UserError('data', `${name}: the file ends at byte ${start + off}, expected ${end} (truncated?)`, { file: path });
          off += n;
        }
        return out;
      } finally {
        closeSync(fd);
      }
    },
  };
}

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
  private readonly cache = new Map<number, unknown[]>();
  /** First rows of large row groups (null: the column is not flat, decode it whole). */
  private readonly prefixes = new Map<number, unknown[] | null>();
  /** The last (row group, column) read: rows are mostly read in order, one column at a time. */
  private last: { key: number; values: unknown[] } | undefined;
  /** Size and mtime when read: a file changed since is never overwritten. */
  readonly stat: { size: number; mtimeMs: number };

  readonly source: ByteSource;

  constructor(readonly path: string, source: ByteSource | Uint8Array, opts: { displayName?: string; stat?: { size: number; mtimeMs: number } } = {}) {
    this.name = opts.displayName ?? basename(path);
    this.source = source instanceof Uint8Array ? memorySource(source) : source;
    const size = this.source.size;
    this.stat = opts.stat ?? { size, mtimeMs: 0 };
    const where = { file: this.name };
    const magic = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
    if (size < 12 || magic(this.source.read(0, 4)) !== 'PAR1' || magic(this.source.read(size - 4, size)) !== 'PAR1') {
      throw new UserError('data', `${this.name}: not a Parquet file (expected "PAR1" at its start and end)`, where);
    }
    try {
      // Only the footer is read and parsed.
      const len = Buffer.from(this.source.read(size - 8, size - 4)).readUInt32LE(0);
      if (len + 12 > size) throw new Error(`footer length ${len} is larger than the file`);
      const tail = this.source.read(size - 8 - len, size);
      this.metadata = parquetMetadata(tail.buffer.slice(tail.byteOffset, tail.byteOffset + tail.byteLength) as ArrayBuffer);
    } catch (err) {
      throw new UserError('data', `${this.name}: the Parquet footer cannot be read (${(err as Error).message}); is the file truncated?`, where);
    }
    this.schema = parquetSchema(this.metadata);
    for (const rg of this.metadata.row_groups) {
      for (const c of rg.columns) {
        if (c.file_path) throw new UserError('data', `${this.name}: column ${c.meta_data?.path_in_schema.join('.')} is stored in another file (${c.file_path}); Label Lens reads single-file Parquet only`, where);
        const codec = c.meta_data?.codec;
        if (!READABLE_CODECS.has(String(codec))) {
          throw new UserError('data', `${this.name}: column ${c.meta_data!.path_in_schema.join('.')} is compressed with ${codec ?? 'an unknown codec'}, which Label Lens cannot read: expected UNCOMPRESSED, SNAPPY, GZIP, ZSTD, BROTLI, LZ4 or LZ4_RAW (rewrite it with e.g. pandas .to_parquet(compression="zstd"))`, where);
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
    const g = this.lastGroup;
    if (i >= this.groups[g].start && i < this.groups[g].start + this.groups[g].rows) return { group: g, offset: i - this.groups[g].start };
    let lo = 0, hi = this.groups.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.groups[mid].start <= i) lo = mid; else hi = mid - 1;
    }
    this.lastGroup = lo;
    return { group: lo, offset: i - this.groups[lo].start };
  }
  private lastGroup = 0;

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
    let v: unknown = this.decodedFor(group, c.top, offset)[offset];
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

  /**
   * Values of column `top` in row group `group` that include row `offset` of the group: the first
   * rows only, while only they are asked for and the group is large (role sampling and the first
   * page of the table need a few thousand rows, not a million-row group's every text), else all.
   */
  private decodedFor(group: number, top: number, offset: number): unknown[] {
    const key = group * this.schema.children.length + top;
    if (this.last?.key === key && offset < this.last.values.length) return this.last.values;
    const full = this.cache.get(key);
    if (full) return this.decoded(group, top);
    if (offset < PREFIX_ROWS && this.groups[group].rows > 4 * PREFIX_ROWS) {
      let prefix = this.prefixes.get(key);
      if (prefix === undefined) {
        prefix = this.decodePrefix(group, top) ?? null;
        this.prefixes.set(key, prefix);
        if (this.prefixes.size > CACHE_ENTRIES) this.prefixes.delete(this.prefixes.keys().next().value!);
      }
      if (prefix && offset < prefix.length) return prefix;
    }
    return this.decoded(group, top);
  }

  /** The first PREFIX_ROWS (or a few more: whole pages) values of a flat column, or undefined when it is not flat. */
  private decodePrefix(group: number, top: number): unknown[] | undefined {
    const child = this.schema.children[top];
    if (child.children.length || child.element.repetition_type === 'REPEATED') return undefined;
    const chunk = this.chunksOf(group, top)[0];
    const md = chunk.meta_data!;
    const start = Number(md.dictionary_page_offset || md.data_page_offset);
    const end = start + Number(md.total_compressed_size);
    // Read page headers until the pages hold PREFIX_ROWS rows; read more bytes when a page runs past what was read.
    let want = Math.min(end - start, 1 << 16);
    for (;;) {
      const bytes = this.source.read(start, start + want);
      const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
      let rows = 0;
      let short = false;
      while (rows < PREFIX_ROWS && reader.offset < bytes.length - 1) {
        let header;
        try { header = parquetHeader(reader); } catch { short = true; break; }
        const pageEnd = reader.offset + header.compressed_page_size;
        if (pageEnd > bytes.length) { short = true; want = Math.max(want * 2, pageEnd + (1 << 16)); break; }
        rows += header.data_page_header?.num_values ?? header.data_page_header_v2?.num_rows ?? 0;
        reader.offset = pageEnd;
      }
      if (!short || want >= end - start) {
        if (short) return undefined;
        const used = reader.offset;
        const r = { view: new DataView(bytes.buffer, bytes.byteOffset, used), offset: 0 };
        return Array.from(this.decodeLeaf(md, group, r, Math.min(rows, this.groups[group].rows)) as ArrayLike<unknown>);
      }
      want = Math.min(end - start, Math.max(want, want * 2));
    }
  }

  /** Every value of top-level column `top` in row group `group`, assembled (structs as objects, lists as arrays). */
  decoded(group: number, top: number): unknown[] {
    const key = group * this.schema.children.length + top;
    if (this.last?.key === key) return this.last.values;
    const values = this.cachedOrDecoded(group, top, key);
    this.last = { key, values };
    return values;
  }

  private cachedOrDecoded(group: number, top: number, key: number): unknown[] {
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

  /** Reads and decodes one column chunk synchronously, as hyparquet's readRowGroup does. */
  private leaf(chunk: ColumnChunk, group: number): DecodedArray {
    const md = chunk.meta_data!;
    const start = Number(md.dictionary_page_offset || md.data_page_offset);
    const end = start + Number(md.total_compressed_size);
    if (end > this.source.size) throw new UserError('data', `${this.name}: column ${md.path_in_schema.join('.')} of row group ${group + 1} runs past the end of the file (truncated?)`, { file: this.name });
    const bytes = this.source.read(start, end);
    return this.decodeLeaf(md, group, { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }, this.groups[group].rows);
  }

  /** Decodes the first `rows` rows of a column chunk from `reader` (the chunk's bytes from its first page). */
  private decodeLeaf(md: NonNullable<ColumnChunk['meta_data']>, group: number, reader: { view: DataView; offset: number }, rows: number): DecodedArray {
    const schemaPath = getTreePath(this.schema, md.path_in_schema);
    try {
      const { data } = readColumn(reader, { groupStart: this.groups[group].start, selectStart: 0, selectEnd: rows, groupRows: this.groups[group].rows }, {
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
    if (!child.children.length) {
      const v = this.leaf(chunks[0], group);
      // Strings and bigints already come as a plain array: no copy.
      return Array.isArray(v) ? (v as unknown[]) : Array.from(v as ArrayLike<unknown>);
    }
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
