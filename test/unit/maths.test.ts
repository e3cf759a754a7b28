/**
 * The maths the engine rests on: the loss gradient (cross-entropy, class weights, focal weight,
 * consistency term) against finite differences, the hashed text features, the fastText trainer on a
 * tiny separable set, and one fold of cross-validation end to end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../src/core/random';
import { logitGradient } from '../../src/engine/models/types';
import { hashTexts, textFeatures, DEFAULT_TEXT_FEATURES } from '../../src/engine/featurize/text';
import { textModelFactory } from '../../src/engine/models/factories';
import { trainFold, type FoldInput } from '../../src/engine/trainFold';
import { stratifiedFolds } from '../../src/engine/crossval';
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from '../../src/protocol/engine';
import { UNLABELED } from '../../src/core/labelCodes';

function softmax(z: Float64Array): Float64Array {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** The loss logitGradient differentiates, with the (focal) row weight w held constant. */
function loss(z: Float64Array, t: Float64Array, w: number, c: Float64Array | undefined, lambda: number): number {
  const p = softmax(z);
  const K = z.length;
  let l = 0;
  for (let k = 0; k < K; k++) if (t[k] > 0) l -= w * t[k] * Math.log(p[k]);
  if (c) for (let k = 0; k < K; k++) l += (lambda / K) * (p[k] - c[k]) ** 2;
  return l;
}

test('logitGradient equals the finite-difference gradient: cross-entropy, class weight, soft targets, consistency, focal', () => {
  const rng = new Random(11);
  const h = 1e-5;
  for (let trial = 0; trial < 40; trial++) {
    const K = 2 + (trial % 5);
    const z = Float64Array.from({ length: K }, () => 3 * (rng.next() - 0.5));
    const soft = trial % 2 === 1;
    const t = new Float64Array(K);
    if (soft) { let s = 0; for (let k = 0; k < K; k++) { t[k] = rng.next(); s += t[k]; } for (let k = 0; k < K; k++) t[k] /= s; } else t[trial % K] = 1;
    const c = trial % 3 === 0 ? undefined : (() => { const p = softmax(Float64Array.from({ length: K }, () => rng.next() * 2)); return p; })();
    const lambda = c ? 0.5 + 3 * rng.next() : 0;
    const classWeight = 0.5 + rng.next();
    const gamma = trial % 4 === 0 ? 2 : 0;
    const p = softmax(z);
    // The focal weight (1 − p_t)^γ is held constant by design (see logitGradient's comment).
    let pt = 0;
    for (let k = 0; k < K; k++) pt += t[k] * p[k];
    const w = classWeight * Math.pow(1 - pt, gamma);
    const g = new Float32Array(K);
    const ce = logitGradient(Float32Array.from(p), Float32Array.from(t), classWeight, gamma, c ? Float32Array.from(c) : undefined, lambda, g);
    let expectedCe = 0;
    for (let k = 0; k < K; k++) if (t[k] > 0) expectedCe -= w * t[k] * Math.log(p[k] + 1e-12);
    assert.ok(Math.abs(ce - expectedCe) < 1e-4, `returned loss ${ce} vs ${expectedCe}`);
    for (let k = 0; k < K; k++) {
      const up = Float64Array.from(z); up[k] += h;
      const down = Float64Array.from(z); down[k] -= h;
      const numeric = (loss(up, t, w, c, lambda) - loss(down, t, w, c, lambda)) / (2 * h);
      assert.ok(Math.abs(g[k] - numeric) < 1e-4 * Math.max(1, Math.abs(numeric)), `trial ${trial} (K=${K}, soft=${soft}, λ=${lambda.toFixed(2)}, γ=${gamma}) ∂/∂z${k}: ${g[k]} vs ${numeric}`);
    }
  }
});

test('hashTexts: words, bigrams and CJK characters hashed the same way in every row, case-folded; IDF from document frequency', () => {
  const features = (s: string) => { const out: number[] = []; textFeatures(s, DEFAULT_TEXT_FEATURES, (b) => out.push(b)); return out; };
  assert.equal(features('free cash now').length, 3 + 2, 'three words and two bigrams');
  assert.equal(features('体育新闻').length, 4 + 3, 'four CJK characters and three character bigrams');
  assert.equal(features('Free CASH').join(), features('free cash').join(), 'case-folded');
  assert.notEqual(features('cash free').join(), features('free cash').join(), 'bigrams keep the order');
  assert.equal(features('win, win!! win').length, 5, 'punctuation separates words and is not a feature');
  const x = hashTexts((i) => ['free cash now', 'call now', 'now', ''][i], 4);
  assert.deepEqual(Array.from(x.indptr), [0, 5, 8, 9, 9]);
  assert.equal(x.features, 7, 'seven distinct n-grams');
  assert.ok(Array.from(x.indices).every((f) => f < x.features) && Array.from(x.bucket).every((b) => b < x.buckets));
  // Row 0: free, free cash, cash, cash now, now; row 1: call, call now, now; row 2: now.
  const now = x.indices[8];
  assert.equal(x.indices[4], now, '"now" is the same feature in every row');
  assert.equal(x.indices[7], now);
  assert.equal(now, 0, 'the most frequent feature has id 0');
  assert.equal(x.bucket[now], features('now')[0], 'and keeps its hash bucket');
  // "now" is in 3 of 4 rows, "free" in 1.
  assert.ok(Math.abs(x.idf![now] - (Math.log(5 / 4) + 1)) < 1e-6);
  assert.ok(Math.abs(x.idf![x.indices[0]] - (Math.log(5 / 2) + 1)) < 1e-6);
  assert.deepEqual(hashTexts((i) => ['free cash now', 'call now'][i], 2).indices, hashTexts((i) => ['free cash now', 'call now'][i], 2).indices, 'deterministic');
  const capped = hashTexts(() => Array.from({ length: 5000 }, (_, i) => `w${i}`).join(' '), 1, { ...DEFAULT_TEXT_FEATURES, maxFeatures: 100 });
  assert.equal(capped.indptr[1], 100, 'at most maxFeatures per row');
});

/** A tiny separable text set: the class is which of two word families a text uses, plus shared noise words. */
function separable(n: number, seed: number): { texts: string[]; labels: Int32Array } {
  const rng = new Random(seed);
  const fam = [['apple', 'pear', 'plum', 'fig'], ['train', 'bus', 'tram', 'ferry']];
  const noise = ['the', 'a', 'today', 'very', 'some', 'of', 'and'];
  const texts: string[] = [];
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    labels[i] = y;
    const words = [fam[y][rng.int(4)], fam[y][rng.int(4)], noise[rng.int(7)], noise[rng.int(7)], noise[rng.int(7)]];
    rng.shuffle(words);
    texts.push(words.join(' '));
  }
  return { texts, labels };
}

function foldInput(texts: string[], labels: Int32Array, options: Partial<TrainOptions>, fold = 0): FoldInput {
  const K = 2;
  const opts: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, folds: 4, repeats: 1, epochs: 8, piPasses: 4, workers: 1, ...options };
  const targets = new Float32Array(labels.length * K);
  labels.forEach((y, i) => { if (y >= 0) targets[i * K + y] = 1; });
  return { fold, repeat: 0, classes: K, labels, foldOf: stratifiedFolds(labels, K, opts.folds, opts.seed), targets, text: hashTexts((i) => texts[i], texts.length), options: opts };
}

test('FastText through trainFold on a tiny separable set: held-out rows right, loss falls, every signal has its shape', async () => {
  const { texts, labels } = separable(200, 3);
  labels[7] = UNLABELED;
  const input = foldInput(texts, labels, { consistency: 1 });
  const out = await trainFold(input, textModelFactory);
  const K = 2;
  const held = Array.from(out.held);
  assert.deepEqual(held, [...labels.keys()].filter((i) => input.foldOf[i] === 0), 'the held-out rows are exactly fold 0');
  const H = held.length;
  let right = 0;
  for (let i = 0; i < H; i++) if ((out.student[i * K + 1] > 0.5 ? 1 : 0) === labels[held[i]]) right++;
  assert.equal(right, H, `separable: every held-out row right (${right}/${H})`);
  assert.ok(out.epochLoss[out.epochLoss.length - 1] < out.epochLoss[0] / 2, `loss falls: ${out.epochLoss.map((l) => l.toFixed(3)).join(' → ')}`);
  for (const dist of [out.student, out.ema, out.teacher!, out.pi!]) {
    assert.equal(dist.length, H * K);
    for (let i = 0; i < H; i++) assert.ok(Math.abs(dist[i * K] + dist[i * K + 1] - 1) < 1e-3, 'each row a distribution');
  }
  assert.equal(out.history.length, 8 * H, 'p(given) per epoch per held-out row');
  assert.ok(Array.from(out.piDisagree).every((d) => d <= 4));
  assert.deepEqual(Array.from(out.unlabeled), [7], 'the unlabeled row is predicted, not trained on');
  assert.equal(out.unlabeledProbs.length, K);
  assert.equal(out.model, 'fasttext');
  const again = await trainFold(input, textModelFactory);
  assert.deepEqual(again.student, out.student, 'the same input and seed give the same outputs');
});

test('trainFold: a flipped label is predicted as its true class and flagged by the Π passes; excluded rows are still predicted', async () => {
  const { texts, labels } = separable(240, 8);
  const truth = labels.slice();
  const foldOf = stratifiedFolds(labels, 2, 4, 1);
  const flipped = [...labels.keys()].filter((i) => foldOf[i] === 1).slice(0, 5);
  for (const r of flipped) labels[r] = 1 - labels[r];
  const exclude = new Uint8Array(labels.length);
  const excluded = [...labels.keys()].filter((i) => foldOf[i] === 1 && !flipped.includes(i))[0];
  exclude[excluded] = 1;
  // The split of the true labels, so the flipped rows are all held out in fold 1.
  const out = await trainFold({ ...foldInput(texts, labels, {}, 1), foldOf, exclude }, textModelFactory);
  const at = (r: number) => Array.from(out.held).indexOf(r);
  for (const r of flipped) {
    const i = at(r);
    assert.ok(out.student[i * 2 + truth[r]] > 0.5, `row ${r}: the model sides with the true class`);
    assert.ok(out.piDisagree[i] >= 3, `row ${r}: most stochastic passes disagree with the given label`);
  }
  assert.ok(at(excluded) >= 0, 'a row left out of training is still predicted when held out');
});
