import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateJoint, classThresholds, confidentClasses, confidentJoint, issuesPerClass } from '../../src/core/signals/confident';
import { scoreRows, consensusOf } from '../../src/core/signals/score';
import { averagePrecision, auroc, precisionAtK, classMetrics } from '../../src/core/signals/metrics';
import { reasonFor } from '../../src/core/signals/reason';

const f32 = (rows: number[][]) => Float32Array.from(rows.flat());
const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

test('per-class thresholds are the mean self-confidence of each class', () => {
  const p = f32([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]]);
  const t = classThresholds(p, Int32Array.from([0, 0, 1]), 2);
  close(t[0], 0.75);
  close(t[1], 0.8);
  assert.deepEqual([...confidentClasses(p, Int32Array.from([0, 0, 1]), 2, t)], [0, -1, 1]);
});

test('confident joint, calibration and issues per class (hand-checked)', () => {
  // 4 rows labeled 0, 2 labeled 1. Rows 2 and 3 (labeled 0) are confidently class 1.
  const y = Int32Array.from([0, 0, 0, 0, 1, 1]);
  const p = f32([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8], [0.3, 0.7], [0.1, 0.9]]);
  const t = classThresholds(p, y, 2); // t0 = (0.9+0.8+0.1+0.2)/4 = 0.5, t1 = 0.8
  close(t[0], 0.5);
  const conf = confidentClasses(p, y, 2, t); // [0, 0, 1, 1, -1, 1]
  assert.deepEqual([...conf], [0, 0, 1, 1, -1, 1]);
  const C = confidentJoint(y, conf, 2);
  assert.deepEqual([...C], [2, 2, 0, 1]);
  const cal = calibrateJoint(C, [4, 2], 2);
  assert.deepEqual([...cal], [2, 2, 0, 2]);
  assert.deepEqual([...issuesPerClass(cal, 2)], [2, 0]);
  // With the class sizes: fewer than half of a class is ever flagged (2 of 4 is half: 1).
  assert.deepEqual([...issuesPerClass(cal, 2, [4, 2])], [1, 0]);
  assert.deepEqual([...issuesPerClass(cal, 2, [5, 2])], [2, 0]);
});

test('scoreRows: documented suspicion formula, suggested label, flags', () => {
  const y = Int32Array.from([0, 0, 0, 0, 1, 1]);
  const p = f32([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8], [0.3, 0.7], [0.1, 0.9]]);
  const s = scoreRows({ K: 2, labels: y, student: p, piPasses: 0 }, 'blend');
  // Row 2: p_y = 0.1, margin = 0.1 − 0.9 = −0.8; s = ½(0.9) + ¼(1.8) = 0.9.
  close(s.suspicion[2], 0.9, 1e-6);
  close(s.margin[2], -0.8, 1e-6);
  assert.equal(s.suggested[2], 1);
  // Rows 2 and 3 look flipped, but that is half of class 0: fewer than half is flagged, the most suspicious.
  assert.deepEqual([...s.flagged], [0, 0, 1, 0, 0, 0]);
  // Ranking: the two flipped rows first.
  const order = [...s.suspicion.keys()].sort((a, b) => s.suspicion[b] - s.suspicion[a]);
  assert.deepEqual(order.slice(0, 2), [2, 3]);
  // Unlabeled rows get no score.
  const u = scoreRows({ K: 2, labels: Int32Array.from([-1, 0]), student: f32([[0.5, 0.5], [0.9, 0.1]]), piPasses: 0 });
  assert.ok(Number.isNaN(u.suspicion[0]));
});

test('consensus is the renormalized mean of the signals', () => {
  const c = consensusOf([f32([[1, 0]]), f32([[0, 1]]), f32([[0.5, 0.5]])], 2);
  close(c[0], 0.5);
  close(c[1], 0.5);
});

test('ranking metrics on hand-made cases', () => {
  close(averagePrecision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0]), (1 + 2 / 3) / 2);
  close(auroc([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0]), 0.75);
  close(auroc([0.5, 0.5], [1, 0]), 0.5);
  close(precisionAtK([0.9, 0.8, 0.7], [1, 0, 1], 2), 0.5);
  const m = classMetrics(Int32Array.from([0, 0, 1, 1]), Int32Array.from([0, 1, 1, 1]), 2);
  assert.deepEqual(m.matrix, [1, 1, 0, 2]);
  close(m.accuracy, 0.75);
  close(m.precision[1], 2 / 3);
  close(m.recall[0], 0.5);
});

test('the reason names the ensemble, the given label and the passes', () => {
  const r = reasonFor({ classes: ['体育', '财经'], given: 1, consensus: [0.91, 0.09], teacher: [0.88, 0.12], piDisagree: 5, piPasses: 5 });
  assert.equal(r, 'ensemble: 体育 0.91, given 财经 0.09; 5/5 stochastic passes disagree; mean teacher: 体育 0.88');
  assert.match(reasonFor({ classes: ['a', 'b'], given: 0, consensus: [0.7, 0.3], piPasses: 0 }), /^ensemble agrees: a 0.70 \(next b 0.30\)$/);
});

test('odds ranking: q / (p_y + q) with q the strongest other class', () => {
  const y = Int32Array.from([0, 0, 1]);
  const s = scoreRows({ K: 3, labels: y, student: f32([[0.2, 0.6, 0.2], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]), piPasses: 0 }, 'odds');
  assert.equal(s.ranking, 'odds');
  close(s.suspicion[0], 0.6 / 0.8);
  close(s.suspicion[1], 0.2 / 0.9);
  close(s.suspicion[2], 0.8 / 0.9);
  // The score is a function of the probabilities alone: Π-model disagreement does not move it.
  const withPi = scoreRows({ K: 3, labels: y, student: f32([[0.2, 0.6, 0.2], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]), piDisagree: Uint8Array.from([5, 0, 3]), piPasses: 5 }, 'odds');
  assert.deepEqual(withPi.suspicion, s.suspicion);
  assert.equal(s.suggested[2], 2);
});
