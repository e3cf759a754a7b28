/**
 * A text file through the built engine, where the folds train on two workers, naive Bayes and the
 * consensus run in the engine's thread beside the outlier scores on a worker (the score phase's
 * two halves at once), against the same phases run one after another in one thread: every row's
 * suspicion, flag, consensus and outlier score are the same, bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import type { Summary } from '../../src/core/results';
import { readArrays } from '../../src/core/results';
import { duplicates, featurize, load, score, trainFolds } from '../../src/engine/phases';
import { inProcessRunners } from '../../src/engine/foldPool';
import { representationFor } from '../../src/engine/representation';
import { findOutliers } from '../../src/engine/findings';
import { ROOT, dataset, tempDir } from '../helpers';

test('text on fold workers: folds, naive Bayes and outliers give what one thread gives', async (t) => {
  const dir = tempDir(t);
  const file = dataset('sms_spam');
  const l = load({ file }, { workers: 2, map: 'none' }, false);
  const { prep } = await featurize(l);
  duplicates(l, prep);
  assert.equal(prep.kind, 'text');
  assert.ok(prep.base.options.repeats * prep.base.options.folds > 2, 'more folds than workers');
  const cv = await trainFolds(prep, inProcessRunners('text', () => {}).run);
  const rep = representationFor(prep.kind, prep.base, cv.representation, l.ds.rowCount);
  const scores = score(prep, cv);
  const outliers = findOutliers(rep, prep.base.options.seed);

  const c = new EngineClient({ enginePath: join(ROOT, 'dist/engine.js') });
  try {
    const res = await c.run({ type: 'analyze', dataset: { file }, options: { workers: 2, map: 'none' }, outDir: join(dir, 'out') }).done;
    const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
    const arrays = readArrays(res.arraysPath, summary.arrays);
    assert.match(summary.model ?? '', /fasttext/);
    assert.deepEqual(arrays.suspicion, scores.suspicion);
    assert.deepEqual(arrays.consensus, scores.consensus);
    assert.deepEqual(arrays.flagged, Float32Array.from(scores.flagged));
    assert.deepEqual(arrays.outlier, outliers.score);
    assert.deepEqual(arrays.outlierFlagged, Float32Array.from(outliers.flagged));
    assert.ok(outliers.flagged.some((f) => f === 1), 'some rows are outliers');
  } finally {
    c.dispose();
  }
});
