/**
 * Saving a Parquet file, on ag_news rows: the label column keeps its codec whichever one Label Lens
 * reads (UNCOMPRESSED, SNAPPY, GZIP, ZSTD, BROTLI, LZ4, LZ4_RAW), read back by hyparquet's own
 * decoders; no page index, bloom filter or sort order is left to describe the old labels; the new
 * file is streamed into the write protocol's temp file and keeps its guarantees (a failure before
 * the rename leaves the file as it was and no temp file, a file changed meanwhile is refused, the
 * original is kept); an LZO file is refused at open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ByteWriter, parquetWriteBuffer } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { openParquet } from '../../src/core/formats/parquetTable';
import { lz4Stored } from '../../src/core/formats/parquetWrite';
import { DocumentState } from '../../src/core/labels/documentState';
import { originalCopyPath, writeFaults } from '../../src/core/labels/writeProtocol';
import { UserError } from '../../src/core/errors';
import { openDataset } from '../../src/core/table/dataset';
import { dataset, tempDir } from '../helpers';
import { writeAgNewsParquet, type FixtureCodec } from '../fixtures/parquetFixtures';

const asArrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const readAll = (path: string) => parquetReadObjects({ file: asArrayBuffer(readFileSync(path)), compressors });
const footer = (path: string) => parquetMetadata(asArrayBuffer(readFileSync(path)));
const labelChunks = (m: FileMetaData) => m.row_groups.map((g) => g.columns.find((c) => c.meta_data!.path_in_schema[0] === 'label')!);

/** The bytes of every non-label column chunk, in order. */
function otherChunks(path: string): Buffer[] {
  const bytes = readFileSync(path);
  return footer(path).row_groups.flatMap((g) => g.columns.filter((c) => c.meta_data!.path_in_schema[0] !== 'label').map((c) => {
    const start = Number(c.meta_data!.dictionary_page_offset ?? c.meta_data!.data_page_offset);
    return bytes.subarray(start, start + Number(c.meta_data!.total_compressed_size));
  }));
}

const flip = (label: unknown) => (label === 'World' ? 'Sports' : 'World');

test('lz4Stored: an LZ4 block hyparquet-compressors decodes back to the input at every length class', () => {
  // (Not 0 bytes: hyparquet's decoder wants a block to end in literals, and no page is empty.)
  for (const n of [1, 14, 15, 16, 269, 270, 271, 100_000]) {
    const input = Uint8Array.from({ length: n }, (_, i) => (i * 31) % 256);
    assert.deepEqual(compressors.LZ4_RAW!(lz4Stored(input), n), input, `${n} bytes`);
  }
});

for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'ZSTD', 'BROTLI', 'LZ4', 'LZ4_RAW'] as const satisfies readonly FixtureCodec[]) {
  test(`Parquet ${codec}: the label column is written back in ${codec}, every other chunk byte for byte`, async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'ag.parquet');
    writeAgNewsParquet(file, { rows: 600, codec, rowGroupSize: 200 });
    const before = await readAll(file);
    const table = openParquet(file);
    const ds = openDataset(file);
    const picks = [0, 333, 599];
    const out = join(dir, 'saved.parquet');
    table.writeLabelsTo(out, ds.roles.label!, new Map(picks.map((i) => [i, flip(before[i].label)])));
    const after = await readAll(out);
    for (let i = 0; i < before.length; i++) {
      assert.equal(after[i].label, picks.includes(i) ? flip(before[i].label) : before[i].label, `label of row ${i}`);
      for (const col of ['id', 'text', 'score', 'meta', 'emb']) assert.deepEqual(after[i][col], before[i][col], `row ${i}, ${col}`);
    }
    assert.deepEqual(labelChunks(footer(out)).map((c) => c.meta_data!.codec), labelChunks(footer(file)).map(() => codec));
    const a = otherChunks(file), b = otherChunks(out);
    assert.equal(b.length, a.length);
    a.forEach((chunk, k) => assert.ok(chunk.equals(b[k]), `chunk ${k} copied byte for byte`));
    // hyparquet-writer writes raw pages under the codec's name when it has no compressor for it:
    // a label chunk of the same size compressed as raw would be that.
    for (const c of labelChunks(footer(out))) {
      if (codec === 'UNCOMPRESSED') assert.equal(c.meta_data!.total_compressed_size, c.meta_data!.total_uncompressed_size);
      else assert.notEqual(c.meta_data!.total_compressed_size, c.meta_data!.total_uncompressed_size, `the label chunk went through the ${codec} compressor`);
    }
  });
}

test('Parquet: page indexes, bloom filters and a sort order on the label column are not carried into the saved file', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'ag.parquet');
  writeAgNewsParquet(file, {
    rows: 900, codec: 'SNAPPY', rowGroupSize: 300, extra: false,
    columnOptions: { label: { columnIndex: true, offsetIndex: true, bloomFilter: true }, text: { offsetIndex: true }, id: { columnIndex: true, offsetIndex: true } },
  });
  // A footer that also says each row group is sorted by label (the leaf index of "label" is 2).
  const meta = footer(file);
  assert.ok(labelChunks(meta).every((c) => c.meta_data!.bloom_filter_offset !== undefined), 'the fixture has a bloom filter on the labels');
  const bytes = readFileSync(file);
  const w = new ByteWriter();
  const sorted = { ...meta, row_groups: meta.row_groups.map((g) => ({ ...g, sorting_columns: [{ column_idx: 2, descending: false, nulls_first: false }] })) };
  delete (sorted as Partial<FileMetaData>).metadata_length;
  writeMetadata(w, sorted as unknown as Parameters<typeof writeMetadata>[1]);
  w.appendUint32(0x31524150);
  writeFileSync(file, Buffer.concat([bytes.subarray(0, bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8)), w.getBytes()]));
  assert.deepEqual(footer(file).row_groups[0].sorting_columns, [{ column_idx: 2, descending: false, nulls_first: false }]);

  const before = await readAll(file);
  const state = new DocumentState(file);
  state.apply(state.change('t', [5, 450], (i, s) => ({ ...s, label: flip(before[i].label) })));
  state.save('test', 'cli');
  const m = footer(file);
  for (const g of m.row_groups) {
    assert.equal(g.sorting_columns, undefined, 'no sort order by the changed labels');
    for (const c of g.columns) {
      const name = c.meta_data!.path_in_schema.join('.');
      assert.equal(c.column_index_offset, undefined, `${name}: no column index`);
      assert.equal(c.offset_index_offset, undefined, `${name}: no offset index`);
      assert.equal(c.meta_data!.bloom_filter_offset, undefined, `${name}: no bloom filter`);
    }
  }
  const after = await readAll(file);
  assert.equal(after[5].label, flip(before[5].label));
  assert.equal(after[450].label, flip(before[450].label));
  assert.equal(after.filter((r, i) => r.label !== before[i].label).length, 2);
});

test('Parquet save: streamed into the protocol\'s temp file; a failure before the rename or a file changed meanwhile leaves the file as it was and no temp file', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'ag.parquet');
  writeAgNewsParquet(file, { rows: 1500, codec: 'ZSTD', rowGroupSize: 500, extra: false });
  const original = readFileSync(file);
  const before = await readAll(file);
  const temps = () => readdirSync(dir).filter((n) => n.endsWith('.tmp'));
  t.after(() => { writeFaults.at = undefined; });

  const edit = () => {
    const state = new DocumentState(file);
    state.apply(state.change('t', [1200], (i, s) => ({ ...s, label: flip(before[i].label) })));
    return state;
  };

  // The temp file is the whole new file, complete and readable, before anything is renamed.
  let seen: Promise<Record<string, unknown>[]> | undefined;
  writeFaults.at = (step, path) => {
    if (step === 'temp-written' && path.endsWith('.tmp') && !path.includes('originals')) {
      const b = readFileSync(path);
      seen = parquetReadObjects({ file: asArrayBuffer(b), compressors, rowStart: 1200, rowEnd: 1201 });
      throw new Error('disk unplugged');
    }
  };
  assert.throws(() => edit().save('test', 'cli'), /disk unplugged/);
  assert.equal((await seen)?.[0].label, flip(before[1200].label), 'the temp file held the new label');
  assert.ok(readFileSync(file).equals(original), 'the file is as it was');
  assert.deepEqual(temps(), [], 'no temp file left');

  // Another program writes the file while the new one is being written: refused, its bytes kept.
  writeFaults.at = (step) => { if (step === 'temp-written') appendFileSync(file, 'x'); };
  assert.throws(() => edit().save('test', 'cli'), (e: unknown) => e instanceof UserError && e.code === 'file-changed');
  assert.equal(statSync(file).size, original.length + 1, 'the other program\'s write stands');
  assert.deepEqual(temps(), []);
  writeFileSync(file, original);

  // The save itself: the original kept beside, the file relabeled.
  writeFaults.at = undefined;
  edit().save('test', 'cli');
  assert.ok(readFileSync(originalCopyPath(file)).equals(original), 'the original is kept, byte for byte');
  const after = await readAll(file);
  assert.equal(after[1200].label, flip(before[1200].label));
  assert.deepEqual(temps(), []);
});

test('Parquet: an LZO-compressed file is refused at open, naming the column and the codecs it can read', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'ok.parquet');
  writeAgNewsParquet(file, { rows: 100, codec: 'SNAPPY', rowGroupSize: 50, extra: false });
  const bytes = readFileSync(file);
  const len = bytes.readUInt32LE(bytes.length - 8);
  const foot = bytes.subarray(bytes.length - 8 - len, bytes.length - 8);
  // ColumnMetaData of "label": path_in_schema ("label"), then field 4 (codec) = zigzag(1), SNAPPY; LZO is 3 → 0x06.
  const at = foot.indexOf(Buffer.from([0x05, ...Buffer.from('label'), 0x15, 0x02]));
  assert.ok(at > 0, 'found the label column\'s codec in the footer');
  const patched = Buffer.from(bytes);
  patched[bytes.length - 8 - len + at + 7] = 0x06;
  const bad = join(dir, 'lzo.parquet');
  writeFileSync(bad, patched);
  assert.throws(() => openDataset(bad), (e: unknown) => e instanceof UserError && /lzo\.parquet: column label is compressed with LZO, which Label Lens cannot read: expected UNCOMPRESSED, SNAPPY, GZIP, ZSTD, BROTLI, LZ4 or LZ4_RAW/.test(e.message));
});

test('Parquet save: the review\'s new baseline is the file as read afresh (classes, labels, ids, problems), without reading every row again', (t) => {
  const src = openDataset(dataset('ag_news_test'));
  const n = 3000;
  // String ids with a repeat and a blank; one row of a class of its own.
  const ids = Array.from({ length: n }, (_, i) => (i === 2500 ? 'r7' : i === 1500 ? '' : `r${i}`));
  const labels = Array.from({ length: n }, (_, i) => (i === 42 ? 'Rare' : src.labelName(i)));
  const file = join(tempDir(t), 'ag.parquet');
  const str = { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' } as const;
  writeFileSync(file, new Uint8Array(parquetWriteBuffer({
    schema: [{ name: 'root', num_children: 3 }, { name: 'id', ...str }, { name: 'text', ...str }, { name: 'label', ...str }],
    columnData: [{ name: 'id', data: ids }, { name: 'text', data: Array.from({ length: n }, (_, i) => src.table.cell(i, src.roles.text!)) }, { name: 'label', data: labels }],
    rowGroupSize: 1000,
  })));
  const state = new DocumentState(file);
  const before = state.dataset;
  assert.ok(before.classes.includes('Rare'));
  // The only "Rare" row becomes World (the class is gone), one row a new class, one unlabeled.
  const to = new Map<number, string>([[42, 'World'], [1999, 'Weather'], [2999, '']]);
  state.apply(state.change('t', [...to.keys()], (i, st) => ({ ...st, label: to.get(i)! })));
  state.save('test', 'cli');
  const kept = state.dataset;
  assert.notEqual(kept.table, before.table, 'the file as written is opened again');
  const fresh = openDataset(file);
  assert.deepEqual(kept.classes, fresh.classes);
  assert.ok(!kept.classes.includes('Rare') && kept.classes.includes('Weather'));
  assert.deepEqual(kept.counts, fresh.counts);
  assert.equal(kept.unlabeled, fresh.unlabeled);
  assert.ok(Buffer.from(kept.labels.buffer).equals(Buffer.from(fresh.labels.buffer)), 'every row\'s class as a fresh read gives it');
  for (let i = 0; i < n; i++) assert.equal(kept.rowKey(i), fresh.rowKey(i), `key of row ${i}`);
  assert.ok(fresh.hasIds && fresh.problems.some((p) => p.code === 'duplicate-id') && fresh.problems.some((p) => p.code === 'blank-id'), 'the file has ids, one repeated, one blank');
  assert.deepEqual(kept.problems.map((p) => [p.code, p.line, p.message]), fresh.problems.map((p) => [p.code, p.line, p.message]));
  assert.deepEqual([...kept.table.problemCounts], [...fresh.table.problemCounts]);
  // The next edit and save work on the new baseline.
  state.apply(state.change('t', [5], (_, st) => ({ ...st, label: 'Weather' })));
  state.save('test', 'cli');
  assert.equal(openDataset(file).labelName(5), 'Weather');
  assert.equal(state.dataset.labelName(1999), 'Weather');
});
