/**
 * Opening a large file in two stages, as the editor does: the table and roles first (the first rows
 * shown from them, reading a fraction of the file), then every row's id and label a chunk at a time
 * with the event loop free between chunks; the dataset that comes out is the one an at-once open
 * gives (classes, labels, ids, the problems it reports, in order), and the first screen shown before
 * is the review's first page after. On ag_news rows written as Parquet and as CSV.
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs, { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { openInStages } from '../../src/core/labels/documentState';
import { ParquetFile } from '../../src/core/formats/parquetFile';
import { ReviewQueries } from '../../src/core/reviewQueries';
import { loadDataset, openDataset, openTableWithRoles, type Dataset } from '../../src/core/table/dataset';
import type { PageQuery } from '../../src/protocol/webview';
import { dataset, tempDir } from '../helpers';
import { writeAgNewsParquet } from '../fixtures/parquetFixtures';

const FIRST: PageQuery = { offset: 0, limit: 50, sort: 'row', descending: false, filter: {}, snapshot: 0 };

function sameDataset(a: Dataset, b: Dataset): void {
  assert.deepEqual(a.classes, b.classes);
  assert.deepEqual(a.counts, b.counts);
  assert.ok(Buffer.from(a.labels.buffer).equals(Buffer.from(b.labels.buffer)), 'every row has the same class');
  assert.equal(a.unlabeled, b.unlabeled);
  assert.equal(a.skipped, b.skipped);
  for (let i = 0; i < a.rowCount; i += 997) assert.equal(a.rowKey(i), b.rowKey(i), `key of row ${i}`);
  assert.deepEqual(a.problems.map((p) => [p.code, p.line, p.message]), b.problems.map((p) => [p.code, p.line, p.message]), 'the same problems, in the same order');
}

test('Parquet, 120k rows: the first screen reads a fraction of the file; ids and labels load in chunks with the event loop free; the result is the at-once open', async (t) => {
  const file = join(tempDir(t), 'ag.parquet');
  const rows = 120_000;
  writeAgNewsParquet(file, { rows, codec: 'SNAPPY', rowGroupSize: 20_000, extra: false });
  const size = statSync(file).size;

  // Stage 1, with every byte read from disk counted.
  const reads: [number, number][] = [];
  const readSync = fs.readSync as (...a: unknown[]) => number;
  // readSync(fd, buffer, offset, length, position), as fileSource calls it.
  const spy = mock.method(fs, 'readSync', (...args: unknown[]) => {
    const n = readSync(...args);
    reads.push([Number(args[4]), n]);
    return n;
  });
  let stages: ReturnType<typeof openInStages>;
  let first;
  try {
    stages = openInStages(file);
    first = ReviewQueries.openingPage(stages.opened, FIRST)!;
  } finally {
    spy.mock.restore();
  }
  // Every read falls in the first row group or the footer: no id or label of a later row group.
  const meta = stages.opened.table instanceof ParquetFile ? stages.opened.table.metadata : assert.fail('a Parquet table');
  const firstGroupEnd = Math.min(...meta.row_groups[1].columns.map((c) => Number(c.meta_data!.dictionary_page_offset ?? c.meta_data!.data_page_offset)));
  const footer = size - 8 - readFileSync(file).readUInt32LE(size - 8);
  assert.ok(reads.length > 0, 'the spy saw the reads');
  const outside = reads.filter(([at, n]) => at + n > firstGroupEnd && at < footer);
  assert.deepEqual(outside, [], 'nothing past the first row group is read for the first screen');
  const bytes = reads.reduce((s, [, n]) => s + n, 0);
  assert.ok(bytes < size / 10, `the first screen read ${bytes} of ${size} bytes`);
  assert.equal(first.total, rows);
  const head = await parquetReadObjects({ file: readFileSync(file).buffer as ArrayBuffer, compressors, rowEnd: 50 });
  assert.deepEqual(first.rows.map((r) => [r.id, r.given, r.text]), head.map((r) => [String(r.id), r.label, String(r.text).length > 240 ? `${String(r.text).slice(0, 240)}…` : r.text]));
  // Another query (a filter) is not answered from the table: it waits for the dataset.
  assert.equal(ReviewQueries.openingPage(stages.opened, { ...FIRST, filter: { given: 'World' } }), undefined);
  // A later page in file order is: the rows of row group 4, decoded on demand.
  const later = ReviewQueries.openingPage(stages.opened, { ...FIRST, offset: 90_000, limit: 3 })!;
  assert.deepEqual(later.rows.map((r) => r.id), ['90000', '90001', '90002']);

  // Stage 2: chunks, progress up to the end, and the event loop runs between chunks.
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 0);
  const seen: number[] = [];
  let total = 0;
  const state = await stages.complete({ progress: (done, all) => { seen.push(done); total = all; } });
  clearInterval(timer);
  assert.equal(total, 2 * rows, 'rows read, then indexed by id');
  assert.ok(seen.length >= 4 && seen.every((d, i) => i === 0 || d > seen[i - 1]), `progress rises chunk by chunk (${seen.join(', ')})`);
  assert.ok(ticks >= 3, `timers ran while it loaded (${ticks})`);

  sameDataset(state.dataset, openDataset(file));
  // The first screen is the review's first page once loaded.
  const page = new ReviewQueries(state).page(FIRST);
  assert.deepEqual(page.rows.map((r) => [r.row, r.id, r.line, r.given, r.text, r.damaged]), first.rows.map((r) => [r.row, r.id, r.line, r.given, r.text, r.damaged]));
  assert.equal(state.dataset.rowOf('119999'), 119_999);
});

test('CSV with repeated and blank ids: the chunked load reports them as the at-once open does, and refuses the ambiguous id', async (t) => {
  const src = openDataset(dataset('ag_news_test'));
  const n = 7600;
  const lines = ['id,text,label'];
  for (let i = 0; i < n; i++) {
    // Every 1000th row repeats id 5; rows 3000 and 6000 have no id.
    const id = i % 1000 === 999 ? '5' : i === 3000 || i === 6000 ? '' : String(i);
    lines.push(`${id},"${src.table.cell(i, src.roles.text!).replace(/"/g, '""')}",${src.labelName(i)}`);
  }
  const file = join(tempDir(t), 'ids.csv');
  // Three copies: above the 50k-row chunk, so the load takes several steps.
  writeFileSync(file, [lines[0], ...lines.slice(1), ...lines.slice(1).map((l) => `x${l}`), ...lines.slice(1).map((l) => `y${l}`)].join('\n') + '\n');
  const staged = await loadDataset(openTableWithRoles(file));
  const atOnce = openDataset(file);
  sameDataset(staged, atOnce);
  assert.ok(staged.problems.some((p) => p.code === 'duplicate-id' && /id "5" is used on lines 7, 1001/.test(p.message)));
  assert.ok(staged.problems.some((p) => p.code === 'blank-id'));
  assert.equal(staged.rowsOf('5').length, 8, 'id 5 and its seven repeats');
  assert.equal(staged.rowOf('5'), undefined, 'an ambiguous id names no row');
  assert.equal(staged.rowOf('x17'), 7600 + 17);
});

test('the chunked load stops when asked (AbortSignal), between chunks', async (t) => {
  const file = join(tempDir(t), 'ag.parquet');
  writeAgNewsParquet(file, { rows: 60_000, codec: 'SNAPPY', rowGroupSize: 30_000, extra: false });
  const stop = new AbortController();
  const load = loadDataset(openTableWithRoles(file), { signal: stop.signal, progress: () => stop.abort() });
  await assert.rejects(load, (e: Error) => e.name === 'AbortError');
});
