/**
 * Saving label edits to a Parquet file: a new file in which every column chunk but the label
 * column's is copied byte for byte (so every other column keeps its values, types, encodings,
 * codec and statistics exactly), the label column of each row group is re-encoded with
 * hyparquet-writer, and the footer (schema, row groups, key-value metadata such as pandas' own)
 * is the original one with the new offsets. The result is read back and checked before it
 * replaces the file through the atomic write path (temp file, fsync, rename; refuses a file
 * changed on disk; keeps the pre-Label-Lens original).
 *
 * Dropped on purpose: page indexes and bloom filters (optional, and they point at page offsets
 * that moved); readers fall back to the row-group statistics.
 */
import { gzipSync } from 'node:zlib';
import type { ColumnChunk, CompressionCodec, FileMetaData, RowGroup, SchemaTree } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writeColumn } from 'hyparquet-writer/src/column.js';
import { encodeNestedValues } from 'hyparquet-writer/src/dremel.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { atomicWrite } from '../labels/atomicWrite';
import { UserError } from '../errors';
import { valueText } from './formatTable';
import { ParquetFile } from './parquetFile';

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

/** Codecs the label column can be written with; another codec's label chunk (BROTLI, LZ4) is written with SNAPPY. */
const WRITE_COMPRESSORS: Partial<Record<CompressionCodec, (b: Uint8Array) => Uint8Array>> = {
  SNAPPY: snappyCompress,
  GZIP: (b) => new Uint8Array(gzipSync(b)),
  ZSTD: zstdStored,
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

/** The file's bytes with the label column changed. */
export function parquetWithLabels(table: ParquetFile, labelCol: number, changes: ReadonlyMap<number, string>): Uint8Array {
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
  const w = new ByteWriter(table.source.size + 1024);
  w.appendUint32(MAGIC);
  const rowGroups: RowGroup[] = table.metadata.row_groups.map((rg, g) => {
    const groupStart = w.offset;
    const columns = rg.columns.map((c): ColumnChunk => {
      const md = c.meta_data!;
      if (md.path_in_schema.length === 1 && md.path_in_schema[0] === leaf.element.name) {
        const values = table.decoded(g, top).slice();
        const sample = values.find((v) => v !== null && v !== undefined);
        for (const [offset, label] of byGroup.get(g) ?? []) values[offset] = typedLabel(table, leaf, label, sample);
        const codec: CompressionCodec = md.codec === 'UNCOMPRESSED' || WRITE_COMPRESSORS[md.codec] ? md.codec : 'SNAPPY';
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
      w.appendBytes(table.source.read(start, end));
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
    return { ...rg, columns, total_byte_size: total, file_offset: BigInt(groupStart), total_compressed_size: BigInt(w.offset - groupStart) };
  });
  const metadata: FileMetaData = { ...table.metadata, row_groups: rowGroups };
  // Not a field of the thrift struct; written by writeMetadata itself.
  delete (metadata as Partial<FileMetaData>).metadata_length;
  writeMetadata(w, metadata as unknown as Parameters<typeof writeMetadata>[1], Infinity);
  w.appendUint32(MAGIC);
  w.finish();
  return w.getBytes();
}

/**
 * Checks a written file before it replaces anything: same schema and row groups, every other
 * column's chunks byte-equal, the label column holding exactly the intended labels.
 */
export function verifyParquet(original: ParquetFile, bytes: Uint8Array, labelCol: number, changes: ReadonlyMap<number, string>): void {
  const fail = (why: string) => { throw new UserError('data', `${original.name}: the new Parquet file did not read back as written (${why}); nothing was changed`, { file: original.name }); };
  let back: ParquetFile;
  try {
    back = new ParquetFile(original.path, bytes, { displayName: original.name });
  } catch (err) {
    return fail((err as Error).message);
  }
  if (JSON.stringify(back.header) !== JSON.stringify(original.header)) fail('columns differ');
  if (JSON.stringify(back.groups) !== JSON.stringify(original.groups)) fail('row groups differ');
  if (back.metadata.schema.length !== original.metadata.schema.length || back.metadata.schema.some((e, i) => e.type !== original.metadata.schema[i].type || e.name !== original.metadata.schema[i].name)) fail('schema differs');
  const label = original.writableLeaf(labelCol)!.element.name;
  original.metadata.row_groups.forEach((rg, g) => rg.columns.forEach((c, k) => {
    if (c.meta_data!.path_in_schema.length === 1 && c.meta_data!.path_in_schema[0] === label) return;
    const a = chunkRange(c), b = chunkRange(back.metadata.row_groups[g].columns[k]);
    if (Buffer.compare(original.source.read(a.start, a.end), bytes.subarray(b.start, b.end)) !== 0) fail(`column ${c.meta_data!.path_in_schema.join('.')} of row group ${g + 1} changed`);
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

/** Writes `target` with the label changes, verified, atomically (refusing a source changed on disk). */
export function writeParquetLabels(table: ParquetFile, target: string, labelCol: number, changes: ReadonlyMap<number, string>, inPlace: boolean): void {
  // Every read of the original checks it is unchanged on disk (size, mtime), and the write path
  // checks again right before the rename: a file changed meanwhile is never overwritten.
  const bytes = parquetWithLabels(table, labelCol, changes);
  verifyParquet(table, bytes, labelCol, changes);
  table.source.read(0, 4);
  atomicWrite(target, bytes, inPlace ? { keepOriginal: true } : {});
}
