/**
 * The write phase streams arrays.bin and rows.csv into their temp files (a million rows never
 * built whole in memory): the bytes must be exactly the ones the in-memory packing and the one-string
 * rows.csv make, piece boundaries included, and a write that fails midway must leave the folder's
 * last complete results as they were, with no temp file behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, featurize, duplicates, trainFolds, score } from '../../src/engine/phases';
import { inProcessRunners } from '../../src/engine/foldPool';
import { modelKindOf } from '../../src/engine/models/factories';
import { representationFor } from '../../src/engine/representation';
import { conflictRows, conflictsOf, findOutliers } from '../../src/engine/findings';
import { resultArraysOf, writeResults, type Trained } from '../../src/engine/writeResults';
import { arrayEntries, packArrays, resultFiles, writeArrays } from '../../src/core/results';
import { eachRowsCsvPiece, rowsCsv } from '../../src/core/report/rowsCsv';
import { writeResultFileStreamed } from '../../src/core/labels/writeProtocol';
import { dataset, tempDir } from '../helpers';

const ROWS = 1500;

/** A trained run on the head of sms_spam (it has exact and near copies, so the Int32 group arrays are in it). */
async function trainedRun(dir: string): Promise<Trained> {
  const lines = readFileSync(dataset('sms_spam'), 'utf8').split(/\r?\n/);
  const file = join(dir, 'sms.csv');
  writeFileSync(file, lines.slice(0, ROWS + 1).join('\n') + '\n');
  const l = load({ file }, { seed: 3, workers: 1, epochs: 2, piPasses: 2, map: 'none' }, false);
  const { prep } = await featurize(l);
  const dups = duplicates(l, prep);
  const { run } = inProcessRunners(modelKindOf(prep.kind), () => {});
  const cv = await trainFolds(prep, run);
  const scores = score(prep, cv);
  const conflicts = conflictsOf(dups.groups, prep.base.labels, l.ds.classes, scores.consensus, 'texts');
  const representation = representationFor(prep.kind, prep.base, cv.representation, l.ds.rowCount);
  return {
    ds: l.ds, cv, scores, options: prep.base.options, kind: prep.kind, softTargets: prep.softTargets, seconds: {},
    duplicates: dups, conflicts, conflict: conflictRows(dups.groups, conflicts), outliers: findOutliers(representation, 3), representation,
  };
}

test('streamed arrays.bin and rows.csv hold exactly the bytes of the in-memory write; a failure midway keeps the last results', async (t) => {
  const dir = tempDir(t);
  const tr = await trainedRun(dir);
  const arrays = resultArraysOf(tr);
  assert.ok(tr.duplicates!.groups.group.some((g) => g >= 0), 'the run has duplicate groups (Int32 arrays, converted a slice at a time)');
  assert.ok(!(arrays.duplicateGroup instanceof Float32Array) && !(arrays.flagged instanceof Float32Array), 'non-Float32 arrays are in the run');

  const outDir = join(dir, 'out');
  const said: string[] = [];
  const res = writeResults(outDir, 'analysis', tr, {}, (m) => said.push(m));
  // The write phase reports as it goes (1M rows: tens of seconds): arrays, rows.csv's rows, the summary.
  assert.deepEqual(said, ['arrays.bin written; rows.csv', `rows.csv: 100% of ${tr.ds.rowCount} rows`, 'summary']);
  const dims = { rows: tr.ds.rowCount, classes: tr.cv.K, epochs: tr.cv.epochs };
  const packed = packArrays(arrays, dims);
  assert.deepEqual(res.summary.arrays, packed.entries);
  assert.ok(readFileSync(res.arraysPath).equals(packed.buffer), 'arrays.bin = packArrays');
  // rows.csv in one piece is the old one-string build; the engine's file is made of 16k-row pieces.
  let whole = '';
  eachRowsCsvPiece(tr.ds, arrays, tr.cv.piPasses, (s) => { whole += s; }, Number.MAX_SAFE_INTEGER);
  const csv = readFileSync(res.rowsCsvPath, 'utf8');
  assert.equal(csv, whole);
  assert.equal(csv.split('\n').length, ROWS + 2, 'header, one line per row, final newline');

  // Piece boundaries anywhere (7 rows, 13 values a slice) change nothing.
  let small = '';
  eachRowsCsvPiece(tr.ds, arrays, tr.cv.piPasses, (s) => { small += s; }, 7);
  assert.equal(small, whole);
  assert.equal(rowsCsv(tr.ds, arrays, tr.cv.piPasses), whole);
  const parts: Uint8Array[] = [];
  writeArrays({ write: (b) => parts.push(Uint8Array.from(b)) }, arrays, arrayEntries(arrays, dims), 13);
  assert.ok(Buffer.concat(parts).equals(packed.buffer));

  // A failure in the middle of rows.csv (row 900's id cannot be read): the last results stay, no temp file.
  const files = resultFiles(outDir, 'analysis');
  const before = { csv: readFileSync(files.rowsCsv), summary: readFileSync(files.summary) };
  const rowId = tr.ds.rowId.bind(tr.ds);
  tr.ds.rowId = (i: number) => { if (i === 900) throw new Error('read error at row 900'); return rowId(i); };
  assert.throws(() => writeResults(outDir, 'analysis', tr), /read error at row 900/);
  tr.ds.rowId = rowId;
  assert.ok(readFileSync(files.rowsCsv).equals(before.csv), 'rows.csv unchanged');
  assert.ok(readFileSync(files.summary).equals(before.summary), 'summary unchanged (it is written last)');
  assert.deepEqual(readdirSync(outDir).filter((n) => n.endsWith('.tmp')), []);
});

test('writeResultFileStreamed: the file is replaced whole or not at all', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'arrays.bin');
  writeFileSync(path, 'old');
  const MB = new Uint8Array(1 << 20).fill(7);
  assert.throws(() => writeResultFileStreamed(path, (out) => { out.write(MB); out.write(MB); throw new Error('disk went away'); }), /disk went away/);
  assert.equal(readFileSync(path, 'utf8'), 'old');
  assert.deepEqual(readdirSync(dir), ['arrays.bin']);
  writeResultFileStreamed(path, (out) => { out.write(MB); out.write(MB.subarray(0, 5)); });
  const got = readFileSync(path);
  assert.equal(got.length, (1 << 20) + 5);
  assert.ok(got.every((b) => b === 7));
  assert.deepEqual(readdirSync(dir), ['arrays.bin']);
});

test('analyze drops the text features only after scoring: naive Bayes still joins the consensus', async (t) => {
  const { runAnalyze } = await import('../../src/engine/job');
  const { readRun } = await import('../../src/core/results');
  const dir = tempDir(t);
  const lines = readFileSync(dataset('sms_spam'), 'utf8').split(/\r?\n/);
  const file = join(dir, 'sms.csv');
  writeFileSync(file, lines.slice(0, 401).join('\n') + '\n');
  const consensus = async (naiveBayes: boolean) => {
    const outDir = join(dir, String(naiveBayes));
    await runAnalyze({ type: 'analyze', jobId: String(naiveBayes), dataset: { file }, options: { seed: 2, workers: 1, epochs: 2, map: 'none', naiveBayes }, outDir }, () => {}, () => false, inProcessRunners);
    return readRun(outDir, 'analysis')!.arrays.consensus;
  };
  const [on, off] = [await consensus(true), await consensus(false)];
  assert.notDeepEqual(on, off, 'naive Bayes changed the consensus');
});
