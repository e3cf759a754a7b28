/**
 * One fold of K-fold cross-validation: train on the other folds, and after every epoch predict the
 * held-out rows, so every labeled row gets out-of-fold signals from a model that never saw its label:
 * - temporal ensemble (Laine & Aila 2016): Z ← αZ + (1−α)z after each epoch, bias-corrected by 1−α^t;
 * - training dynamics: the probability of the given label at every epoch (its mean and variability,
 *   and how often the predicted class flips);
 * - Π-model: T stochastic passes (dropout on) at the end; how many disagree with the given label;
 * - mean teacher (Tarvainen & Valpola 2017): the prediction of the EMA of the weights;
 * - optional consistency loss towards each training row's own temporal ensemble, ramped up with
 *   exp(−5(1−t)²) over the first half of training.
 * Pure: the same inputs and seed give the same outputs, in a worker or in the main thread.
 */
import { Random } from '../core/random';
import type { ModelFactory, ModelInput, TrainBatch } from './models/types';
import { UNLABELED } from '../core/labelCodes';
import { foldRepresentation, type FoldRepresentation } from './representation';

export type { DenseRows } from './models/types';

export interface FoldInput extends ModelInput {
  fold: number;
  /** Which K-fold repeat (0 = the first; its seeds are those of a run without repeats). */
  repeat: number;
  /** Class per row; < 0 = not trained on (unlabeled or damaged). */
  labels: Int32Array;
  /** Fold of each labeled row; −1 for the rest. */
  foldOf: Int8Array;
  /** 1 = left out of training (still predicted when held out): the rows a first pass flagged. */
  exclude?: Uint8Array;
  /** Training target per row (K each). */
  targets: Float32Array;
  /** Extra training rows for this fold only (label-name examples), already in `text`. */
  extraRows?: Int32Array;
  extraLabels?: Int32Array;
}

export interface FoldOutput {
  fold: number;
  repeat: number;
  held: Int32Array;
  ema: Float32Array;
  student: Float32Array;
  teacher?: Float32Array;
  pi?: Float32Array;
  piDisagree: Uint8Array;
  piSpread: Float32Array;
  /** p(given label) of each held-out row at each epoch: epochs × held. */
  history: Float32Array;
  flips: Uint8Array;
  /** Rows with no label, predicted by this fold's student. */
  unlabeled: Int32Array;
  unlabeledProbs: Float32Array;
  epochLoss: number[];
  epochAccuracy: number[];
  backend: string;
  /** The model's name (fasttext, mlp, cnn). */
  model: string;
  /** The first repeat's folds: the learned representation of the held-out (and, fold 0, unlabeled) rows (see ./representation). */
  representation?: FoldRepresentation;
}

/**
 * After each epoch (`epoch` epochs done), and within a long one (`partial`: the fraction of epoch
 * `epoch` + 1 done so far, with the loss and speed of the last finished epoch, or 0 in the first).
 */
export type FoldProgress = (p: { fold: number; repeat: number; epoch: number; epochs: number; loss: number; rowsPerSec: number; partial?: number; stage?: string }) => void;

function argmax(p: Float32Array, o: number, K: number): number {
  let best = 0;
  for (let k = 1; k < K; k++) if (p[o + k] > p[o + best]) best = k;
  return best;
}

export async function trainFold(input: FoldInput, makeModel: ModelFactory, onProgress?: FoldProgress, shouldStop?: () => boolean, backend = 'typescript'): Promise<FoldOutput> {
  const { fold, repeat, classes: K, labels, options } = input;
  const n = labels.length;
  const { rows, held, unlabeled, trained } = foldRows(input);
  const P = rows.length;
  const H = held.length;
  const rng = new Random(options.seed * 1000 + fold + 1 + repeat * 104729);

  // Per-class statistics.
  const { classOf, counts } = classesOf(input, rows, trained);
  let classWeights: Float32Array | undefined;
  let logitShift: Float32Array | undefined;
  let focalGamma = 0;
  if (options.imbalance === 'class-weights') {
    classWeights = new Float32Array(K);
    for (let k = 0; k < K; k++) classWeights[k] = counts[k] > 0 ? P / (K * counts[k]) : 0;
  } else if (options.imbalance === 'logit-adjustment') {
    logitShift = new Float32Array(K);
    for (let k = 0; k < K; k++) logitShift[k] = Math.log((counts[k] + 1) / (P + K));
  } else if (options.imbalance === 'focal') focalGamma = 2;

  const model = await makeModel(input, P, options.seed * 7919 + fold + repeat * 15485863);
  const targets = trainingTargets(input, model.targetsByRow === true, rows, trained, classOf);
  const epochs = options.epochs;
  const alpha = options.emaDecay;
  const Z = new Float32Array(H * K);
  const z = new Float32Array(H * K);
  const history = new Float32Array(epochs * H);
  const flips = new Uint8Array(H);
  const lastArg = new Int32Array(H).fill(-1);
  const trainZ = options.consistency > 0 ? new Float32Array(P * K) : undefined;
  const observed = options.consistency > 0 ? new Float32Array(P * K) : undefined;
  const epochLoss: number[] = [];
  const epochAccuracy: number[] = [];
  const order = Int32Array.from({ length: P }, (_, j) => j);

  for (let e = 0; e < epochs; e++) {
    if (shouldStop?.()) throw new Error('cancelled');
    const t0 = performance.now();
    rng.shuffle(order);
    const ramp = Math.min(1, (e + 1) / Math.max(1, epochs / 2));
    const corrected = trainZ && e > 0 ? biasCorrected(trainZ, alpha, e) : undefined;
    const batch: TrainBatch = {
      rows, order, targets, classOf, classWeights, focalGamma, logitShift,
      consistencyTarget: corrected, consistencyWeight: corrected ? options.consistency * Math.exp(-5 * (1 - ramp) ** 2) : 0,
      observed, stepOffset: e * P, totalSteps: epochs * P,
      onRows: onProgress && ((done) => onProgress({ fold, repeat, epoch: e, epochs, loss: epochLoss[e - 1] ?? 0, rowsPerSec: done / Math.max(1e-6, (performance.now() - t0) / 1000), partial: done / P })),
    };
    const loss = await model.trainEpoch(batch);
    if (trainZ && observed) emaInto(trainZ, observed, alpha);
    await model.predict(held, 'student', z);
    const correct = afterEpoch(e, held, labels, K, alpha, z, Z, history, flips, lastArg);
    epochLoss.push(loss);
    epochAccuracy.push(H ? correct / H : 0);
    const secs = (performance.now() - t0) / 1000;
    onProgress?.({ fold, repeat, epoch: e + 1, epochs, loss, rowsPerSec: P / Math.max(1e-6, secs) });
  }
  // Z is not read again: corrected in place (a copy was H × K more a fold).
  const ema = biasCorrected(Z, alpha, epochs, Z);
  const student = z;
  // After the last epoch: the passes over the held-out rows (1M rows: 200k a fold, a few seconds
  // each), each announced (`stage`, epoch = epochs) so the run is never silent through them.
  const lastLoss = epochLoss[epochs - 1] ?? 0;
  const stage = (what: string) => onProgress?.({ fold, repeat, epoch: epochs, epochs, loss: lastLoss, rowsPerSec: 0, stage: what });

  let teacher: Float32Array | undefined;
  if (model.hasTeacher) {
    teacher = new Float32Array(H * K);
    stage(`teacher predictions of ${H} held-out rows`);
    await model.predict(held, 'teacher', teacher);
  }
  const T = options.piPasses;
  const piDisagree = new Uint8Array(H);
  const piSpread = new Float32Array(H);
  let pi: Float32Array | undefined;
  if (T > 0) {
    pi = new Float32Array(H * K);
    const pass = new Float32Array(H * K);
    const sumY = new Float64Array(H);
    const sumY2 = new Float64Array(H);
    for (let t = 0; t < T; t++) {
      stage(`Π pass ${t + 1}/${T} over ${H} held-out rows`);
      await model.predict(held, 'stochastic', pass);
      addPiPass(held, labels, K, T, pass, pi, piDisagree, sumY, sumY2);
    }
    spreadOf(sumY, sumY2, T, piSpread);
  }
  const unlabeledProbs = new Float32Array(unlabeled.length * K);
  if (unlabeled.length) { stage(`predicting ${unlabeled.length} unlabeled rows`); await model.predict(unlabeled, 'student', unlabeledProbs); }
  // One repeat is enough for the representation: every labeled row is held out once in it.
  if (repeat === 0 && model.represent) stage(`representation of ${H} held-out rows`);
  const representation = repeat === 0 ? await foldRepresentation(model, n, held, fold === 0 ? unlabeled : undefined) : undefined;
  model.dispose?.();
  return { fold, repeat, held, ema, student, teacher, pi, piDisagree, piSpread, history, flips, unlabeled, unlabeledProbs, epochLoss, epochAccuracy, backend, model: model.name, representation };
}

/*
 * trainFold's loops over rows live in the functions below, so that trainFold itself (run once a
 * fold) has no hot loop: V8 then never compiles it, with the model's methods inlined, into a graph
 * that took 75–230 ms of a compiler thread to build several times a run (some builds aborted), on a
 * core the other fold worker needed (bench/RESULTS.md, session 7). Each is the loop it replaces,
 * in the same order: the same values.
 */

/**
 * The fold's rows as typed arrays, counted first then filled (at 1M rows, lists grown by push and
 * spread into a copy were tens of MB of garbage a fold): training rows (then the label-name rows),
 * held-out and unlabeled rows, each in row order; `trained`: the training rows before the extra ones.
 */
function foldRows(input: FoldInput): { rows: Int32Array; held: Int32Array; unlabeled: Int32Array; trained: number } {
  const { fold, labels, foldOf } = input;
  const n = labels.length;
  const role = (i: number) => (labels[i] < 0 ? (labels[i] === UNLABELED ? UNLABELED_ROW : NOT_A_ROW) : foldOf[i] === fold ? HELD_ROW : input.exclude?.[i] ? NOT_A_ROW : TRAIN_ROW);
  const sizes = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) sizes[role(i)]++;
  const extra = input.extraRows ?? new Int32Array(0);
  const trained = sizes[TRAIN_ROW];
  const rows = new Int32Array(trained + extra.length);
  const held = new Int32Array(sizes[HELD_ROW]);
  const unlabeled = new Int32Array(sizes[UNLABELED_ROW]);
  for (let i = 0, t = 0, h = 0, u = 0; i < n; i++) {
    const w = role(i);
    if (w === TRAIN_ROW) rows[t++] = i; else if (w === HELD_ROW) held[h++] = i; else if (w === UNLABELED_ROW) unlabeled[u++] = i;
  }
  rows.set(extra, trained);
  return { rows, held, unlabeled, trained };
}

/** The class of each training position and the positions per class. */
function classesOf(input: FoldInput, rows: Int32Array, trained: number): { classOf: Int32Array; counts: Float64Array } {
  const P = rows.length;
  const classOf = new Int32Array(P);
  const counts = new Float64Array(input.classes);
  for (let j = 0; j < P; j++) {
    classOf[j] = j < trained ? input.labels[rows[j]] : input.extraLabels![j - trained];
    counts[classOf[j]]++;
  }
  return { classOf, counts };
}

/** dst ← α·dst + (1 − α)·src. */
function emaInto(dst: Float32Array, src: Float32Array, alpha: number): void {
  for (let i = 0; i < dst.length; i++) dst[i] = alpha * dst[i] + (1 - alpha) * src[i];
}

/** After epoch e's held-out predictions z: the temporal ensemble Z, the p(given) history and the flips; returns how many z got right. */
function afterEpoch(e: number, held: Int32Array, labels: Int32Array, K: number, alpha: number, z: Float32Array, Z: Float32Array, history: Float32Array, flips: Uint8Array, lastArg: Int32Array): number {
  const H = held.length;
  let correct = 0;
  for (let i = 0; i < H; i++) {
    const o = i * K;
    for (let k = 0; k < K; k++) Z[o + k] = alpha * Z[o + k] + (1 - alpha) * z[o + k];
    const y = labels[held[i]];
    history[e * H + i] = z[o + y];
    const a = argmax(z, o, K);
    if (a === y) correct++;
    if (lastArg[i] >= 0 && a !== lastArg[i]) flips[i]++;
    lastArg[i] = a;
  }
  return correct;
}

/** One Π pass's predictions added to the mean, the disagreements and the sums of p(given) and of its square. */
function addPiPass(held: Int32Array, labels: Int32Array, K: number, T: number, pass: Float32Array, pi: Float32Array, piDisagree: Uint8Array, sumY: Float64Array, sumY2: Float64Array): void {
  for (let i = 0; i < held.length; i++) {
    const o = i * K;
    const y = labels[held[i]];
    for (let k = 0; k < K; k++) pi[o + k] += pass[o + k] / T;
    if (argmax(pass, o, K) !== y) piDisagree[i]++;
    sumY[i] += pass[o + y];
    sumY2[i] += pass[o + y] ** 2;
  }
}

/** The standard deviation of p(given) over the T passes, from its sums. */
function spreadOf(sumY: Float64Array, sumY2: Float64Array, T: number, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(Math.max(0, sumY2[i] / T - (sumY[i] / T) ** 2));
}

/**
 * The targets the model trains towards. A model that reads them by dataset row gets the input's own
 * (shared with the other folds' workers: no P × K copy a fold, 48 MB at 1M rows), with the
 * label-name rows' one-hot targets after them when there are any; the others one row per position.
 */
function trainingTargets(input: FoldInput, byRow: boolean, rows: Int32Array, trained: number, classOf: Int32Array): Float32Array {
  const K = input.classes;
  const P = rows.length;
  if (byRow) {
    if (P === trained) return input.targets;
    let end = input.targets.length / K;
    for (let j = trained; j < P; j++) end = Math.max(end, rows[j] + 1);
    const t = new Float32Array(end * K);
    t.set(input.targets);
    for (let j = trained; j < P; j++) t[rows[j] * K + classOf[j]] = 1;
    return t;
  }
  const t = new Float32Array(P * K);
  for (let j = 0; j < trained; j++) { const r = rows[j]; t.set(input.targets.subarray(r * K, r * K + K), j * K); }
  for (let j = trained; j < P; j++) t[j * K + classOf[j]] = 1;
  return t;
}

/** What a row is to a fold (trainFold's `role`). */
const TRAIN_ROW = 0, HELD_ROW = 1, UNLABELED_ROW = 2, NOT_A_ROW = 3;

/** Z / (1 − αᵗ), into `out` (Z itself for in place). */
function biasCorrected(Z: Float32Array, alpha: number, t: number, out = new Float32Array(Z.length)): Float32Array {
  const c = 1 / (1 - Math.pow(alpha, t));
  for (let i = 0; i < Z.length; i++) out[i] = Z[i] * c;
  return out;
}
