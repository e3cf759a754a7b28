/**
 * Multilayer perceptron for numeric features and embeddings, and for pixels unless the CNN is chosen
 * (see denseNetworkFor): input dropout → dense(ReLU) → dropout → dense → logits.
 *
 * Two implementations of the same network: `MlpModel` in plain TypeScript (the one the factories
 * use), and `mlpNetwork` on TensorFlow.js (kept for the tfjs training loop, tfClassifier). The
 * TypeScript one exists for speed: on the wasm backend a 784-256-10 step at batch 64 took ~60 ms,
 * most of it in the backward matmuls (xᵀ·dh ran at ~30 ns a multiply-add: wasm's BatchMatMul
 * leaves XNNPACK for a naive loop there). Here the first layer reads only the input's non-zero
 * values (pixels are ~80% zero, more after input dropout) forwards and backwards, as axpy loops over
 * contiguous rows of W1; the rest is small. Adam (tfjs's defaults: β 0.9/0.999, ε 1e-7), the mean
 * teacher as an EMA of every weight after every batch, as tfClassifier does.
 */
import type * as TF from '@tensorflow/tfjs';
import { Random } from '../../core/random';
import { heNormal, type TfNetwork } from './tfClassifier';
import { logitGradient, ROWS_PER_TICK, type ClassifierModel, type Mode, type TrainBatch } from './types';

export interface MlpConfig {
  dim: number;
  hidden: number;
  classes: number;
  dropout: number;
  inputDropout: number;
}

export function mlpNetwork(tf: typeof TF, cfg: MlpConfig, rng: Random): TfNetwork {
  const { dim, hidden, classes } = cfg;
  const vars = [heNormal(tf, rng, [dim, hidden], dim), tf.variable(tf.zeros([hidden])), heNormal(tf, rng, [hidden, classes], hidden), tf.variable(tf.zeros([classes]))];
  return {
    vars,
    featureDim: hidden,
    features: (x, [w1, b1]) => tf.relu(tf.add(tf.matMul(x, w1 as TF.Tensor2D), b1)) as TF.Tensor2D,
    logits(x, [w1, b1, w2, b2], drop) {
      const h = tf.relu(tf.add(tf.matMul(drop(x, cfg.inputDropout) as TF.Tensor2D, w1 as TF.Tensor2D), b1)) as TF.Tensor2D;
      return tf.add(tf.matMul(drop(h, cfg.dropout) as TF.Tensor2D, w2 as TF.Tensor2D), b2) as TF.Tensor2D;
    },
  };
}

export interface MlpModelConfig extends MlpConfig {
  lr: number;
  batch: number;
  /** Teacher EMA decay per batch; 0 = no teacher. */
  teacherAlpha: number;
  seed: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/** The weights of the network, one Float32Array: W1 (dim × hidden), b1, W2 (hidden × classes), b2. */
interface Weights { all: Float32Array; w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array }

function weights(dim: number, hidden: number, classes: number, all = new Float32Array(dim * hidden + hidden + hidden * classes + classes)): Weights {
  let o = 0;
  const part = (n: number) => { const a = all.subarray(o, o + n); o += n; return a; };
  return { all, w1: part(dim * hidden), b1: part(hidden), w2: part(hidden * classes), b2: part(classes) };
}

export class MlpModel implements ClassifierModel {
  readonly name = 'mlp';
  private readonly w: Weights;
  private readonly grad: Weights;
  private readonly teacherW?: Weights;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;
  private readonly rng: Random;
  /** Per batch row: the non-zero inputs after dropout (index, value), the hidden layer after ReLU and dropout, its gradient, the logits' gradient. */
  private readonly nzIdx: Int32Array;
  private readonly nzVal: Float32Array;
  private readonly nzEnd: Int32Array;
  private readonly h: Float32Array;
  private readonly dh: Float32Array;
  private readonly p: Float32Array;
  private readonly g: Float32Array;
  /** One row's logits (double precision). */
  private readonly z: Float64Array;
  /** inputGradient's grouping: per input its span in byInput (positions into nzIdx) and byRow (the batch row's offset in dh). */
  private readonly byStart: Int32Array;
  private readonly byFill: Int32Array;
  private readonly byInput: Int32Array;
  private readonly byRow: Int32Array;

  constructor(readonly cfg: MlpModelConfig, private readonly x: Float32Array) {
    const { dim, hidden, classes, batch } = cfg;
    this.rng = new Random(cfg.seed);
    this.w = weights(dim, hidden, classes);
    // He-normal, drawn in the order the tfjs network draws them (W1 then W2).
    const sd1 = Math.sqrt(2 / dim), sd2 = Math.sqrt(2 / hidden);
    for (let i = 0; i < this.w.w1.length; i++) this.w.w1[i] = this.rng.normal() * sd1;
    for (let i = 0; i < this.w.w2.length; i++) this.w.w2[i] = this.rng.normal() * sd2;
    this.grad = weights(dim, hidden, classes);
    if (cfg.teacherAlpha > 0) this.teacherW = weights(dim, hidden, classes, this.w.all.slice());
    this.m = new Float32Array(this.w.all.length);
    this.v = new Float32Array(this.w.all.length);
    const B = Math.max(batch, PREDICT_BATCH);
    this.nzIdx = new Int32Array(B * dim);
    this.nzVal = new Float32Array(B * dim);
    this.nzEnd = new Int32Array(B);
    this.h = new Float32Array(B * hidden);
    this.dh = new Float32Array(B * hidden);
    this.p = new Float32Array(B * classes);
    this.g = new Float32Array(classes);
    this.z = new Float64Array(classes);
    this.byStart = new Int32Array(dim + 1);
    this.byFill = new Int32Array(dim);
    this.byInput = new Int32Array(batch * dim);
    this.byRow = new Int32Array(batch * dim);
  }

  get hasTeacher(): boolean { return this.teacherW !== undefined; }

  /**
   * Forward pass of rows[from..to) with weights `w`: the non-zero (dropped-out) inputs, hidden
   * activations (after ReLU and dropout) and, unless `hiddenOnly`, softmax(logits + shift) into p.
   */
  private forward(rows: ArrayLike<number>, from: number, to: number, w: Weights, stochastic: boolean, shift?: Float32Array, hiddenOnly = false): void {
    const { dim, hidden, classes, inputDropout, dropout } = this.cfg;
    const { x, nzIdx, nzVal, nzEnd, h, p, rng } = this;
    const { w1, b1, w2, b2 } = w;
    const inScale = 1 / (1 - inputDropout), hScale = 1 / (1 - dropout);
    const n = to - from;
    let nz = 0;
    for (let r = 0; r < n; r++) {
      const xo = rows[from + r] * dim;
      for (let i = 0; i < dim; i++) {
        const xi = x[xo + i];
        // Dropout draws for every input (zero or not), so the masks do not depend on the data's sparsity.
        if (stochastic && inputDropout > 0 && rng.next() < inputDropout) continue;
        if (xi === 0) continue;
        nzIdx[nz] = i;
        nzVal[nz++] = stochastic && inputDropout > 0 ? xi * inScale : xi;
      }
      nzEnd[r] = nz;
      const ho = r * hidden;
      for (let j = 0; j < hidden; j++) h[ho + j] = b1[j];
    }
    // The first layer in blocks of hidden units: a block of W1 (dim × HIDDEN_BLOCK) stays in the
    // cache across the batch's rows, where whole rows of W1 (784 × 256 floats) would not.
    for (let jb = 0; jb < hidden; jb += HIDDEN_BLOCK) {
      const je = Math.min(hidden, jb + HIDDEN_BLOCK);
      for (let r = 0; r < n; r++) {
        const ho = r * hidden;
        const end = nzEnd[r];
        let q = r > 0 ? nzEnd[r - 1] : 0;
        // Four rows of W1 per pass over h: a quarter of the loads and stores of h.
        for (; q + 4 <= end; q += 4) {
          const a0 = nzVal[q], a1 = nzVal[q + 1], a2 = nzVal[q + 2], a3 = nzVal[q + 3];
          const o0 = nzIdx[q] * hidden - ho, o1 = nzIdx[q + 1] * hidden - ho, o2 = nzIdx[q + 2] * hidden - ho, o3 = nzIdx[q + 3] * hidden - ho;
          for (let j = ho + jb; j < ho + je; j++) h[j] += a0 * w1[o0 + j] + a1 * w1[o1 + j] + a2 * w1[o2 + j] + a3 * w1[o3 + j];
        }
        for (; q < end; q++) {
          const a = nzVal[q];
          const wo = nzIdx[q] * hidden - ho;
          for (let j = ho + jb; j < ho + je; j++) h[j] += a * w1[wo + j];
        }
      }
    }
    const z = this.z;
    for (let r = 0; r < n; r++) {
      const ho = r * hidden;
      for (let j = 0; j < hidden; j++) {
        let v = h[ho + j];
        if (v < 0) v = 0;
        if (stochastic && dropout > 0) v = rng.next() < dropout ? 0 : v * hScale;
        h[ho + j] = v;
      }
      if (hiddenOnly) continue;
      for (let k = 0; k < classes; k++) z[k] = b2[k] + (shift ? shift[k] : 0);
      for (let j = 0; j < hidden; j++) {
        const v = h[ho + j];
        if (v === 0) continue;
        const o = j * classes;
        for (let k = 0; k < classes; k++) z[k] += v * w2[o + k];
      }
      const po = r * classes;
      let max = -Infinity;
      for (let k = 0; k < classes; k++) if (z[k] > max) max = z[k];
      let sum = 0;
      for (let k = 0; k < classes; k++) { const e = Math.exp(z[k] - max); p[po + k] = e; sum += e; }
      for (let k = 0; k < classes; k++) p[po + k] /= sum;
    }
  }

  trainEpoch(b: TrainBatch): number {
    const { batch: B, lr, teacherAlpha: alpha } = this.cfg;
    const { m, v } = this;
    const all = this.w.all;
    const ordered = Int32Array.from(b.order, (pos) => b.rows[pos]);
    let lossSum = 0;
    for (let s = 0; s < ordered.length; s += B) {
      const n = Math.min(ordered.length, s + B) - s;
      lossSum += this.gradient(b, ordered, s, n);
      // Adam, as tfjs: lr·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε).
      this.t++;
      const step = (lr * Math.sqrt(1 - BETA2 ** this.t)) / (1 - BETA1 ** this.t);
      const ga = this.grad.all;
      for (let i = 0; i < all.length; i++) {
        const gi = ga[i];
        const mi = (m[i] = BETA1 * m[i] + (1 - BETA1) * gi);
        const vi = (v[i] = BETA2 * v[i] + (1 - BETA2) * gi * gi);
        all[i] -= (step * mi) / (Math.sqrt(vi) + EPSILON);
      }
      if (this.teacherW) {
        const ta = this.teacherW.all;
        for (let i = 0; i < ta.length; i++) ta[i] = alpha * ta[i] + (1 - alpha) * all[i];
      }
      // Progress about every ROWS_PER_TICK rows, as fastText reports (not a message per batch).
      if (b.onRows && Math.floor((s + n) / ROWS_PER_TICK) > Math.floor(s / ROWS_PER_TICK)) b.onRows(s + n);
    }
    return lossSum / Math.max(1, ordered.length);
  }

  /**
   * The gradient of the batch's mean loss over positions order[s .. s+n) (dataset rows `ordered`)
   * into `grad`, from a training (stochastic) forward pass; returns the rows' summed loss.
   */
  gradient(b: TrainBatch, ordered: Int32Array, s: number, n: number): number {
    const { hidden, classes: K } = this.cfg;
    const { w, grad, h, dh, p, g } = this;
    const hScale = this.cfg.dropout > 0 ? 1 / (1 - this.cfg.dropout) : 1;
    this.forward(ordered, s, s + n, w, true, b.logitShift);
    grad.all.fill(0);
    const { w1: gw1, b1: gb1, w2: gw2, b2: gb2 } = grad;
    const w2 = w.w2;
    let lossSum = 0;
    for (let r = 0; r < n; r++) {
      const pos = b.order[s + r];
      const pr = p.subarray(r * K, r * K + K);
      if (b.observed) b.observed.set(pr, pos * K);
      const cw = b.classWeights ? b.classWeights[b.classOf[pos]] : 1;
      lossSum += logitGradient(pr, b.targets, cw, b.focalGamma, b.consistencyTarget, b.consistencyWeight, g, pos * K);
      // The loss is the batch mean.
      for (let k = 0; k < K; k++) { g[k] /= n; gb2[k] += g[k]; }
      const ho = r * hidden;
      for (let j = 0; j < hidden; j++) {
        const hj = h[ho + j];
        let d = 0;
        const wo = j * K;
        for (let k = 0; k < K; k++) { d += g[k] * w2[wo + k]; if (hj !== 0) gw2[wo + k] += hj * g[k]; }
        // Through dropout and ReLU: zero where the unit was off; scaled as the forward pass scaled it.
        dh[ho + j] = hj !== 0 ? d * hScale : 0;
      }
      for (let j = 0; j < hidden; j++) gb1[j] += dh[ho + j];
    }
    this.inputGradient(n, gw1);
    return lossSum;
  }

  /** The student's weights (W1, b1, W2, b2 in one array) and the last batch's gradient: for tests. */
  get parameters(): Float32Array { return this.w.all; }
  get lastGradient(): Float32Array { return this.grad.all; }

  /**
   * W1's gradient, Xᵀ·dH over the batch's non-zero inputs: grouped by input (a counting sort of the
   * batch's (row, input) pairs), so each row of the gradient is written once per four batch rows.
   */
  private inputGradient(n: number, gw1: Float32Array): void {
    const { dim, hidden } = this.cfg;
    const { nzIdx, nzVal, nzEnd, dh, byInput, byStart } = this;
    const total = nzEnd[n - 1];
    byStart.fill(0);
    for (let q = 0; q < total; q++) byStart[nzIdx[q] + 1]++;
    for (let i = 0; i < dim; i++) byStart[i + 1] += byStart[i];
    const fill = this.byFill;
    fill.set(byStart.subarray(0, dim));
    let r = 0;
    for (let q = 0; q < total; q++) {
      while (q >= nzEnd[r]) r++;
      const at = fill[nzIdx[q]]++;
      byInput[at] = q;
      this.byRow[at] = r * hidden;
    }
    const byRow = this.byRow;
    for (let i = 0; i < dim; i++) {
      const e = byStart[i + 1];
      let u = byStart[i];
      if (u === e) continue;
      const wo = i * hidden;
      for (; u + 4 <= e; u += 4) {
        const a0 = nzVal[byInput[u]], a1 = nzVal[byInput[u + 1]], a2 = nzVal[byInput[u + 2]], a3 = nzVal[byInput[u + 3]];
        const o0 = byRow[u], o1 = byRow[u + 1], o2 = byRow[u + 2], o3 = byRow[u + 3];
        for (let j = 0; j < hidden; j++) gw1[wo + j] += a0 * dh[o0 + j] + a1 * dh[o1 + j] + a2 * dh[o2 + j] + a3 * dh[o3 + j];
      }
      for (; u < e; u++) {
        const a = nzVal[byInput[u]], o = byRow[u];
        for (let j = 0; j < hidden; j++) gw1[wo + j] += a * dh[o + j];
      }
    }
  }

  predict(rows: ArrayLike<number>, mode: Mode, out: Float32Array): void {
    const K = this.cfg.classes;
    const w = mode === 'teacher' ? this.teacherW! : this.w;
    for (let s = 0; s < rows.length; s += PREDICT_BATCH) {
      const n = Math.min(rows.length, s + PREDICT_BATCH) - s;
      this.forward(rows, s, s + n, w, mode === 'stochastic');
      out.set(this.p.subarray(0, n * K), s * K);
    }
  }

  get representationDim(): number { return this.cfg.hidden; }

  /** The hidden layer (after ReLU, no dropout) of the student. */
  represent(rows: ArrayLike<number>, out: Float32Array): void {
    const H = this.cfg.hidden;
    for (let s = 0; s < rows.length; s += PREDICT_BATCH) {
      const n = Math.min(rows.length, s + PREDICT_BATCH) - s;
      this.forward(rows, s, s + n, this.w, false, undefined, true);
      out.set(this.h.subarray(0, n * H), s * H);
    }
  }
}

/** Hidden units per block of the first layer (64 floats: a block of a 784-input W1 is 200 kB). */
const HIDDEN_BLOCK = 64;
/** Rows per forward pass when predicting (the buffers are sized for it). */
const PREDICT_BATCH = 256;
