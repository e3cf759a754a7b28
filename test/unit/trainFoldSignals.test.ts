/**
 * trainFold's bookkeeping against its definition, on real SMS rows with the real text model: every
 * prediction the fold asks of the model is recorded, and the fold's outputs are recomputed from
 * them here the plain way — the temporal ensemble Z ← αZ + (1−α)z bias-corrected by 1 − α^E, the
 * p(given) history, the argmax flips, accuracy by epoch, the Π mean, disagreements and spread — and
 * must match bit for bit, as must the split into training, held-out and unlabeled rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featurize, load } from '../../src/engine/phases';
import { foldAssignment } from '../../src/engine/crossval';
import { trainFold, type FoldInput } from '../../src/engine/trainFold';
import { textModelFactory } from '../../src/engine/models/factories';
import type { ClassifierModel, Mode } from '../../src/engine/models/types';
import { UNLABELED } from '../../src/core/labelCodes';
import { dataset } from '../helpers';

test('trainFold: the ensemble, history, flips and Π signals are those of the predictions it asked for', async () => {
  const l = load({ file: dataset('sms_spam') }, { epochs: 4, piPasses: 3, repeats: 1 }, false);
  const { prep } = await featurize(l);
  const labels = prep.base.labels.slice();
  // A few rows without a label, and a few left out of training, so every role is exercised.
  for (let i = 0; i < labels.length; i += 97) labels[i] = UNLABELED;
  const exclude = new Uint8Array(labels.length);
  for (let i = 5; i < labels.length; i += 89) exclude[i] = 1;
  const base = { ...prep.base, labels, exclude };
  const foldOf = foldAssignment(base)[0];
  const input: FoldInput = { ...base, fold: 2, repeat: 0, foldOf };
  const K = input.classes;
  const calls: { mode: Mode; rows: number[]; out: Float32Array }[] = [];
  let trainedOn: number[] = [];
  const factory = async (...args: Parameters<typeof textModelFactory>): Promise<ClassifierModel> => {
    const m = await textModelFactory(...args);
    return {
      name: m.name, hasTeacher: m.hasTeacher, targetsByRow: m.targetsByRow, representationDim: m.representationDim,
      represent: m.represent?.bind(m),
      trainEpoch: (batch) => { trainedOn = Array.from(batch.rows); return m.trainEpoch(batch); },
      predict: async (rows, mode, out) => { await m.predict(rows, mode, out); calls.push({ mode, rows: Array.from(rows), out: out.slice() }); },
    };
  };
  const o = await trainFold(input, factory);

  const wantHeld: number[] = [], wantTrain: number[] = [], wantUnlabeled: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0) { if (labels[i] === UNLABELED) wantUnlabeled.push(i); continue; }
    if (foldOf[i] === 2) wantHeld.push(i); else if (!exclude[i]) wantTrain.push(i);
  }
  assert.deepEqual(Array.from(o.held), wantHeld);
  assert.deepEqual(trainedOn, wantTrain);
  assert.deepEqual(Array.from(o.unlabeled), wantUnlabeled);
  assert.ok(wantUnlabeled.length > 0 && wantHeld.length > 100);

  const H = wantHeld.length;
  const E = input.options.epochs;
  const T = input.options.piPasses;
  const alpha = input.options.emaDecay;
  const student = calls.filter((c) => c.mode === 'student' && c.rows.length === H && c.rows[0] === wantHeld[0]);
  const stochastic = calls.filter((c) => c.mode === 'stochastic');
  assert.equal(student.length, E);
  assert.equal(stochastic.length, T);
  const Z = new Float32Array(H * K);
  const history = new Float32Array(E * H);
  const flips = new Uint8Array(H);
  const accuracy: number[] = [];
  const argmax = (p: Float32Array, at: number) => { let b = 0; for (let k = 1; k < K; k++) if (p[at + k] > p[at + b]) b = k; return b; };
  for (let e = 0; e < E; e++) {
    const z = student[e].out;
    let right = 0;
    for (let i = 0; i < H; i++) {
      for (let k = 0; k < K; k++) Z[i * K + k] = alpha * Z[i * K + k] + (1 - alpha) * z[i * K + k];
      const y = labels[wantHeld[i]];
      history[e * H + i] = z[i * K + y];
      if (argmax(z, i * K) === y) right++;
      if (e > 0 && argmax(z, i * K) !== argmax(student[e - 1].out, i * K)) flips[i]++;
    }
    accuracy.push(right / H);
  }
  const c = 1 / (1 - Math.pow(alpha, E));
  assert.deepEqual(o.ema, Z.map((v) => v * c));
  assert.deepEqual(o.student, student[E - 1].out);
  assert.deepEqual(o.history, history);
  assert.deepEqual(o.flips, flips);
  assert.deepEqual(o.epochAccuracy, accuracy);
  assert.ok(flips.some((f) => f > 0), 'some held-out rows change class between epochs');
  const pi = new Float32Array(H * K);
  const disagree = new Uint8Array(H);
  const sumY = new Float64Array(H), sumY2 = new Float64Array(H);
  for (const pass of stochastic) {
    for (let i = 0; i < H; i++) {
      const y = labels[wantHeld[i]];
      for (let k = 0; k < K; k++) pi[i * K + k] += pass.out[i * K + k] / T;
      if (argmax(pass.out, i * K) !== y) disagree[i]++;
      sumY[i] += pass.out[i * K + y];
      sumY2[i] += pass.out[i * K + y] ** 2;
    }
  }
  assert.deepEqual(o.pi, pi);
  assert.deepEqual(o.piDisagree, disagree);
  assert.deepEqual(o.piSpread, Float32Array.from(sumY, (s, i) => Math.sqrt(Math.max(0, sumY2[i] / T - (s / T) ** 2))));
  assert.deepEqual(o.teacher, calls.find((x) => x.mode === 'teacher')!.out);
  assert.deepEqual(o.unlabeledProbs, calls.find((x) => x.mode === 'student' && x.rows[0] === wantUnlabeled[0])!.out);
});
