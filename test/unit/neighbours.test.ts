/**
 * The pruned neighbour searches (engine/neighbours cosineKnn, models/knn) against the plain loops
 * they replaced (test/fixtures/referenceNeighbours), on real rows: MNIST digits pooled to 7×7, as
 * given (non-negative: many close pairs) and standardised (as tabular features reach the models).
 * Pruning skips a pair only when it cannot enter the top k, so neighbours, their order and their
 * similarities must be the same, bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cosineKnn, cosineKnnAmong, sampleRows, unitRows } from '../../src/engine/neighbours';
import { KnnModel } from '../../src/engine/models/knn';
import { denseDuplicates } from '../../src/engine/duplicates';
import { UnionFind, groupsOf } from '../../src/core/duplicates/groups';
import { pooledMnist } from '../helpers';
import { plainCosineKnn, plainEuclideanKnn } from '../fixtures/referenceNeighbours';

const N = 1500, D = 49;
const mnist = pooledMnist(N);
const raw = Float32Array.from(mnist.rows.flat());
const labels = Int32Array.from(mnist.labels);

function standardised(x: Float32Array): Float32Array {
  const out = Float32Array.from(x);
  for (let d = 0; d < D; d++) {
    let m = 0, v = 0;
    for (let i = 0; i < N; i++) m += out[i * D + d] / N;
    for (let i = 0; i < N; i++) v += (out[i * D + d] - m) ** 2 / N;
    const sd = Math.sqrt(v) || 1;
    for (let i = 0; i < N; i++) out[i * D + d] = (out[i * D + d] - m) / sd;
  }
  return out;
}
const std = standardised(raw);
const all = Int32Array.from({ length: N }, (_, i) => i);

test('cosine k-NN: the pruned search finds exactly the plain search\'s neighbours and similarities (all rows, and a sampled reference)', () => {
  for (const x of [unitRows(raw, D), unitRows(std, D)]) {
    for (const [k, reference] of [[5, all], [10, sampleRows(N, 400, 3)]] as const) {
      const got = cosineKnn(x, D, { k, reference });
      const want = plainCosineKnn(x, D, k, all, reference);
      assert.deepEqual(got.index, want.index);
      assert.deepEqual(got.similarity, want.similarity);
    }
  }
});

test('cosine k-NN of some queries among an odd number of reference rows (a short last block of each): the plain search\'s neighbours', () => {
  const queries = sampleRows(N, 301, 7);
  const reference = sampleRows(N, 999, 8);
  for (const x of [unitRows(raw, D), unitRows(std, D)]) {
    const got = cosineKnn(x, D, { k: 10, queries, reference });
    const want = plainCosineKnn(x, D, 10, queries, reference);
    assert.deepEqual(got.index, want.index);
    assert.deepEqual(got.similarity, want.similarity);
  }
});

test('cosine k-NN with a floor: the plain neighbours at or above it, and nothing below', () => {
  const x = unitRows(raw, D);
  const floor = 0.94;
  const got = cosineKnn(x, D, { k: 5, minSimilarity: floor });
  const want = plainCosineKnn(x, D, 5, all, all);
  let above = 0, below = 0;
  for (let i = 0; i < want.index.length; i++) {
    // The plain search's double-precision similarity is stored as float32: the floor applies before that.
    if (want.similarity[i] > floor) { above++; assert.equal(got.index[i], want.index[i]); assert.equal(got.similarity[i], want.similarity[i]); }
    else if (want.similarity[i] < floor) { below++; assert.equal(got.index[i], -1); }
  }
  assert.ok(above > 1000 && below > 1000, `a floor that cuts: ${above} neighbours above, ${below} below`);
});

test('cosine k-NN among the same rows, each pair scored once: the plain neighbours at or above the floor', () => {
  for (const [x, floor] of [[unitRows(raw, D), 0.94], [unitRows(std, D), 0.5], [unitRows(std, D), -Infinity]] as const) {
    // A subset in shuffled order, as the duplicates search passes one row per exact group.
    const rows = Int32Array.from(sampleRows(N, 1100, 5)).reverse();
    const got = cosineKnnAmong(x, D, rows, 5, floor);
    const want = plainCosineKnn(x, D, 5, rows, rows);
    let kept = 0;
    for (let i = 0; i < want.index.length; i++) {
      if (want.similarity[i] > floor) { kept++; assert.equal(got.index[i], want.index[i]); assert.equal(got.similarity[i], want.similarity[i]); }
      else if (want.similarity[i] < floor) assert.equal(got.index[i], -1);
    }
    assert.ok(kept > 500, `neighbours above the floor ${floor}: ${kept}`);
  }
});

test('near duplicates of real rows: the floor leaves the groups as the unfloored search made them', () => {
  const x = unitRows(raw, D);
  const found = denseDuplicates(raw, D, { jaccard: 0.5, cosine: 0.99, seed: 1 });
  // The groups from the plain search: each row's 5 nearest, united at cosine ≥ 0.99.
  const uf = new UnionFind(N);
  const want = plainCosineKnn(x, D, 5, all, all);
  for (let q = 0; q < N; q++) for (let j = 0; j < 5; j++) {
    const r = want.index[q * 5 + j];
    if (r < 0 || want.similarity[q * 5 + j] < 0.94) break;
    let s = 0;
    for (let d = 0; d < D; d++) s += x[q * D + d] * x[r * D + d];
    if (s >= 0.99 && uf.find(q) !== uf.find(r)) uf.union(q, r);
  }
  const plain = groupsOf(uf, new Uint8Array(N));
  assert.ok(plain.count >= 5, `real near copies among pooled digits: ${plain.count} groups`);
  assert.deepEqual(found.groups.group, plain.group);
});

test('k-NN label agreement: the blocked search gives the plain neighbours\' distribution, bit for bit', () => {
  const K = 10, k = 20;
  // 1,199 training rows and 299 held out: the blocked search's odd last training row and short last block of queries are exercised.
  const train = all.filter((i) => i % 5 !== 0 && i !== 1);
  const held = all.filter((i) => i % 5 === 0 && i !== 0);
  const targets = new Float32Array(train.length * K);
  train.forEach((r, j) => { targets[j * K + labels[r]] = 1; });
  for (const x of [raw, std]) {
    const m = new KnnModel({ dim: D, classes: K, k }, x);
    m.trainEpoch({ rows: train, order: train, targets, classOf: Int32Array.from(train, (r) => labels[r]), focalGamma: 0, consistencyWeight: 0, stepOffset: 0, totalSteps: 1 });
    const got = new Float32Array(held.length * K);
    m.predict(held, 'student', got);
    const nb = plainEuclideanKnn(x, D, k, held, train);
    const want = new Float32Array(held.length * K);
    for (let i = 0; i < held.length; i++) {
      const o = i * K;
      for (let c = 0; c < K; c++) want[o + c] = 1;
      let total = K;
      for (let a = 0; a < k; a++) { const j = nb[i * k + a]; const w = 1 / (1 + a); for (let c = 0; c < K; c++) want[o + c] += w * targets[j * K + c] * k; total += w * k; }
      for (let c = 0; c < K; c++) want[o + c] /= total;
    }
    assert.deepEqual(got, want);
  }
});
