/** Duplicates' labels as evidence after group-kept folds: hand-checked, and on sms_spam with the peer's 10% noise. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withDuplicateLabels, DUPLICATE_LABEL_WEIGHT } from '../../src/core/signals/duplicateLabels';
import { consensusOf, scoreConsensus } from '../../src/core/signals/score';
import { averagePrecision } from '../../src/core/signals/metrics';
import { openDataset } from '../../src/core/table/dataset';
import { Table } from '../../src/core/table/table';
import { prepare } from '../../src/engine/prepare';
import { duplicates, resolveOptions, trainFolds } from '../../src/engine/phases';
import { inProcessRunners } from '../../src/engine/foldPool';
import { dataset, SHARED } from '../helpers';

test('in a group whose labels conflict, each other copy\'s label counts as w of a vote; agreeing groups, rows outside groups and unlabeled rows are untouched', () => {
  const p = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.3, 0.7, 0.6, 0.4]);
  // Rows 0, 1, 2 are one group labelled 0, 1, 1; row 3 is alone.
  const out = withDuplicateLabels(p, Int32Array.from([0, 1, 1, 0]), Int32Array.from([5, 5, 5, -1]), 2, 0.5);
  // One label on every copy: no evidence (a copied decision), whatever the model says.
  assert.deepEqual([...withDuplicateLabels(p, Int32Array.from([1, 1, 1, 0]), Int32Array.from([5, 5, 5, -1]), 2, 0.5)], [...p]);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} ≉ ${b}`);
  close(out[0], (0.9 + 0) / 2); close(out[1], (0.1 + 0.5 * 2) / 2); // row 0's copies both say 1
  close(out[2], (0.2 + 0.5) / 2); close(out[3], (0.8 + 0.5) / 2); // row 1: one copy says 0, one says 1
  close(out[6], 0.6); close(out[7], 0.4);
  assert.equal(withDuplicateLabels(p, Int32Array.from([0, 1, 1, 0]), undefined, 2, 0.5), p);
  const unlabeled = withDuplicateLabels(p, Int32Array.from([0, -1, 1, 0]), Int32Array.from([5, 5, 5, -1]), 2, 0.5);
  close(unlabeled[2], 0.2); // an unlabeled member neither changes nor votes
  close(unlabeled[0], (0.9 + 0) / 1.5);
  // In place (the scoring's own fresh consensus): the same values, in the array given.
  const own = Float32Array.from(p);
  assert.equal(withDuplicateLabels(own, Int32Array.from([0, 1, 1, 0]), Int32Array.from([5, 5, 5, -1]), 2, 0.5, true), own);
  assert.deepEqual([...own], [...out]);
});

test('sms_spam with the peer\'s 10% noise: duplicate labels rank the flipped rows better than the grouped folds alone', async () => {
  const ds = openDataset(dataset('sms_spam'));
  const noise = new Table('noise.csv', readFileSync(join(SHARED, 'peer', 'noise', 'sms_spam-uniform10.csv')));
  const truth = new Uint8Array(ds.rowCount);
  const classIndex = new Map(ds.classes.map((c, k) => [c, k]));
  const labels = ds.labels;
  for (let i = 0; i < noise.rowCount; i++) {
    const [id, noisy, isError] = noise.row(i);
    if (isError === '1') { const r = ds.rowOf(id)!; truth[r] = 1; labels[r] = classIndex.get(noisy)!; }
  }
  const loaded = { ds, options: resolveOptions({ repeats: 1, epochs: 5, piPasses: 0, workers: 1 }) };
  const prep = prepare(ds, loaded.options);
  prep.base.labels.set(labels);
  for (let i = 0; i < ds.rowCount; i++) { prep.base.targets.fill(0, i * 2, i * 2 + 2); prep.base.targets[i * 2 + labels[i]] = 1; }
  duplicates(loaded, prep);
  assert.ok(prep.group, 'sms_spam has duplicate groups');
  const { run, close } = inProcessRunners('text', () => {});
  const cv = await trainFolds(prep, run);
  close();
  const p = consensusOf([cv.student, cv.ema], 2);
  const before = averagePrecision(scoreConsensus({ K: 2, labels: prep.base.labels }, p).suspicion, truth);
  const after = averagePrecision(scoreConsensus({ K: 2, labels: prep.base.labels }, withDuplicateLabels(p, prep.base.labels, prep.group, 2, DUPLICATE_LABEL_WEIGHT)).suspicion, truth);
  assert.ok(after > before, `AP ${before} → ${after}`);
});
