/**
 * Saving label edits to a Parquet file: a new file in which every column chunk but the label
 * column's is copied byte for byte (so every other column keeps its values, types, encodings,
 * codec and statistics exactly), the label column of each row group is re-encoded with
 * hyparquet-writer, and the footer (schema, row groups, key-value metadata such as pandas' own)
 * is the original one with the new offsets. The new file is written a row group at a time
 * straight into the temp file of the write protocol (a million-row file never sits in memory:
 * copied chunks go through in 4 MB slices, only the label column is decoded), read back from
 * there and checked, and only then renamed over the file (fsync, rename, folder fsync; refuses a
 * file changed on disk; keeps the pre-Label-Lens original).
 *
 * Dropped on purpose, for every column: page indexes (column and offset indexes) and bloom
 * filters. They are optional, those of other columns point at page offsets that moved, and the
 * label column's would describe the old labels — a reader trusting a stale bloom filter or min/max
 * index would skip row groups that now hold a label. Readers fall back to the row-group statistics,
 * which are rewritten for the label column.
 */
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { ColumnChunk, CompressionCodec, FileMetaData, RowGroup, SchemaTree } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writeColumn } from 'hyparquet-writer/src/column.js';
import { encodeNestedValues } from 'hyparquet-writer/src/dremel.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { atomicWriteStreamed, type TempOut } from '../labels/writeProtocol';
import { UserError } from '../errors';
import { valueText } from './formatTable';
import { fileSource, ParquetFile } from './parquetFile';

type WriterColumn = Parameters<typeof writeColumn>[0]['column'];

const MAGIC = 0x31524150; // "PAR1"

/**
 * A Zstandard frame of raw (stored) blocks: what any zstd reader decodes, written without a zstd
 * library (Node 20 has none). The label column is small next to the rest, so storing it costs little.
 */
export function zstdStored(input: Uint8Array): Uint8Array {
  const BLOCK = 128 * 1024;
  const blocks = Math.max(1, Math.ceil(input.length / BLOCK));
  const out = new Uint8Array(4 + 1 + 8 + blocks * 3 + input.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xfd2fb528, true);
  out[4] = 0xe0; // frame content size in 8 bytes, single segment, no checksum, no dictionary
  v.setBigUint64(5, BigInt(input.length), true);
  let at = 13;
  for (let b = 0; b < blocks; b++) {
    const size = Math.min(BLOCK, input.length - b * BLOCK);
    const header = (size << 3) | (0 << 1) | (b === blocks - 1 ? 1 : 0); // raw block
    out[at] = header & 0xff; out[at + 1] = (header >> 8) & 0xff; out[at + 2] = (header >> 16) & 0xff;
    out.set(input.subarray(b * BLOCK, b * BLOCK + size), at + 3);
    at += 3 + size;
  }
  return out;
}

/**
 * An LZ4 block of literals only (no matches): what every LZ4 block decoder decodes back to the
 * input, written without an LZ4 library (Node has none). As with ZSTD, storing the small label
 * column costs little and keeps its codec.
 */
export function lz4Stored(input: Uint8Array): Uint8Array {
  const n = input.length;
  const extra = n >= 15 ? Math.floor((n - 15) / 255) + 1 : 0;
  const out = new Uint8Array(1 + extra + n);
  out[0] = Math.min(n, 15) << 4; // literal length in the token's high nibble, no match
  let at = 1;
  if (n >= 15) {
    let rest = n - 15;
    for (; rest >= 255; rest -= 255) out[at++] = 255;
    out[at++] = rest;
  }
  out.set(input, at);
  return out;
}

/** The deprecated LZ4 codec as Hadoop and Arrow write it: big-endian sizes, then an LZ4 block. */
export function lz4Hadoop(input: Uint8Array): Uint8Array {
  const block = lz4Stored(input);
  const out = new Uint8Array(8 + block.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, input.length, false);
  v.setUint32(4, block.length, false);
  out.set(block, 8);
  return out;
}

/**
 * The label column is written in the codec it had, whichever of the codecs Label Lens reads it is
 * (parquetFile.ts, READABLE_CODECS): SNAPPY with hyparquet-writer's own compressor, GZIP and BROTLI
 * with Node's zlib, ZSTD and LZ4 as stored blocks.
 */
export const WRITE_COMPRESSORS: Partial<Record<CompressionCodec, (b: Uint8Array) => Uint8Array>> = {
  SNAPPY: snappyCompress,
  GZIP: (b) => new Uint8Array(gzipSync(b)),
  BROTLI: (b) => new Uint8Array(brotliCompressSync(b)),
  ZSTD: zstdStored,
  LZ4: lz4Hadoop,
  LZ4_RAW: lz4Stored,
};

/** The new label as the column's physical type holds it. */
function typedLabel(table: ParquetFile, leaf: SchemaTree, text: string, sample: unknown): unknown {
  const el = leaf.element;
  const where = { file: table.name };
  if (text === '') {
    if (el.repetition_type === 'REQUIRED') throw new UserError('data', `${table.name}: column "${el.name}" is REQUIRED: a row cannot be made unlabeled`, where);
    return null;
  }
  switch (el.type) {
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      if (el.type === 'FIXED_LEN_BYTE_ARRAY' && Buffer.byteLength(text) !== el.type_length) throw new UserError('data', `${table.name}: label "${text}" does not fit column "${el.name}" (fixed length ${el.type_length} bytes)`, where);
      return sample instanceof Uint8Array ? new Uint8Array(Buffer.from(text, 'utf8')) : text;
    case 'INT32':
    case 'INT64': {
      if (!/^[+-]?\d+$/.test(text)) throw new UserError('data', `${table.name}: column "${el.name}" holds whole numbers: the label "${text}" is not one`, where);
      return el.type === 'INT64' || typeof sample === 'bigint' ? BigInt(text) : Number(text);
    }
    case 'FLOAT':
    case 'DOUBLE': {
      const v = Number(text);
      if (!Number.isFinite(v)) throw new UserError('data', `${table.name}: column "${el.name}" holds numbers: the label "${text}" is not one`, where);
      return v;
    }
    case 'BOOLEAN':
      if (text !== 'true' && text !== 'false') throw new UserError('data', `${table.name}: column "${el.name}" holds true/false: the label "${text}" is neither`, where);
      return text === 'true';
    default:
      throw new UserError('data', `${table.name}: labels in a ${el.type} column cannot be written`, where);
  }
}

function chunkRange(c: ColumnChunk): { start: number; end: number } {
  const md = c.meta_data!;
  const start = Number(md.dictionary_page_offset || md.data_page_offset);
  return { start, end: start + Number(md.total_compressed_size) };
}

/** Bytes of a copied column chunk read and written at a time. */
const COPY_SLICE = 4 << 20;

/**
 * hyparquet-writer's ByteWriter over a stream, as its own file writer does: `offset` counts every
 * byte written, the buffer is handed to `out` and reused once it holds more than a megabyte.
 */
function streamingWriter(out: TempOut): ByteWriter {
  const w = new ByteWriter(1 << 20);
  const flush = () => {
    if (w.index === 0) return;
    out.write(new Uint8Array(w.buffer, 0, w.index).slice());
    w.index = 0;
  };
  const grow = w.ensure.bind(w);
  w.ensure = (size: number) => {
    if (w.index > 1 << 20) flush();
    grow(size);
  };
  w.finish = flush;
  return w;
}

/** Writes the file with the label column changed to `out`, a row group at a time. */
export function writeParquetWithLabels(table: ParquetFile, labelCol: number, changes: ReadonlyMap<number, string>, out: TempOut): void {
  const leaf = table.writableLeaf(labelCol);
  if (!leaf) throw new UserError('data', `${table.name}: the label column "${table.header[labelCol]}" is a field of a struct or a list; Label Lens writes labels to a top-level column only (use Export corrected labels to CSV)`, { file: table.name });
  const top = table.topOf(labelCol);
  const byGroup = new Map<number, [number, string][]>();
  for (const [row, label] of changes) {
    if (row < 0 || row >= table.rowCount) throw new UserError('data', `${table.name}: row ${row + 1} does not exist (the file has ${table.rowCount} rows)`, { file: table.name });
    const { group, offset } = table.locate(row);
    if (!byGroup.has(group)) byGroup.set(group, []);
    byGroup.get(group)!.push([offset, label]);
  }
  // Leaf index of the label column (what a row group's sorting_columns count).
  const labelLeaf = table.metadata.row_groups[0]?.columns.findIndex((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === leaf.element.name) ?? -1;
  const w = streamingWriter(out);
  w.appendUint32(MAGIC);
  const rowGroups: RowGroup[] = table.metadata.row_groups.map((rg, g) => {
    const groupStart = w.offset;
    const columns = rg.columns.map((c): ColumnChunk => {
      const md = c.meta_data!;
      if (md.path_in_schema.length === 1 && md.path_in_schema[0] === leaf.element.name) {
        const values = table.decoded(g, top).slice();
        const sample = values.find((v) => v !== null && v !== undefined);
        for (const [offset, label] of byGroup.get(g) ?? []) values[offset] = typedLabel(table, leaf, label, sample);
        const codec = md.codec;
        if (codec !== 'UNCOMPRESSED' && !WRITE_COMPRESSORS[codec]) throw new UserError('data', `${table.name}: the label column is compressed with ${codec}, which Label Lens cannot write: nothing was changed (use Export corrected labels)`, { file: table.name });
        // hyparquet-writer carries its own copy of hyparquet's types: the same shapes, other declarations.
        const column = {
          columnName: leaf.element.name, element: leaf.element, schemaPath: [table.schema.element, leaf.element], codec,
          compressors: WRITE_COMPRESSORS, stats: md.statistics !== undefined, pageSize: 1 << 20, columnIndex: false, offsetIndex: false,
        } as unknown as WriterColumn;
        const pageData = encodeNestedValues([table.schema, leaf] as unknown as Parameters<typeof encodeNestedValues>[0], values);
        return writeColumn({ writer: w, column, pageData }).chunk as unknown as ColumnChunk;
      }
      // Any other column: its bytes as they are, at a new offset.
      const { start, end } = chunkRange(c);
      const shift = BigInt(w.offset - start);
      for (let at = start; at < end; at += COPY_SLICE) w.appendBytes(table.source.read(at, Math.min(end, at + COPY_SLICE)));
      return {
        ...c,
        file_offset: c.file_offset ? c.file_offset + shift : c.file_offset,
        meta_data: {
          ...md,
          data_page_offset: md.data_page_offset + shift,
          dictionary_page_offset: md.dictionary_page_offset ? md.dictionary_page_offset + shift : md.dictionary_page_offset,
          index_page_offset: undefined, bloom_filter_offset: undefined, bloom_filter_length: undefined,
        },
        offset_index_offset: undefined, offset_index_length: undefined, column_index_offset: undefined, column_index_length: undefined,
      };
    });
    let total = 0n;
    for (const c of columns) total += c.meta_data?.total_uncompressed_size ?? 0n;
    // A sort order that names the label column no longer holds once a label changed.
    const sorting = rg.sorting_columns?.filter((sc) => sc.column_idx !== labelLeaf);
    return { ...rg, columns, sorting_columns: sorting?.length ? sorting : undefined, total_byte_size: total, file_offset: BigInt(groupStart), total_compressed_size: BigInt(w.offset - groupStart) };
  });
  const metadata: FileMetaData = { ...table.metadata, row_groups: rowGroups };
  // Not a field of the thrift struct; written by writeMetadata itself.
  delete (metadata as Partial<FileMetaData>).metadata_length;
  writeMetadata(w, metadata as unknown as Parameters<typeof writeMetadata>[1], Infinity);
  w.appendUint32(MAGIC);
  w.finish();
}

/** The file's bytes with the label column changed (in memory: for small files and tests). */
export function parquetWithLabels(table: ParquetFile, labelCol: number, changes: ReadonlyMap<number, string>): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  writeParquetWithLabels(table, labelCol, changes, { write: (b) => { parts.push(b.slice()); size += b.length; }, get size() { return size; } });
  return Buffer.concat(parts);
}

/**
 * Checks a written file before it replaces anything: same schema and row groups, every other
 * column's chunks byte-equal (compared a slice at a time), the label column holding exactly the
 * intended labels, and no page index or bloom filter left to describe them. `written`: the new
 * file's path (read by ranges) or its bytes.
 */
export function verifyParquet(original: ParquetFile, written: string | Uint8Array, labelCol: number, changes: ReadonlyMap<number, string>): void {
  const fail = (why: string) => { throw new UserError('data', `${original.name}: the new Parquet file did not read back as written (${why}); nothing was changed`, { file: original.name }); };
  let back: ParquetFile;
  try {
    back = typeof written === 'string' ? new ParquetFile(written, fileSource(written, original.name), { displayName: original.name }) : new ParquetFile(original.path, written, { displayName: original.name });
  } catch (err) {
    return fail((err as Error).message);
  }
  if (JSON.stringify(back.header) !== JSON.stringify(original.header)) fail('columns differ');
  if (JSON.stringify(back.groups) !== JSON.stringify(original.groups)) fail('row groups differ');
  if (back.metadata.schema.length !== original.metadata.schema.length || back.metadata.schema.some((e, i) => e.type !== original.metadata.schema[i].type || e.name !== original.metadata.schema[i].name)) fail('schema differs');
  const label = original.writableLeaf(labelCol)!.element.name;
  original.metadata.row_groups.forEach((rg, g) => rg.columns.forEach((c, k) => {
    const now = back.metadata.row_groups[g].columns[k];
    if (now.column_index_offset !== undefined || now.offset_index_offset !== undefined || now.meta_data?.bloom_filter_offset !== undefined) fail(`column ${c.meta_data!.path_in_schema.join('.')} of row group ${g + 1} kept a page index or bloom filter`);
    if (c.meta_data!.path_in_schema.length === 1 && c.meta_data!.path_in_schema[0] === label) return;
    const a = chunkRange(c), b = chunkRange(now);
    if (a.end - a.start !== b.end - b.start) fail(`column ${c.meta_data!.path_in_schema.join('.')} of row group ${g + 1} changed size`);
    for (let at = 0; at < a.end - a.start; at += COPY_SLICE) {
      const len = Math.min(COPY_SLICE, a.end - a.start - at);
      if (Buffer.compare(original.source.read(a.start + at, a.start + at + len), back.source.read(b.start + at, b.start + at + len)) !== 0) fail(`column ${c.meta_data!.path_in_schema.join('.')} of row group ${g + 1} changed`);
    }
  }));
  const top = original.topOf(labelCol);
  for (let g = 0; g < original.groups.length; g++) {
    const before = original.decoded(g, top);
    const after = back.decoded(g, top);
    const start = original.groups[g].start;
    for (let o = 0; o < before.length; o++) {
      const want = changes.get(start + o) ?? valueText(before[o]);
      if (valueText(after[o]) !== want) fail(`row ${start + o + 1} reads back as "${valueText(after[o])}", expected "${want}"`);
    }
  }
}

/**
 * Writes `target` with the label changes: streamed into the write protocol's temp file, verified
 * from there, renamed over the target (refusing a source changed on disk; keeping the original
 * when the file is replaced in place).
 */
export function writeParquetLabels(table: ParquetFile, target: string, labelCol: number, changes: ReadonlyMap<number, string>, inPlace: boolean): void {
  // Every read of the original checks it is unchanged on disk (size, mtime); the write path asks
  // again right before the rename: a file changed meanwhile is never overwritten.
  atomicWriteStreamed(target, (out) => writeParquetWithLabels(table, labelCol, changes, out), {
    unchanged: () => { table.source.read(0, 4); },
    verify: (temp) => verifyParquet(table, temp, labelCol, changes),
    keepOriginal: inPlace,
  });
}
