/**
 * The TypeScript models for tabular rows: logistic regression fitted by L-BFGS (checked at its
 * optimum on real pixels), k-NN label agreement (hand-checked), their average, and which rows get
 * which (small tables in the engine's thread, larger ones on workers, the MLP above the k-NN limit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinearModel } from '../../src/engine/models/linear';
import { KnnModel } from '../../src/engine/models/knn';
import { AverageModel } from '../../src/engine/models/average';
import { TABULAR, modelKindOf, tabularModelFactory, tabularModels } from '../../src/engine/models/factories';
import { C_GRID, SEARCH_TOLERANCE, chooseC } from '../../src/engine/models/regularization';
import { crossValidate } from '../../src/engine/crossval';
import { trainFold } from '../../src/engine/trainFold';
import { scoreRows } from '../../src/core/signals/score';
import { averagePrecision } from '../../src/core/signals/metrics';
import { Random } from '../../src/core/random';
import { trainsInProcess } from '../../src/engine/foldPool';
import type { TrainBatch } from '../../src/engine/models/types';
import type { FoldInput } from '../../src/engine/trainFold';
import { DEFAULT_TRAIN_OPTIONS } from '../../src/protocol/engine';
import { pooledMnist } from '../helpers';

function batch(rows: Int32Array, classOf: Int32Array, K: number): TrainBatch {
  const targets = new Float32Array(rows.length * K);
  classOf.forEach((c, j) => { targets[j * K + c] = 1; });
  return { rows, order: rows, targets, classOf, focalGamma: 0, consistencyWeight: 0, stepOffset: 0, totalSteps: 1 };
}

function mnistTable(n: number): { x: Float32Array; y: Int32Array; D: number } {
  const t = pooledMnist(n, (label) => label <= 1);
  const D = 49;
  const { x } = standardised(Float32Array.from(t.rows.flat()), n, D);
  return { x, y: Int32Array.from(t.labels), D };
}

test('logistic regression: L-BFGS reaches the optimum (the unpenalised bias has zero gradient) and generalises', () => {
  const { x, y, D } = mnistTable(400);
  const train = Int32Array.from({ length: 300 }, (_, i) => i);
  const held = Int32Array.from({ length: 100 }, (_, i) => 300 + i);
  const K = 2;
  const m = new LinearModel({ dim: D, classes: K, C: 1, iterations: 200, epochs: 4, memory: 10 }, x);
  const b = batch(train, y.subarray(0, 300), K);
  const losses = [0, 1, 2, 3].map(() => m.trainEpoch(b));
  for (let e = 1; e < 4; e++) assert.ok(losses[e] <= losses[e - 1], `loss went up: ${losses}`);
  // At the optimum of Σ CE + ½‖W‖²/C with the bias unpenalised, Σ_i (p_ik − t_ik) = 0 for each k.
  const p = new Float32Array(train.length * K);
  m.predict(train, 'student', p);
  for (let k = 0; k < K; k++) {
    let g = 0;
    for (let j = 0; j < train.length; j++) g += p[j * K + k] - (y[j] === k ? 1 : 0);
    assert.ok(Math.abs(g) < 1e-2, `bias gradient of class ${k}: ${g}`);
  }
  const q = new Float32Array(held.length * K);
  m.predict(held, 'student', q);
  let correct = 0;
  for (let i = 0; i < held.length; i++) if ((q[i * K + 1] > q[i * K] ? 1 : 0) === y[held[i]]) correct++;
  assert.ok(correct >= 95, `held-out accuracy ${correct}/100`);
});

test('k-NN: the rank-weighted class mix of the k nearest training rows, smoothed by one per class', () => {
  // 1-D points: class 0 at 0, 1, 2; class 1 at 10, 11, 12; the query rows at 0.5 and 10.4.
  const x = Float32Array.from([0, 1, 2, 10, 11, 12, 0.5, 10.4]);
  const m = new KnnModel({ dim: 1, classes: 2, k: 3 }, x);
  m.trainEpoch(batch(Int32Array.from([0, 1, 2, 3, 4, 5]), Int32Array.from([0, 0, 0, 1, 1, 1]), 2));
  const out = new Float32Array(4);
  m.predict(Int32Array.from([6, 7]), 'student', out);
  const w = 1 + 1 / 2 + 1 / 3;
  const expected = (1 + 3 * w) / (2 + 3 * w);
  assert.ok(Math.abs(out[0] - expected) < 1e-6 && Math.abs(out[3] - expected) < 1e-6, `${out}`);
  assert.ok(Math.abs(out[0] + out[1] - 1) < 1e-6);
});

test('the average of two models is the mean of their probabilities; its name joins theirs', async () => {
  const x = Float32Array.from([0, 1, 2, 10, 11, 12, 0.5]);
  const knn = new KnnModel({ dim: 1, classes: 2, k: 3 }, x);
  const lin = new LinearModel({ dim: 1, classes: 2, C: 1, iterations: 20, epochs: 1, memory: 5 }, x);
  const avg = new AverageModel([lin, knn]);
  await avg.trainEpoch(batch(Int32Array.from([0, 1, 2, 3, 4, 5]), Int32Array.from([0, 0, 0, 1, 1, 1]), 2));
  const a = new Float32Array(2), b = new Float32Array(2), both = new Float32Array(2);
  lin.predict([6], 'student', a);
  knn.predict([6], 'student', b);
  await avg.predict([6], 'student', both);
  assert.ok(Math.abs(both[0] - (a[0] + b[0]) / 2) < 1e-6);
  assert.equal(avg.name, 'logreg+knn');
});

test('which rows train where: small tables in the engine thread, k-NN up to its limit, then the MLP', () => {
  const input = (rows: number, dim: number) => ({ labels: new Int32Array(rows), dense: { x: new Float32Array(0), dim }, options: DEFAULT_TRAIN_OPTIONS }) as unknown as FoldInput;
  assert.equal(trainsInProcess('tabular', input(569, 30)), true);
  assert.equal(trainsInProcess('tabular', input(1797, 64)), true);
  assert.equal(trainsInProcess('tabular', input(5000, 64)), false);
  assert.equal(trainsInProcess('text', input(150, 0)), false);
  assert.equal(tabularModels(1797, 64), 'logreg+knn');
  assert.equal(tabularModels(Math.floor(Math.sqrt(TABULAR.knnMaxWork / 20)) + 1, 20), 'logreg+mlp');
  assert.equal(modelKindOf('tabular'), 'tabular');
  assert.equal(modelKindOf('embedding'), 'embedding');
  assert.equal(modelKindOf('pixels'), 'dense');
});

/** Pooled MNIST rows (standardised), 20% of labels flipped uniformly to another class (seeded). */
function noisyTable(n: number): { x: Float32Array; y: Int32Array; D: number; K: number; flipped: Uint8Array; targets: Float32Array } {
  const t = pooledMnist(n);
  const D = 49, K = 10;
  const { x } = standardised(Float32Array.from(t.rows.flat()), n, D);
  const rng = new Random(3);
  const y = Int32Array.from(t.labels);
  const flipped = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (rng.next() < 0.2) { flipped[i] = 1; y[i] = (y[i] + 1 + rng.int(K - 1)) % K; }
  const targets = new Float32Array(n * K);
  y.forEach((c, i) => { targets[i * K + c] = 1; });
  return { x, y, D, K, flipped, targets };
}

function standardised(x: Float32Array, n: number, D: number): { x: Float32Array } {
  for (let d = 0; d < D; d++) {
    let m = 0, v = 0;
    for (let i = 0; i < n; i++) m += x[i * D + d] / n;
    for (let i = 0; i < n; i++) v += (x[i * D + d] - m) ** 2 / n;
    const sd = Math.sqrt(v) || 1;
    for (let i = 0; i < n; i++) x[i * D + d] = (x[i * D + d] - m) / sd;
  }
  return { x };
}

test('C is chosen by the held-out log-loss of the given labels, the lowest of the grid; the ranking is no worse than C = 1', async () => {
  const n = 400;
  const { x, y, D, K, flipped, targets } = noisyTable(n);
  const held = (i: number) => i % 5 === 0;
  const choice = chooseC(x, D, K, y, targets, held, { iterations: TABULAR.iterations, memory: TABULAR.lbfgsMemory });
  assert.equal(choice.losses.length, C_GRID.length);
  // The loss of C = 1, computed here from a model fitted on the same rows.
  const train = Int32Array.from({ length: n }, (_, i) => i).filter((i) => !held(i));
  const test_ = Int32Array.from({ length: n }, (_, i) => i).filter(held);
  const m = new LinearModel({ dim: D, classes: K, C: 1, iterations: TABULAR.iterations, epochs: 1, memory: TABULAR.lbfgsMemory, tolerance: SEARCH_TOLERANCE }, x);
  m.trainEpoch(batch(train, Int32Array.from(train, (r) => y[r]), K));
  const p = new Float32Array(test_.length * K);
  m.predict(test_, 'student', p);
  const ll = -test_.reduce((s, r, i) => s + Math.log(p[i * K + y[r]] + 1e-12), 0) / test_.length;
  assert.ok(Math.abs(choice.losses[C_GRID.indexOf(1)] - ll) < 1e-9, `${choice.losses} vs ${ll}`);
  const best = Math.min(...choice.losses);
  assert.ok(choice.losses[C_GRID.indexOf(choice.C)] <= best * (1 + 1e-3), `chose ${choice.C}: ${choice.losses}`);
  // On 400 noisy rows the regularisation chosen is stronger than C = 1, and ranks the flips at least as well.
  assert.ok(choice.C < 1, `C ${choice.C}: ${choice.losses}`);
  const options = { ...DEFAULT_TRAIN_OPTIONS, workers: 1, epochs: 4, repeats: 1, piPasses: 2 };
  const ap = async (linearC: number) => {
    const cv = await crossValidate({ classes: K, labels: y, targets, options, dense: { x, dim: D }, linearC }, (input) => trainFold(input, tabularModelFactory), 1);
    return averagePrecision(scoreRows({ K, labels: y, student: cv.student, ema: cv.ema, piDisagree: cv.piDisagree, piPasses: cv.piPasses }).suspicion, flipped);
  };
  const [chosen, one] = [await ap(choice.C), await ap(1)];
  assert.ok(chosen >= one, `AP with C ${choice.C}: ${chosen}, with C = 1: ${one}`);
});

/**
 * The plain objective the blocked one (four rows at a time) must equal bit for bit: Σ_j cw·CE(row j)
 * scaled by C plus ½‖W‖², each logit summed bias first then d = 0…D−1, each gradient entry row by row.
 */
function plainObjective(x: Float32Array, D: number, K: number, C: number, w: Float64Array, b: TrainBatch, g: Float64Array): number {
  const stride = D + 1;
  g.fill(0);
  const z = new Float64Array(K);
  const gl = new Float32Array(K);
  const p = new Float32Array(K);
  let f = 0;
  for (let j = 0; j < b.rows.length; j++) {
    const o = b.rows[j] * D;
    let max = -Infinity;
    for (let k = 0; k < K; k++) { let v = w[k * stride + D]; for (let d = 0; d < D; d++) v += w[k * stride + d] * x[o + d]; z[k] = v; if (v > max) max = v; }
    let sum = 0;
    for (let k = 0; k < K; k++) { z[k] = Math.exp(z[k] - max); sum += z[k]; }
    const cw = b.classWeights ? b.classWeights[b.classOf[j]] : 1;
    for (let k = 0; k < K; k++) p[k] = z[k] / sum;
    if (b.focalGamma > 0) {
      const t = b.targets.subarray(j * K, j * K + K);
      let pt = 0;
      for (let k = 0; k < K; k++) pt += t[k] * p[k];
      const fw = cw * Math.pow(Math.max(0, 1 - pt), b.focalGamma);
      let loss = 0;
      for (let k = 0; k < K; k++) { gl[k] = fw * (p[k] - t[k]); if (t[k] > 0) loss -= t[k] * Math.log(p[k] + 1e-12); }
      f += fw * loss;
    } else {
      for (let k = 0; k < K; k++) { const pk = z[k] / sum, tk = b.targets[j * K + k]; if (tk > 0) f -= cw * tk * Math.log(pk + 1e-12); gl[k] = cw * (pk - tk); }
    }
    for (let k = 0; k < K; k++) { for (let d = 0; d < D; d++) g[k * stride + d] += gl[k] * x[o + d]; g[k * stride + D] += gl[k]; }
  }
  f *= C;
  for (let i = 0; i < g.length; i++) g[i] *= C;
  for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) { const i = k * stride + d; f += 0.5 * w[i] * w[i]; g[i] += w[i]; }
  return f;
}

test('logistic regression: the blocked objective and gradient are the plain loops\' bits (real digits, soft targets, class weights, focal)', () => {
  const t10 = noisyTable(403);
  // Ten classes and three (an odd last class goes alone in the blocked loops).
  for (const K of [10, 3]) checkObjective(t10.x, Int32Array.from(t10.y, (c) => c % K), t10.D, K);
});

function checkObjective(x: Float32Array, y: Int32Array, D: number, K: number): void {
  const targets = new Float32Array(y.length * K);
  y.forEach((c, i) => { targets[i * K + c] = 1; });
  // 323 training rows: not a multiple of the block (the tail rows go one by one), in shuffled order.
  const rows = Int32Array.from({ length: 403 }, (_, i) => i).filter((i) => i % 5 !== 0);
  new Random(9).shuffle(rows);
  const soft = new Float32Array(rows.length * K);
  rows.forEach((r, j) => { for (let k = 0; k < K; k++) soft[j * K + k] = 0.9 * targets[r * K + k] + 0.01; });
  const classOf = Int32Array.from(rows, (r) => y[r]);
  const base: TrainBatch = { rows, order: rows, targets: soft, classOf, focalGamma: 0, consistencyWeight: 0, stepOffset: 0, totalSteps: 1 };
  const variants: TrainBatch[] = [base, { ...base, classWeights: Float32Array.from({ length: K }, (_, k) => 0.5 + k / K) }, { ...base, focalGamma: 2 }];
  const rng = new Random(4);
  const w = Float64Array.from({ length: K * (D + 1) }, () => 0.3 * rng.normal());
  for (const [v, b] of variants.entries()) {
    const m = new LinearModel({ dim: D, classes: K, C: 0.3, iterations: 1, epochs: 1, memory: 5 }, x);
    const g = new Float64Array(w.length), ref = new Float64Array(w.length);
    const f = (m as unknown as { objective(w: Float64Array, b: TrainBatch, g: Float64Array): number }).objective(w, b, g);
    assert.equal(f, plainObjective(Float32Array.from(x), D, K, 0.3, w, b, ref), `K ${K}, variant ${v}: objective`);
    assert.deepEqual(g, ref, `K ${K}, variant ${v}: gradient`);
  }
}

test('the C search\'s fits stop early (SEARCH_TOLERANCE) and still choose the C that fits run to the end choose (real digits, 20% noise)', () => {
  const n = 600;
  const { x, y, D, K, targets } = noisyTable(n);
  const held = (i: number) => i % 5 === 0;
  const choice = chooseC(x, D, K, y, targets, held, { iterations: TABULAR.iterations, memory: TABULAR.lbfgsMemory });
  const train = Int32Array.from({ length: n }, (_, i) => i).filter((i) => !held(i));
  const test_ = Int32Array.from({ length: n }, (_, i) => i).filter(held);
  const full = C_GRID.map((C) => {
    const m = new LinearModel({ dim: D, classes: K, C, iterations: TABULAR.iterations, epochs: 1, memory: TABULAR.lbfgsMemory }, x);
    m.trainEpoch(batch(train, Int32Array.from(train, (r) => y[r]), K));
    const p = new Float32Array(test_.length * K);
    m.predict(test_, 'student', p);
    return -test_.reduce((s, r, i) => s + Math.log(p[i * K + y[r]] + 1e-12), 0) / test_.length;
  });
  assert.equal(choice.C, C_GRID[full.indexOf(Math.min(...full))], `early-stopped ${choice.losses}, full ${full}`);
  // Early: at least one fit stopped before its last iteration, so its loss differs from the full fit's.
  assert.ok(choice.losses.some((l, c) => l !== full[c]), 'no fit stopped early');
  for (let c = 0; c < C_GRID.length; c++) assert.ok(Math.abs(choice.losses[c] - full[c]) < 0.01 * full[c], `C ${C_GRID[c]}: ${choice.losses[c]} vs ${full[c]}`);
});
