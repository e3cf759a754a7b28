/** K-fold splits and repeats: every labeled row held out once per repeat, outputs averaged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossValidate, foldsOfRepeat, stratifiedFolds } from '../../src/engine/crossval';
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
