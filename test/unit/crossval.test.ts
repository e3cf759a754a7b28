/** K-fold splits and repeats: every labeled row held out once per repeat, outputs averaged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossValidate, foldsOfRepeat, gatherFolds, stratifiedFolds } from '../../src/engine/crossval';
import { Random } from '../../src/core/random';
import { referenceGatherFolds } from '../fixtures/referenceGatherFolds';
import { DEFAULT_TRAIN_OPTIONS } from '../../src/protocol/engine';
import type { FoldInput, FoldOutput } from '../../src/engine/trainFold';

test('stratified folds spread every class evenly; repeat 0 is the plain split, repeat 1 another', () => {
  const labels = Int32Array.from({ length: 103 }, (_, i) => (i % 10 === 0 ? -1 : i % 3));
  const f = stratifiedFolds(labels, 3, 5, 7);
  for (let k = 0; k < 3; k++) {
    const sizes = [0, 0, 0, 0, 0];
    labels.forEach((y, i) => { if (y === k) sizes[f[i]]++; });
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `class ${k}: ${sizes}`);
  }
  labels.forEach((y, i) => assert.equal(f[i] === -1, y < 0));
  assert.deepEqual(foldsOfRepeat(labels, 3, 5, 7, 0), f);
  assert.notDeepEqual(foldsOfRepeat(labels, 3, 5, 7, 1), f);
});

test('repeats: each row held out once per repeat; probabilities averaged, Π disagreements summed', async () => {
  const N = 40, K = 2;
  const labels = Int32Array.from({ length: N }, (_, i) => i % 2);
  const options = { ...DEFAULT_TRAIN_OPTIONS, folds: 4, repeats: 3, epochs: 2, piPasses: 5, workers: 2 };
  const held = new Map<number, number>();
  // A fake fold trainer: row r's p(class 1) is (repeat + 1) / 10, and one stochastic pass disagrees.
  const run = async (input: FoldInput): Promise<FoldOutput> => {
    const rows = [...labels.keys()].filter((i) => input.foldOf[i] === input.fold);
    rows.forEach((r) => held.set(r, (held.get(r) ?? 0) + 1));
    const H = rows.length;
    const p = new Float32Array(H * K);
    for (let i = 0; i < H; i++) { p[i * K + 1] = (input.repeat + 1) / 10; p[i * K] = 1 - p[i * K + 1]; }
    return {
      fold: input.fold, repeat: input.repeat, held: Int32Array.from(rows), ema: p, student: p, piDisagree: new Uint8Array(H).fill(1),
      piSpread: new Float32Array(H), history: new Float32Array(2 * H).fill(input.repeat), flips: new Uint8Array(H).fill(input.repeat),
      unlabeled: new Int32Array(0), unlabeledProbs: new Float32Array(0), epochLoss: [], epochAccuracy: [], backend: 'test', model: 'fake',
    };
  };
  const cv = await crossValidate({ classes: K, labels, targets: new Float32Array(N * K), options }, run, 2);
  assert.equal(held.size, N);
  for (const n of held.values()) assert.equal(n, 3);
  for (let r = 0; r < N; r++) {
    assert.ok(Math.abs(cv.student[r * K + 1] - 0.2) < 1e-6); // mean of 0.1, 0.2, 0.3
    assert.equal(cv.piDisagree[r], 3);
    assert.equal(cv.flips[r], 1); // mean of 0, 1, 2
    assert.ok(Math.abs(cv.history[N + r] - 1) < 1e-6);
  }
  assert.equal(cv.piPasses, 15);
  assert.equal(cv.foldLoss.length, 12);
});

test('group folds: every duplicate group in one fold, classes spread evenly, pure; no groups = the plain split', async () => {
  const { groupStratifiedFolds } = await import('../../src/engine/crossval');
  const { Random } = await import('../../src/core/random');
  const rng = new Random(3);
  const N = 2000, K = 4, F = 5;
  const labels = Int32Array.from({ length: N }, () => rng.int(K));
  // 150 groups of 2–14 rows, some with mixed labels (conflicts).
  const group = new Int32Array(N).fill(-1);
  for (let g = 0, at = 0; g < 150; g++) { const size = 2 + rng.int(13); for (let j = 0; j < size && at < N; j++) group[at++ * 7 % N] = g; }
  const f = groupStratifiedFolds(labels, group, K, F, 9);
  const foldOfGroup = new Map<number, number>();
  for (let i = 0; i < N; i++) {
    if (group[i] < 0) continue;
    const seen = foldOfGroup.get(group[i]);
    if (seen === undefined) foldOfGroup.set(group[i], f[i]); else assert.equal(f[i], seen, `group ${group[i]} split`);
  }
  for (let k = 0; k < K; k++) {
    const sizes = new Array(F).fill(0);
    labels.forEach((y, i) => { if (y === k) sizes[f[i]]++; });
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 2, `class ${k}: ${sizes}`);
  }
  assert.deepEqual(groupStratifiedFolds(labels, group, K, F, 9), f);
  assert.deepEqual(groupStratifiedFolds(labels, new Int32Array(N).fill(-1), K, F, 9), stratifiedFolds(labels, K, F, 9));
  assert.deepEqual(foldsOfRepeat(labels, K, F, 9, 0, group), f);
});

test('cosine k-NN: the blocked search returns the naive nearest rows; outlier scores rank a row far from all others first', async () => {
  const { cosineKnn, unitRows, outlierScores } = await import('../../src/engine/neighbours');
  const { Random } = await import('../../src/core/random');
  const rng = new Random(5);
  const n = 600, dim = 12;
  const x = unitRows(Float32Array.from({ length: n * dim }, () => rng.normal()), dim);
  const knn = cosineKnn(x, dim, { k: 3 });
  for (const q of [0, 17, 599]) {
    const sims = Array.from({ length: n }, (_, r) => ({ r, s: r === q ? -Infinity : x.subarray(q * dim, q * dim + dim).reduce((a, v, d) => a + v * x[r * dim + d], 0) }));
    sims.sort((a, b) => b.s - a.s || a.r - b.r);
    assert.deepEqual([...knn.index.subarray(q * 3, q * 3 + 3)], sims.slice(0, 3).map((s) => s.r));
  }
  // Clustered rows plus one zero row and one row along an unused axis.
  const c = new Float32Array(200 * 4);
  for (let i = 0; i < 198; i++) { const centre = i % 2; c[i * 4 + centre] = 1; c[i * 4 + 2] = 0.1 * rng.normal(); }
  c[199 * 4 + 3] = 1;
  const s = outlierScores(unitRows(c, 4), 4, { k: 5, seed: 1 });
  const order = [...s.keys()].sort((a, b) => s[b] - s[a]);
  assert.deepEqual(order.slice(0, 2).sort(), [198, 199]);
});

test('folds gathered as they finish, in any order, sum to the bit what the reference (sort all, then add) gives', async () => {
  const N = 300, K = 3, E = 4;
  // Every tenth row unlabeled: each fold predicts those too, so their sums depend on the order folds are added in.
  const labels = Int32Array.from({ length: N }, (_, i) => (i % 10 === 9 ? -1 : i % K));
  const options = { ...DEFAULT_TRAIN_OPTIONS, folds: 5, repeats: 3, epochs: E, piPasses: 5, workers: 3 };
  const rng = new Random(11);
  const probs = (n: number) => { const p = new Float32Array(n * K); for (let i = 0; i < n; i++) { let s = 0; for (let k = 0; k < K; k++) s += (p[i * K + k] = rng.next() + 1e-3); for (let k = 0; k < K; k++) p[i * K + k] /= s; } return p; };
  const outputs: FoldOutput[] = [];
  // Folds finish out of order: each waits a seeded few milliseconds, three lanes at once.
  const run = async (input: FoldInput): Promise<FoldOutput> => {
    const held = Int32Array.from([...labels.keys()].filter((i) => labels[i] >= 0 && input.foldOf[i] === input.fold));
    const unlabeled = Int32Array.from([...labels.keys()].filter((i) => labels[i] < 0));
    const H = held.length;
    const history = new Float32Array(E * H); for (let i = 0; i < history.length; i++) history[i] = rng.next();
    const out: FoldOutput = {
      fold: input.fold, repeat: input.repeat, held, student: probs(H), ema: probs(H), teacher: probs(H), pi: probs(H),
      piDisagree: Uint8Array.from({ length: H }, () => Math.floor(rng.next() * 6)), piSpread: Float32Array.from({ length: H }, () => rng.next()),
      history, flips: Uint8Array.from({ length: H }, () => Math.floor(rng.next() * 4)), unlabeled, unlabeledProbs: probs(unlabeled.length),
      epochLoss: [rng.next()], epochAccuracy: [rng.next()], backend: 'test', model: 'fake',
    };
    outputs.push(out);
    await new Promise((r) => setTimeout(r, Math.floor(rng.next() * 15)));
    return out;
  };
  const cv = await crossValidate({ classes: K, labels, targets: new Float32Array(N * K), options }, run, 3);
  const finishOrder = outputs.map((o) => o.repeat * 5 + o.fold);
  const ref = referenceGatherFolds({ classes: K, labels, options }, outputs.reverse());
  for (const key of ['student', 'ema', 'teacher', 'pi', 'piDisagree', 'piSpread', 'flips', 'history'] as const) {
    assert.deepEqual(Buffer.from(cv[key]!.buffer), Buffer.from(ref[key]!.buffer), `${key} (folds started in order ${finishOrder})`);
  }
  assert.deepEqual(cv.foldLoss, ref.foldLoss);
  assert.deepEqual(cv.foldAccuracy, ref.foldAccuracy);
  // A fold without a teacher drops the teacher for all, as the reference does.
  const some = outputs.map((o, i) => (i === 7 ? { ...o, teacher: undefined } : o));
  assert.equal(gatherFolds({ classes: K, labels, options }, some).teacher, undefined);
  assert.equal(referenceGatherFolds({ classes: K, labels, options }, some).teacher, undefined);
});
