/**
 * A table large enough to train on the fold workers (MNIST pooled to 7×7, 5,000 rows: rows² × dim
 * above the in-process limit), through the built engine: its C search runs on the workers (each C
 * of the grid on its own) and its five folds on three lanes; the choice, the held-out losses and
 * every row's suspicion are the ones the same phases give in one thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import type { Summary } from '../../src/core/results';
import { readArrays } from '../../src/core/results';
import { duplicates, featurize, foldLanes, load, score, trainFolds, tune } from '../../src/engine/phases';
import { inProcessRunners, trainsInProcess } from '../../src/engine/foldPool';
import { runAnalyze } from '../../src/engine/job';
import { ROOT, pooledMnist, tempDir } from '../helpers';

test('tabular on fold workers: the C search and the folds give what one thread gives', async (t) => {
  const dir = tempDir(t);
  const m = pooledMnist(5000);
  const file = join(dir, 'digits.csv');
  writeFileSync(file, ['id,' + m.rows[0].map((_, j) => `f${j}`).join(',') + ',label', ...m.rows.map((r, i) => `${i},${r.join(',')},d${m.labels[i]}`)].join('\n') + '\n');

  const l = load({ file }, { workers: 2, map: 'none' }, false);
  const { prep } = await featurize(l);
  duplicates(l, prep);
  assert.equal(prep.kind, 'tabular');
  assert.equal(trainsInProcess('tabular', prep.base), false, 'a table that trains on workers');
  assert.equal(foldLanes(prep), 3, 'five folds on two workers: three lanes');
  const want = tune(prep);
  const local = inProcessRunners('tabular', () => {});
  const cv = await trainFolds(prep, local.run);
  const scores = score(prep, cv);

  const c = new EngineClient({ enginePath: join(ROOT, 'dist/engine.js') });
  const messages: string[] = [];
  try {
    const res = await c.run({ type: 'analyze', dataset: { file }, options: { workers: 2, map: 'none' }, outDir: join(dir, 'out') }, (p) => messages.push(p.message)).done;
    const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
    const arrays = readArrays(res.arraysPath, summary.arrays);
    assert.ok(want && messages.includes(want), `the engine reports the same C and losses: ${want}`);
    assert.deepEqual(arrays.suspicion, scores.suspicion);
  } finally {
    c.dispose();
  }
});

/**
 * A table that trains in the engine's thread (pooled MNIST, 1,500 rows): through the built engine its
 * outlier scores run on the warm worker from the start of the duplicates phase, and a C-search fit or
 * fold goes to that worker whenever this thread is busy with another. Every array the engine writes
 * (suspicion, EMA, history, outliers) is the one the whole job gives in one thread.
 */
test('tabular in the engine thread, with its warm worker: the same results as one thread', async (t) => {
  const dir = tempDir(t);
  const m = pooledMnist(1500);
  const file = join(dir, 'digits.csv');
  writeFileSync(file, ['id,' + m.rows[0].map((_, j) => `f${j}`).join(',') + ',label', ...m.rows.map((r, i) => `${i},${r.join(',')},d${m.labels[i]}`)].join('\n') + '\n');
  const l = load({ file }, { workers: 2, map: 'none' }, false);
  const { prep } = await featurize(l);
  assert.equal(trainsInProcess('tabular', prep.base), true, 'a table that trains in the engine thread');

  const one = await runAnalyze({ type: 'analyze', jobId: 'one', dataset: { file }, options: { workers: 2, map: 'none' }, outDir: join(dir, 'one') }, () => {}, () => false, inProcessRunners);
  const want = readArrays(one.arraysPath, one.summary.arrays);
  const c = new EngineClient({ enginePath: join(ROOT, 'dist/engine.js') });
  try {
    const res = await c.run({ type: 'analyze', dataset: { file }, options: { workers: 2, map: 'none' }, outDir: join(dir, 'out') }).done;
    const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
    const got = readArrays(res.arraysPath, summary.arrays);
    for (const k of ['suspicion', 'ema', 'student', 'history', 'outlier', 'outlierFlagged'] as const) assert.deepEqual(got[k], want[k], k);
    assert.ok(want.outlier && want.outlier.some((v) => v > 0), 'outlier scores were found');
  } finally {
    c.dispose();
  }
});
