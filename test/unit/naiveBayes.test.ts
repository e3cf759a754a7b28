/**
 * Multinomial naive Bayes on the n-gram counts (engine/models/naiveBayes): its posterior against a
 * hand-computed case, out of fold exactly as a model fitted on the other folds alone, the
 * temperature the given labels choose, and, on real SMS with injected flips, a ranking that finds them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseTemperature, NaiveBayesCounts, naiveBayesLogJoints, naiveBayesPart } from '../../src/engine/models/naiveBayes';
import { DEFAULT_TEXT_FEATURES, hashTexts, type SparseRows } from '../../src/engine/featurize/text';
import { stratifiedFolds } from '../../src/engine/crossval';
import { averagePrecision } from '../../src/core/signals/metrics';
import { openDataset } from '../../src/core/table/dataset';
import { Random } from '../../src/core/random';
import { dataset } from '../helpers';

function sparse(rows: number[][], features: number): SparseRows {
  const indptr = new Uint32Array(rows.length + 1);
  rows.forEach((r, i) => { indptr[i + 1] = indptr[i] + r.length; });
  return { indptr, indices: Uint32Array.from(rows.flat()), rows: rows.length, buckets: features, features, bucket: Uint32Array.from({ length: features }, (_, f) => f) };
}

function oneHot(labels: number[], K: number): Float32Array {
  const t = new Float32Array(labels.length * K);
  labels.forEach((y, i) => { if (y >= 0) t[i * K + y] = 1; });
  return t;
}

const softmax = (z: ArrayLike<number>) => { const m = Math.max(...Array.from(z)); const e = Array.from(z, (v) => Math.exp(v - m)); const s = e.reduce((a, b) => a + b, 0); return e.map((v) => v / s); };

test('naive Bayes: the posterior of a row is the hand-computed one (Laplace smoothing over the whole vocabulary)', () => {
  // Class 0: rows [f0 f0 f1] and [f0 f2] → counts 3, 1, 1 (5 in all); class 1: [f1 f2 f2] and [f2] → 0, 1, 3 (4).
  // The unlabeled row [f0 f2], α = 1, V = 3, priors ½:
  //   p(0 | x) ∝ ½ · (3+1)/(5+3) · (1+1)/(5+3) = ½ · 4/8 · 2/8,   p(1 | x) ∝ ½ · (0+1)/(4+3) · (3+1)/(4+3) = ½ · 1/7 · 4/7.
  const x = sparse([[0, 0, 1], [0, 2], [1, 2, 2], [2], [0, 2]], 3);
  const labels = Int32Array.from([0, 0, 1, 1, -1]);
  const [L] = naiveBayesLogJoints({ text: x, classes: 2, labels, targets: oneHot([0, 0, 1, 1, -1], 2) }, [Int8Array.from([-1, -1, -1, -1, -1])], 1);
  const p = softmax(L.subarray(8, 10));
  const a = 0.5 * (4 / 8) * (2 / 8), b = 0.5 * (1 / 7) * (4 / 7);
  assert.ok(Math.abs(p[0] - a / (a + b)) < 1e-6, `p(0 | x) = ${p[0]}, expected ${a / (a + b)}`);
  // The log joint is shifted so that its largest value is 0 (class 0 here).
  assert.equal(L[8], 0);
  assert.ok(Math.abs(L[9] - Math.log(b / a)) < 1e-5);
});

test('naive Bayes: each fold is predicted by the counts of the other folds alone (excluded rows and soft targets as weights)', () => {
  const rng = new Random(3);
  const N = 60, V = 25, K = 3;
  const rows = Array.from({ length: N }, () => Array.from({ length: 1 + Math.floor(rng.next() * 8) }, () => Math.floor(rng.next() * V)));
  const x = sparse(rows, V);
  const labels = Int32Array.from({ length: N }, (_, i) => (i % 11 === 10 ? -1 : i % K));
  const targets = oneHot(Array.from(labels), K);
  // Row 4 has a soft target; rows 7 and 8 are left out of training.
  targets.set([0.2, 0.7, 0.1], 4 * K);
  const exclude = new Uint8Array(N); exclude[7] = 1; exclude[8] = 1;
  const foldOf = Int8Array.from(labels, (y, i) => (y < 0 ? -1 : i % 4));
  const [L] = naiveBayesLogJoints({ text: x, classes: K, labels, targets, exclude }, [foldOf], 0.5);
  for (let f = 0; f < 4; f++) {
    const alone = new NaiveBayesCounts(x, K, targets, 0.5);
    for (let i = 0; i < N; i++) if (labels[i] >= 0 && foldOf[i] !== f && !exclude[i]) alone.add(i, 1);
    const want = new Float32Array(K);
    for (let i = 0; i < N; i++) {
      if (foldOf[i] !== f) continue;
      alone.logJoint(i, want, 0);
      for (let k = 0; k < K; k++) assert.ok(Math.abs(L[i * K + k] - want[k]) < 1e-4, `row ${i} class ${k}: ${L[i * K + k]} vs ${want[k]}`);
    }
  }
  // Unlabeled rows: by the counts of every row trained on.
  const all = new NaiveBayesCounts(x, K, targets, 0.5);
  for (let i = 0; i < N; i++) if (labels[i] >= 0 && !exclude[i]) all.add(i, 1);
  const want = new Float32Array(K);
  all.logJoint(10, want, 0);
  for (let k = 0; k < K; k++) assert.ok(Math.abs(L[10 * K + k] - want[k]) < 1e-4);
});

test('naive Bayes: the temperature is the grid point with the lowest log-loss of the given labels', () => {
  // Overconfident log joints (a margin of 20 nats), right for 3 rows of 4: T = 1 costs the wrong row 20 nats.
  const K = 2;
  const L = Float32Array.from([0, -20, 0, -20, 0, -20, -20, 0]);
  const labels = Int32Array.from([0, 0, 0, 0]);
  const grid = [1, 4, 16, 64];
  const { T, losses } = chooseTemperature([L], labels, K, grid);
  const brute = grid.map((t) => {
    let s = 0;
    for (let i = 0; i < 4; i++) s -= Math.log(softmax([L[i * K] / t, L[i * K + 1] / t])[0]);
    return s / 4;
  });
  losses.forEach((l, g) => assert.ok(Math.abs(l - brute[g]) < 1e-4, `T = ${grid[g]}: ${l} vs ${brute[g]}`));
  assert.equal(T, grid[brute.indexOf(Math.min(...brute))]);
  assert.ok(T > 1);
});

test('naive Bayes on real SMS with 10% of labels flipped: out of fold it predicts the clean labels and ranks the flips first', () => {
  const ds = openDataset(dataset('sms_spam'));
  const N = 2000;
  const text = ds.roles.text!;
  const x = hashTexts((i) => ds.table.cell(i, text), N, DEFAULT_TEXT_FEATURES);
  const clean = ds.labels.subarray(0, N);
  const rng = new Random(11);
  const labels = Int32Array.from(clean);
  const flipped = new Uint8Array(N);
  for (let i = 0; i < N; i++) if (rng.next() < 0.1) { labels[i] = 1 - labels[i]; flipped[i] = 1; }
  const K = 2;
  const splits = [stratifiedFolds(labels, K, 5, 1)];
  const { probs, T } = naiveBayesPart({ text: x, classes: K, labels, targets: oneHot(Array.from(labels), K) }, splits);
  let correct = 0;
  for (let i = 0; i < N; i++) if ((probs[i * K + 1] > probs[i * K] ? 1 : 0) === clean[i]) correct++;
  assert.ok(correct / N > 0.93, `out-of-fold accuracy against the clean labels ${correct / N}`);
  const suspicion = Float32Array.from({ length: N }, (_, i) => 1 - probs[i * K + labels[i]]);
  const ap = averagePrecision(suspicion, flipped);
  assert.ok(ap > 0.85, `AP ${ap} (T = ${T})`);
  assert.ok(T > 1, `naive Bayes is overconfident: T = ${T}`);
});

test('naive Bayes joins the text consensus by default and --no-naive-bayes (naiveBayes: false) leaves it out', async () => {
  const { load, featurize, naiveBayesOf } = await import('../../src/engine/phases');
  const { DEFAULT_TRAIN_OPTIONS } = await import('../../src/protocol/engine');
  assert.equal(DEFAULT_TRAIN_OPTIONS.naiveBayes, true);
  const file = dataset('sms_spam');
  const on = (await featurize(load({ file }, { repeats: 2 }, false))).prep;
  const part = naiveBayesOf(on)!;
  assert.equal(part.length, on.base.labels.length * 2);
  for (let i = 0; i < 50; i++) assert.ok(Math.abs(part[2 * i] + part[2 * i + 1] - 1) < 1e-5);
  const off = (await featurize(load({ file }, { naiveBayes: false }, false))).prep;
  assert.equal(naiveBayesOf(off), undefined);
});

test('naive Bayes in a pruned pass leaves out the rows the first pass flagged, as its folds do', async () => {
  const { load, featurize, naiveBayesOf } = await import('../../src/engine/phases');
  const prep = (await featurize(load({ file: dataset('sms_spam') }, {}, false))).prep;
  const flagged = new Uint8Array(prep.base.labels.length);
  for (let i = 0; i < flagged.length; i += 7) flagged[i] = 1;
  const pruned = naiveBayesOf(prep, flagged)!;
  assert.notDeepEqual(pruned, naiveBayesOf(prep));
  // The same as a run whose own exclusions were those rows.
  const asBase = naiveBayesOf({ ...prep, base: { ...prep.base, exclude: flagged } })!;
  assert.deepEqual(pruned, asBase);
});
