/**
 * The memory layout of training and scoring at scale, checked on real SMS: fastText folds read the
 * job's training targets by dataset row (shared with every worker, no copy a fold), naive Bayes's
 * one-split posteriors overwrite its log joints, and the consensus is summed into its first part.
 * Each must give what the plain layout gives, bit for bit (the folds on workers against one thread:
 * test/integration/sharedTargets.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featurize, load } from '../../src/engine/phases';
import { inProcessRunners } from '../../src/engine/foldPool';
import { crossValidate } from '../../src/engine/crossval';
import { chooseTemperature, naiveBayesLogJoints, naiveBayesPart } from '../../src/engine/models/naiveBayes';
import { consensusOf } from '../../src/core/signals/score';
import { stratifiedFolds } from '../../src/engine/crossval';
import { UNLABELED } from '../../src/core/labelCodes';
import { Random } from '../../src/core/random';
import { dataset } from '../helpers';

const bits = (a: Float32Array | undefined) => Buffer.from(a!.buffer, a!.byteOffset, a!.byteLength);

/** SMS's first 1,500 rows with row-specific soft targets: a row's target is its given class at 0.6 + 0.3·u, the rest spread. */
async function smsWithSoftTargets() {
  const l = load({ file: dataset('sms_spam') }, { repeats: 1, epochs: 3, piPasses: 2 }, false);
  const { prep } = await featurize(l);
  const N = 1500;
  const K = prep.base.classes;
  const rng = new Random(5);
  const labels = prep.base.labels.slice(0, N);
  const targets = new Float32Array(new SharedArrayBuffer(4 * N * K));
  for (let i = 0; i < N; i++) {
    const own = 0.6 + 0.3 * rng.next();
    for (let k = 0; k < K; k++) targets[i * K + k] = k === labels[i] ? own : (1 - own) / (K - 1);
  }
  return { ...prep.base, labels, targets };
}

test('fastText trains towards each row\'s own target: targets that name the other class are learned as such', async () => {
  const base = await smsWithSoftTargets();
  const K = base.classes;
  // Every row's target is the class it is not labeled: a model reading the targets of other rows
  // (by position instead of row) would learn an unrelated mapping and agree with them at chance.
  const targets = new Float32Array(new SharedArrayBuffer(base.targets.byteLength));
  for (let i = 0; i < base.labels.length; i++) targets[i * K + (1 - base.labels[i])] = 1;
  const local = inProcessRunners('text', () => {});
  try {
    const cv = await crossValidate({ ...base, targets }, local.run, 1);
    // Per class: SMS is 86% ham, so 86% of the targets say "spam", and a model reading other rows'
    // targets says "spam" to every row: right on the ham rows, wrong on (nearly) every spam row.
    const other = [0, 0], rows = [0, 0];
    for (let i = 0; i < base.labels.length; i++) { rows[base.labels[i]]++; if (cv.student[i * K + 1 - base.labels[i]] > 0.5) other[base.labels[i]]++; }
    assert.ok(other[0] / rows[0] > 0.9, `ham rows predicted as their target (spam): ${other[0]} of ${rows[0]}`);
    assert.ok(other[1] / rows[1] > 0.25, `spam rows predicted as their target (ham): ${other[1]} of ${rows[1]}`);
  } finally {
    local.close();
  }
});

test('naive Bayes with one split: the posteriors written over the log joints are the tempered ones, bit for bit', async () => {
  const l = load({ file: dataset('sms_spam') }, {}, false);
  const { prep } = await featurize(l);
  const { text, classes: K, targets } = prep.base;
  const labels = prep.base.labels.slice();
  // A few unlabeled and damaged rows: unlabeled ones are predicted, damaged ones stay 0.
  for (let i = 0; i < labels.length; i += 97) labels[i] = i % 2 ? UNLABELED : -2;
  const splits = [stratifiedFolds(labels, K, 5, 3)];
  const input = { text: text!, classes: K, labels, targets };
  const { probs, T } = naiveBayesPart(input, splits);
  // The reference: tempered into a fresh zeroed array, as the multi-split path does.
  const L = naiveBayesLogJoints(input, splits);
  assert.equal(chooseTemperature(L, labels, K).T, T);
  const want = new Float32Array(labels.length * K);
  for (let i = 0; i < labels.length; i++) {
    if (!(labels[i] >= 0 || labels[i] === UNLABELED)) continue;
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(L[0][i * K + k] / T);
    for (let k = 0; k < K; k++) want[i * K + k] += (1 * Math.exp(L[0][i * K + k] / T)) / s;
  }
  assert.deepEqual(bits(probs), bits(want));
  assert.ok(probs.some((v, j) => v > 0 && v < 1 && j % K === 0));
});

test('the consensus summed into its first part equals the one summed into a fresh array', () => {
  const rng = new Random(9);
  const K = 4, N = 3000;
  const part = () => Float32Array.from({ length: N * K }, () => rng.next());
  const parts = [part(), part(), part()];
  const fresh = consensusOf(parts, K);
  const first = parts[0].slice();
  const inPlace = consensusOf([first, parts[1], parts[2]], K, true);
  assert.equal(inPlace, first);
  assert.deepEqual(bits(inPlace), bits(fresh));
});
