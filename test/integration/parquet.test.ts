/**
 * Parquet end to end on real data: ag_news written as Parquet (SNAPPY and ZSTD, four row groups, a
 * struct and an embedding list beside the text), opened and inspected, analyzed by the built CLI,
 * relabeled through the CLI's write path, and read back with hyparquet's own reader: every other
 * column equal in value, the row groups as they were, the labels as intended; a file with an
 * unknown codec and a truncated file are refused with a clear error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { openDataset } from '../../src/core/table/dataset';
import { DocumentState } from '../../src/core/labels/documentState';
import { ParquetFile } from '../../src/core/formats/parquetFile';
import { zstdStored } from '../../src/core/formats/parquetWrite';
import { readJournal } from '../../src/core/labels/journal';
import { originalCopyPath } from '../../src/core/labels/atomicWrite';
import { UserError } from '../../src/core/errors';
import type { Summary } from '../../src/core/results';
import { ROOT, dataset, tempDir } from '../helpers';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { prepare } from '../../src/engine/prepare';
import { DEFAULT_TRAIN_OPTIONS } from '../../src/protocol/engine';
import { writeAgNewsParquet } from '../fixtures/parquetFixtures';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/label-lens.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function readAll(path: string): Promise<Record<string, unknown>[]> {
  const buf = readFileSync(path);
  return parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer, compressors });
}

const ROWS = 2000;

for (const codec of ['SNAPPY', 'ZSTD', 'GZIP'] as const) {
  test(`Parquet (${codec}): opened with roles as in CSV, relabeled by the CLI, every other column and row group read back unchanged`, async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'ag_news.parquet');
    writeAgNewsParquet(file, { rows: ROWS, codec, rowGroupSize: 500 });
    const before = await readAll(file);
    const metaBefore = parquetMetadata(readFileSync(file).buffer as ArrayBuffer);

    const ds = openDataset(file);
    assert.equal(ds.rowCount, ROWS);
    assert.deepEqual(ds.table.header, ['id', 'text', 'label', 'score', 'meta.source', 'meta.words', 'emb']);
    assert.equal(ds.table.header[ds.roles.text!], 'text');
    assert.equal(ds.table.header[ds.roles.label!], 'label');
    assert.equal(ds.table.header[ds.roles.id!], 'id');
    assert.deepEqual(ds.classes, ['Business', 'Sci/Tech', 'Sports', 'World']);
    // Rows of the last row group decode as those of the first (row group, offset addressing).
    assert.equal(ds.table.cell(1999, ds.roles.text!), before[1999].text);
    assert.equal(ds.table.cell(1200, 4), (before[1200].meta as { source: string }).source);

    // Three relabels through the CLI (the same write path as the editor's Save).
    const picks = [3, 777, 1999];
    const to = picks.map((i) => (before[i].label === 'World' ? 'Sports' : 'World'));
    const edits = join(dir, 'edits.jsonl');
    writeFileSync(edits, picks.map((i, k) => JSON.stringify({ id: String(before[i].id), to: to[k], reason: 'test' })).join('\n') + '\n');
    const r = cli('apply', file, '--edits', edits);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /3 relabeled/);

    const after = await readAll(file);
    assert.equal(after.length, ROWS);
    for (let i = 0; i < ROWS; i++) {
      const k = picks.indexOf(i);
      assert.equal(after[i].label, k >= 0 ? to[k] : before[i].label, `label of row ${i}`);
      for (const col of ['id', 'text', 'score', 'meta', 'emb']) assert.deepEqual(after[i][col], before[i][col], `row ${i}, column ${col}`);
    }
    const metaAfter = parquetMetadata(readFileSync(file).buffer as ArrayBuffer);
    assert.deepEqual(metaAfter.row_groups.map((g) => g.num_rows), metaBefore.row_groups.map((g) => g.num_rows), 'row groups kept');
    assert.deepEqual(metaAfter.schema, metaBefore.schema, 'schema kept');
    assert.ok(metaAfter.row_groups.every((g) => g.columns.filter((c) => c.meta_data!.path_in_schema[0] !== 'label').every((c, k) => c.meta_data!.codec === metaBefore.row_groups[0].columns.filter((x) => x.meta_data!.path_in_schema[0] !== 'label')[k].meta_data!.codec)));
    assert.deepEqual(metaAfter.row_groups.map((g) => g.columns.find((c) => c.meta_data!.path_in_schema[0] === 'label')!.meta_data!.codec), metaBefore.row_groups.map(() => codec), 'the label column keeps its codec');
    assert.ok(existsSync(originalCopyPath(file)), 'the original is kept');
    const journal = readJournal(file).filter((e) => e.status === 'committed');
    assert.deepEqual(journal.map((j) => [j.id, j.old, j.new]), picks.map((i, k) => [String(before[i].id), before[i].label, to[k]]));

    // Undo through the review state (as the editor's undo + save does): the labels are back.
    const state = new DocumentState(file);
    const row = state.dataset.rowOf(String(before[777].id))!;
    state.apply(state.change('undo', [row], (_, s) => ({ ...s, label: before[777].label as string })));
    state.save('test', 'editor');
    assert.equal((await readAll(file))[777].label, before[777].label);
  });
}

test('zstdStored: a frame the zstd tool decodes back to the input (empty, one block, several blocks)', () => {
  for (const n of [0, 1000, 300_000]) {
    const input = Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) % 251));
    const r = spawnSync('zstd', ['-d', '-q', '-c'], { input: zstdStored(input) });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.ok(Buffer.compare(r.stdout, input) === 0, `${n} bytes`);
  }
});

test('Parquet: one large row group: the first rows come from a partial decode, later rows from the whole group, both as written', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'big.parquet');
  const cols = writeAgNewsParquet(file, { rows: 20_000, codec: 'SNAPPY', rowGroupSize: 20_000, extra: false });
  const ds = openDataset(file);
  const text = ds.roles.text!;
  for (const i of [0, 1, 4095, 9000, 19_999]) assert.equal(ds.table.cell(i, text), cols.text[i], `row ${i}`);
  assert.equal(ds.labelName(19_999), cols.label[19_999]);
});

test('Parquet: analyze runs on a Parquet file (text model on the text column), and the suspects name its ids', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'ag.parquet');
  writeAgNewsParquet(file, { rows: 1200, codec: 'SNAPPY', rowGroupSize: 400, extra: false });
  const r = cli('analyze', file, '--folds', '3', '--epochs', '3', '--repeats', '1', '--out', join(dir, 'out'), '--quiet');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as Summary;
  assert.equal(s.rows, 1200);
  assert.equal(s.dataKind, 'text');
  assert.ok(s.oofAccuracy > 0.5, `a text model on ag_news learns something (accuracy ${s.oofAccuracy})`);
  assert.ok(s.topSuspects.every((x) => /^\d+$/.test(x.id) && Number(x.id) < 1200));
});

test('Parquet: a list-of-floats column (MNIST pixels as one vector per row) is the embedding, as such a column of a CSV is', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'vec.parquet');
  const mnist = openDataset(dataset('mnist_test_labelerrors'));
  const rows = 300;
  const px = mnist.roles.pixels!.columns;
  const emb: number[][] = [];
  const label: string[] = [];
  for (let i = 0; i < rows; i++) { const cells = mnist.textTable.row(i); emb.push(px.map((c) => Number(cells[c]) / 255)); label.push(mnist.labelName(i)); }
  writeFileSync(file, new Uint8Array(parquetWriteBuffer({
    schema: [
      { name: 'root', num_children: 2 },
      { name: 'label', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'emb', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
    ],
    columnData: [{ name: 'label', data: label }, { name: 'emb', data: emb }],
    rowGroupSize: 100,
  })));
  const ds = openDataset(file);
  assert.equal(ds.kind, 'embedding');
  assert.equal(ds.table.header[ds.roles.embedding!], 'emb');
  assert.match(ds.roles.why.embedding, /"emb" holds vectors of 784 numbers/);
  const prep = prepare(ds, { ...DEFAULT_TRAIN_OPTIONS, workers: 1 });
  assert.equal(prep.base.dense!.dim, 784);
  // Row 250 (third row group): its standardized features follow the pixels (ink above the mean → positive).
  const x = prep.base.dense!.x.subarray(250 * 784, 251 * 784);
  const inked = emb[250].map((v, d) => [v, d] as const).filter(([v]) => v > 0.9).map(([, d]) => d);
  assert.ok(inked.length > 20 && inked.every((d) => x[d] > 0), 'ink pixels standardize above zero');
});

test('Parquet: an unknown codec and a truncated file are refused, naming the file and what was expected', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'ok.parquet');
  writeAgNewsParquet(file, { rows: 100, codec: 'SNAPPY', rowGroupSize: 50, extra: false });
  const bytes = readFileSync(file);
  // The codec enum of the first column chunk, rewritten in the footer to a value no codec has.
  const pf = new ParquetFile(file, bytes);
  const md = pf.metadata.row_groups[0].columns[0].meta_data!;
  assert.equal(md.codec, 'SNAPPY');
  const truncated = join(dir, 'cut.parquet');
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 20));
  assert.throws(() => openDataset(truncated), (e: unknown) => e instanceof UserError && /cut\.parquet: not a Parquet file|footer cannot be read/.test(e.message));
  const r = cli('inspect', truncated);
  assert.equal(r.code, 1);
  assert.match(r.err, /cut\.parquet/);
  // CompressionCodec SNAPPY is enum 1 in the footer's thrift; flip it to 42 in the column's meta.
  const footerLen = bytes.readUInt32LE(bytes.length - 8);
  const footer = Buffer.from(bytes.subarray(bytes.length - 8 - footerLen, bytes.length - 8));
  const patched = Buffer.from(bytes);
  // field 4 (codec) of ColumnMetaData follows path_in_schema ("id"): header byte 0x15, then zigzag(1) = 0x02.
  const at = footer.indexOf(Buffer.from([0x02, 0x69, 0x64, 0x15, 0x02]));
  assert.ok(at > 0, 'found the codec of column id in the footer');
  patched[bytes.length - 8 - footerLen + at + 4] = 0x54; // zigzag(42)
  const bad = join(dir, 'bad.parquet');
  writeFileSync(bad, patched);
  assert.throws(() => openDataset(bad), (e: unknown) => e instanceof UserError && /bad\.parquet: column id is compressed with an unknown codec.*expected UNCOMPRESSED, SNAPPY, GZIP, ZSTD/.test(e.message));
});
