/**
 * The TypeScript MLP (models/mlp.MlpModel) on real MNIST digits: its hand-written gradient against
 * finite differences of its own loss, and through trainFold an out-of-fold accuracy it truly reaches,
 * the same for the same seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MlpModel } from '../../src/engine/models/mlp';
import type { TrainBatch } from '../../src/engine/models/types';
import { trainFold, type FoldInput } from '../../src/engine/trainFold';
import { stratifiedFolds } from '../../src/engine/crossval';
import { resolveOptions } from '../../src/engine/phases';
import { dataset } from '../helpers';

/** The first n MNIST test digits: 784 grey levels in [0, 1] a row, and their labels. */
function digits(n: number): { x: Float32Array; labels: Int32Array } {
  const lines = readFileSync(dataset('mnist_test_labelerrors'), 'utf8').split('\r\n').slice(1, n + 1);
  const x = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  lines.forEach((line, i) => {
    const c = line.split(',');
    for (let d = 0; d < 784; d++) x[i * 784 + d] = Number(c[1 + d]) / 255;
    labels[i] = Number(c[785]);
  });
  return { x, labels };
}

function batchOf(labels: Int32Array, K: number, smoothing: number): TrainBatch {
  const n = labels.length;
  const targets = new Float32Array(n * K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) targets[i * K + k] = smoothing / K + (k === labels[i] ? 1 - smoothing : 0);
  const rows = Int32Array.from(labels, (_, i) => i);
  return { rows, order: rows.slice(), targets, classOf: labels, focalGamma: 0, consistencyWeight: 0, stepOffset: 0, totalSteps: n };
}

test('MLP gradient equals finite differences of the batch loss (real digits, every weight block)', () => {
  const { x, labels } = digits(12);
  const K = 10;
  // No dropout, so the forward pass is deterministic and the loss a function of the weights.
  const model = new MlpModel({ dim: 784, hidden: 16, classes: K, dropout: 0, inputDropout: 0, lr: 0.001, batch: 12, teacherAlpha: 0, seed: 3 }, x);
  const b = batchOf(labels, K, 0.1);
  const ordered = b.rows;
  const loss = () => model.gradient(b, ordered, 0, 12) / 12;
  loss();
  const grad = model.lastGradient.slice();
  const w = model.parameters;
  // W1 rows of pixels that are ink in some digit (others have zero gradient), b1, W2, b2.
  let inked = 0;
  while (x[inked] === 0 || x[inked + 784] === 0) inked++;
  const picks = [inked * 16, inked * 16 + 5, (inked + 1) * 16 + 3, 784 * 16 + 2, 784 * 16 + 16 + 7, 784 * 16 + 16 + 16 * 10 - 1, 784 * 16 + 16 + 160 + 4];
  let checked = 0;
  for (const i of picks) {
    const keep = w[i];
    const eps = 1e-2;
    w[i] = keep + eps; const up = loss();
    w[i] = keep - eps; const down = loss();
    w[i] = keep;
    const numeric = (up - down) / (2 * eps);
    const scale = Math.max(1e-3, Math.abs(numeric), Math.abs(grad[i]));
    assert.ok(Math.abs(numeric - grad[i]) / scale < 2e-2, `weight ${i}: analytic ${grad[i]}, numeric ${numeric}`);
    if (Math.abs(grad[i]) > 1e-4) checked++;
  }
  assert.ok(checked >= 5, `only ${checked} of the picked weights had a gradient to check`);
});

test('MLP through trainFold on 1,500 real digits: held-out accuracy above 0.75, the same for the same seed', async () => {
  const { x, labels } = digits(1500);
  const K = 10;
  const options = { ...resolveOptions({ epochs: 4, seed: 2 }), piPasses: 2 };
  const targets = new Float32Array(labels.length * K);
  for (let i = 0; i < labels.length; i++) targets[i * K + labels[i]] = 1;
  const input: FoldInput = { fold: 0, repeat: 0, classes: K, labels, foldOf: stratifiedFolds(labels, K, options.folds, options.seed), targets, dense: { x, dim: 784 }, options };
  const factory = async (_: unknown, trainRows: number, seed: number) => new MlpModel({ dim: 784, hidden: 64, classes: K, dropout: 0.3, inputDropout: 0.1, lr: 0.001, batch: 64, teacherAlpha: 1 - 1 / Math.ceil(trainRows / 64), seed }, x);
  const a = await trainFold(input, factory);
  const acc = a.epochAccuracy[a.epochAccuracy.length - 1];
  // Measured 0.80 (1,200 training digits, 4 epochs); chance is 0.1.
  assert.ok(acc > 0.75, `held-out accuracy ${acc}`);
  assert.ok(a.epochLoss[3] < a.epochLoss[0], 'the loss falls');
  assert.ok(a.teacher && a.pi && a.representation, 'teacher, Π passes and the representation are there');
  const b = await trainFold(input, factory);
  assert.deepEqual([Array.from(b.ema), Array.from(b.teacher!), Array.from(b.pi!)], [Array.from(a.ema), Array.from(a.teacher!), Array.from(a.pi!)], 'deterministic');
});
