/**
 * The dense models on TensorFlow.js: the CNN's convolution gradient (written by hand for backends
 * without a conv2d filter-gradient kernel) against tfjs's own conv3d gradients, a CNN that learns,
 * and which network each data kind and backend gets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TF from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { cnnNetwork, conv3x3 } from '../../src/engine/models/cnn';
import { TfClassifier } from '../../src/engine/models/tfClassifier';
import { denseNetworkFor } from '../../src/engine/models/factories';

function maxAbsDiff(tf: typeof TF, a: TF.Tensor, b: TF.Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
}

test('conv3x3 on wasm: forward and both gradients equal tfjs conv3d (which has gradients on wasm)', async () => {
  const { tf, name } = await initBackend();
  assert.equal(name, 'wasm');
  const x = tf.randomNormal([3, 7, 5, 4], 0, 1, 'float32', 1) as TF.Tensor4D;
  const w = tf.randomNormal([3, 3, 4, 6], 0, 1, 'float32', 2) as TF.Tensor4D;
  const up = tf.randomNormal([3, 7, 5, 6], 0, 1, 'float32', 3);
  const conv = conv3x3(tf);
  const reference = (a: TF.Tensor4D, f: TF.Tensor4D) => tf.reshape(tf.conv3d(tf.expandDims(a, 1) as TF.Tensor5D, tf.expandDims(f, 0) as TF.Tensor5D, 1, 'same'), [3, 7, 5, 6]);
  // A loss that weights every output differently, so a transposed or shifted gradient shows.
  const loss = (f: (a: TF.Tensor4D, b: TF.Tensor4D) => TF.Tensor) => (a: TF.Tensor, b: TF.Tensor) => tf.sum(tf.mul(f(a as TF.Tensor4D, b as TF.Tensor4D), up));
  assert.ok(maxAbsDiff(tf, conv(x, w), reference(x, w)) < 1e-4);
  const [dx, dw] = tf.grads(loss(conv))([x, w]);
  const [rx, rw] = tf.grads(loss(reference))([x, w]);
  const scale = tf.max(tf.abs(rw)).dataSync()[0];
  assert.ok(maxAbsDiff(tf, dw, rw) < 1e-4 * scale, `filter gradient differs by ${maxAbsDiff(tf, dw, rw)}`);
  assert.ok(maxAbsDiff(tf, dx, rx) < 1e-4 * scale, `input gradient differs by ${maxAbsDiff(tf, dx, rx)}`);
});

test('the CNN learns where a bright bar is (vertical vs horizontal) on wasm', async () => {
  const { tf } = await initBackend();
  const W = 12, H = 12, N = 200;
  const x = new Float32Array(N * W * H);
  const targets = new Float32Array(N * 2);
  const classOf = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const c = i % 2;
    const at = 2 + ((i * 7) % 8);
    for (let j = 0; j < W; j++) x[i * W * H + (c ? j * W + at : at * W + j)] = 1;
    classOf[i] = c;
    targets[i * 2 + c] = 1;
  }
  const model = new TfClassifier(tf, { name: 'cnn', dim: W * H, classes: 2, lr: 0.005, batch: 20, teacherAlpha: 0.9, seed: 4 }, x,
    (rng) => cnnNetwork(tf, { width: W, height: H, classes: 2, dropout: 0.1 }, rng));
  const rows = Int32Array.from({ length: N }, (_, i) => i);
  for (let e = 0; e < 6; e++) await model.trainEpoch({ rows, order: rows, targets, classOf, focalGamma: 0, consistencyWeight: 0, stepOffset: e * N, totalSteps: 6 * N });
  const p = new Float32Array(N * 2);
  model.predict(rows, 'student', p);
  let correct = 0;
  for (let i = 0; i < N; i++) if ((p[i * 2 + 1] > p[i * 2] ? 1 : 0) === classOf[i]) correct++;
  assert.ok(correct / N > 0.95, `accuracy ${correct / N}`);
  assert.equal(model.name, 'cnn');
  model.dispose();
});

test('pixel images get a CNN on tfjs-node or when asked, the MLP otherwise; tabular rows the MLP (beside logistic regression, above the k-NN row limit)', () => {
  assert.equal(denseNetworkFor(true, 'auto', 'tensorflow'), 'cnn');
  assert.equal(denseNetworkFor(true, 'auto', 'wasm'), 'mlp');
  assert.equal(denseNetworkFor(true, 'auto', 'cpu'), 'mlp');
  assert.equal(denseNetworkFor(true, 'cnn', 'wasm'), 'cnn');
  assert.equal(denseNetworkFor(true, 'mlp', 'tensorflow'), 'mlp');
  assert.equal(denseNetworkFor(false, 'cnn', 'tensorflow'), 'mlp');
});
