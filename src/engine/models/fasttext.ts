/**
 * The "fastText" text classifier as a sparse trainer in plain TypeScript: hashed n-gram embedding
 * bag (sum/√n) → dropout of tokens → linear softmax, trained by per-row SGD with a linearly decaying
 * rate (as fastText does). Only the embedding rows a text touches are read and written, which is
 * why it runs about 10× faster here than the same model on TensorFlow.js, whose optimizers update
 * the whole table every step.
 *
 * A "wide" linear layer from the hashed features straight to the classes sits beside the embedding
 * bag (logits = W·h + Σ_f V[f]/‖x‖ + b): logistic regression on the same features, which the
 * embedding's low rank cannot express. It raised detection AP on every shared dataset measured
 * (ag_news 0.861 → 0.876, toutiao pair noise 0.598 → 0.677, SMS 0.972 → 0.977; bench/RESULTS.md).
 * The mean teacher averages the embedding bag's weights; the wide layer is shared with the student.
 *
 * Mean teacher (Tarvainen & Valpola 2017): the teacher's weights are an EMA of the student's after
 * every step. Doing that densely would cost the whole table per step, so it is lazy and exact: a row
 * the student did not touch for Δ steps was constant, so its EMA catches up in one go,
 * T ← α^Δ·T + (1−α^Δ)·S, just before the student changes it (and for every row at evaluation).
 *
 * Speed (the text model's time is most of an analysis at scale): features are numbered by frequency
 * (featurize/text), so the tables hold only the rows the data uses and the frequent ones share cache
 * lines; a feature's student and teacher rows sit side by side (one 64-byte line at dim 8); what a
 * step needs of each kept feature (weight, table offsets) is gathered once per row; the bag of an
 * 8-dimension embedding is summed in locals. Every change keeps the arithmetic of the plain loops,
 * value for value (the same float32 roundings in the same order), so results are bit for bit those
 * of the straightforward version (test/unit/models.test.ts checks against a reference copy).
 */
import type { SparseRows } from '../featurize/text';
import { logitGradient, ROWS_PER_TICK, type ClassifierModel, type Mode, type TrainBatch } from './types';

export interface FastTextConfig {
  dim: number;
  classes: number;
  /** Rows of the embedding table: the data's distinct features (SparseRows.features). */
  features: number;
  /** Initial learning rate; decays linearly to 0 over all steps. */
  lr: number;
  /** Probability of dropping each feature while training. */
  tokenDropout: number;
  /** Probability of dropping each feature in a stochastic (Π) pass. */
  piDropout: number;
  /** Teacher EMA decay per step; 0 = no teacher. */
  teacherAlpha: number;
  /** Embedding rows start uniform in ±initScale. */
  initScale: number;
  /**
   * Buckets of the "wide" part: a linear layer straight from the hashed features to the classes
   * (logistic regression beside the embedding bag); 0 = none. Learning rate: `wideLr`.
   */
  wideBuckets: number;
  wideLr: number;
  seed: number;
}

export class FastText implements ClassifierModel {
  readonly name = 'fasttext';
  readonly targetsByRow = true;
  /** Per feature: its student embedding row, then (with a teacher) its teacher row: `stride` floats. */
  private readonly T: Float32Array;
  private readonly stride: number;
  private readonly W: Float32Array;
  private readonly b: Float32Array;
  private readonly V: Float32Array | undefined;
  private readonly teacher: boolean;
  private readonly tW?: Float32Array;
  private readonly tb?: Float32Array;
  /** α^Δ for Δ < DECAY_TABLE, computed as catchUp would (Math.exp(Δ·ln α)). */
  private readonly decay?: Float64Array;
  private step = 0;
  /** 1/‖weights‖ of the last forward pass. */
  private norm = 0;
  private readonly lnAlpha: number;
  /** The dropout generator's state: core/random's mulberry32, inlined (select draws once per feature of every pass). */
  private rngState: number;
  private readonly h: Float32Array;
  private readonly dh: Float32Array;
  /** The features kept for the current pass, and for each its weight, table offset and wide-row offset. */
  private readonly kept: Uint32Array;
  private readonly keptW: Float64Array;
  private readonly keptO: Int32Array;
  private readonly keptV: Int32Array;
  /**
   * What a step reads of each feature besides its table rows, side by side (one cache line for two
   * features, where four arrays cost four misses per feature): its weight in the bag (inverse
   * document frequency; 1 when absent), its wide row's offset, the step its teacher row was last
   * brought up to (catchUp), and 1 once its rows are initialised.
   */
  private readonly meta: Float64Array;
  /** The hash bucket of each feature: each embedding row is seeded by its bucket, whatever the numbering. */
  private readonly bucketOf: Uint32Array;

  constructor(readonly cfg: FastTextConfig, private readonly x: SparseRows) {
    const { dim, classes, features } = cfg;
    this.rngState = cfg.seed >>> 0 || 0x9e3779b9;
    this.teacher = cfg.teacherAlpha > 0;
    this.stride = this.teacher ? 2 * dim : dim;
    // Rows are initialised on first use (see initRow): a dataset's held-out rows may use features
    // no training row has, and a large table costs time to fill.
    this.T = new Float32Array(features * this.stride);
    this.meta = new Float64Array(features * META);
    fillWeights(this.meta, x, features);
    this.W = new Float32Array(classes * dim);
    this.b = new Float32Array(classes);
    this.bucketOf = x.bucket;
    if (cfg.wideBuckets > 0) {
      this.V = new Float32Array(fillWideRows(this.meta, x, features, cfg.wideBuckets, classes) * classes);
    }
    this.lnAlpha = Math.log(cfg.teacherAlpha || 1);
    if (this.teacher) {
      this.tW = this.W.slice();
      this.tb = this.b.slice();
      this.decay = decayTable(this.lnAlpha);
    }
    this.h = new Float32Array(dim);
    this.dh = new Float32Array(dim);
    const maxRow = longestRow(x);
    this.kept = new Uint32Array(maxRow);
    this.keptW = new Float64Array(maxRow);
    this.keptO = new Int32Array(maxRow);
    this.keptV = new Int32Array(maxRow);
  }

  /** Uniform ±initScale from a generator seeded by (seed, bucket): the same values whatever the order of first use. */
  private initRow(r: number): void {
    const { dim, initScale } = this.cfg;
    let st = (Math.imul(this.bucketOf[r] + 1, 0x9e3779b1) ^ this.cfg.seed) >>> 0;
    const T = this.T;
    const o = r * this.stride;
    for (let d = 0; d < dim; d++) {
      st = (st + 0x6d2b79f5) >>> 0;
      let t = Math.imul(st ^ (st >>> 15), st | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      T[o + d] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * initScale;
    }
    if (this.teacher) { for (let d = 0; d < dim; d++) T[o + dim + d] = T[o + d]; this.meta[r * META + META_T] = this.step; }
    this.meta[r * META + META_READY] = 1;
  }

  /** Random.next on the model's own state. */
  private nextUniform(): number {
    let t = (this.rngState = (this.rngState + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Selects the features used for one pass and gathers what the pass needs of each; returns how many. */
  private select(row: number, dropout: number): number {
    const { indptr, indices } = this.x;
    const kept = this.kept;
    const s = indptr[row];
    const e = indptr[row + 1];
    let n = 0;
    if (dropout === 0) for (let i = s; i < e; i++) kept[n++] = indices[i];
    else {
      // Random.next, value for value, on a local state.
      let st = this.rngState;
      for (let i = s; i < e; i++) {
        st = (st + 0x6d2b79f5) >>> 0;
        let t = Math.imul(st ^ (st >>> 15), st | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        if (((t ^ (t >>> 14)) >>> 0) / 4294967296 >= dropout) kept[n++] = indices[i];
      }
      this.rngState = st;
    }
    if (n === 0 && e > s) kept[n++] = indices[s + Math.floor(this.nextUniform() * (e - s))];
    const { meta, keptW, keptO, keptV, stride } = this;
    for (let j = 0; j < n; j++) {
      const f = kept[j];
      const m = f * META;
      if (meta[m + META_READY] === 0) this.initRow(f);
      keptW[j] = meta[m + META_W];
      keptO[j] = f * stride;
      keptV[j] = meta[m + META_V];
    }
    return n;
  }

  /** h = weighted sum of the selected embedding rows (student's at `off` 0, teacher's at dim) over its norm; p = softmax(W h + b + shift). */
  private forward(n: number, off: number, W: Float32Array, b: Float32Array, p: Float32Array, shift?: Float32Array): void {
    const { dim, classes } = this.cfg;
    const { h, T, keptW, keptO } = this;
    let norm = 0;
    if (dim === 8) {
      // The same float32 sums as the loop below, kept in locals (Math.fround = a Float32Array store).
      let h0 = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0, h5 = 0, h6 = 0, h7 = 0;
      for (let j = 0; j < n; j++) {
        const w = keptW[j];
        norm += w * w;
        const o = keptO[j] + off;
        h0 = Math.fround(h0 + w * T[o]); h1 = Math.fround(h1 + w * T[o + 1]);
        h2 = Math.fround(h2 + w * T[o + 2]); h3 = Math.fround(h3 + w * T[o + 3]);
        h4 = Math.fround(h4 + w * T[o + 4]); h5 = Math.fround(h5 + w * T[o + 5]);
        h6 = Math.fround(h6 + w * T[o + 6]); h7 = Math.fround(h7 + w * T[o + 7]);
      }
      h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3; h[4] = h4; h[5] = h5; h[6] = h6; h[7] = h7;
    } else {
      h.fill(0);
      for (let j = 0; j < n; j++) {
        const w = keptW[j];
        norm += w * w;
        const o = keptO[j] + off;
        for (let d = 0; d < dim; d++) h[d] += w * T[o + d];
      }
    }
    // A weighted sum over its L2 norm (√n when unweighted) rather than the mean: h keeps the same
    // scale for a 5-word SMS and a 500-word review, so short and long texts learn at the same pace.
    const inv = this.norm = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dim; d++) h[d] *= inv;
    for (let k = 0; k < classes; k++) {
      let z = b[k] + (shift ? shift[k] : 0);
      const o = k * dim;
      for (let d = 0; d < dim; d++) z += W[o + d] * h[d];
      p[k] = z;
    }
    const V = this.V;
    if (V) {
      const keptV = this.keptV;
      for (let j = 0; j < n; j++) {
        const scale = inv * keptW[j];
        const o = keptV[j];
        for (let k = 0; k < classes; k++) p[k] += scale * V[o + k];
      }
    }
    let max = -Infinity;
    for (let k = 0; k < classes; k++) if (p[k] > max) max = p[k];
    let sum = 0;
    for (let k = 0; k < classes; k++) { p[k] = Math.exp(p[k] - max); sum += p[k]; }
    for (let k = 0; k < classes; k++) p[k] /= sum;
  }

  /** Brings the teacher row of feature r (table offset o) up to the current step (the student row was constant since tLast[r]). */
  private catchUp(r: number, o: number): void {
    const meta = this.meta;
    const delta = this.step - meta[r * META + META_T];
    if (delta <= 0) return;
    const a = delta < DECAY_TABLE ? this.decay![delta] : Math.exp(this.lnAlpha * delta);
    const { dim } = this.cfg;
    const T = this.T;
    for (let d = 0; d < dim; d++) T[o + dim + d] = a * T[o + dim + d] + (1 - a) * T[o + d];
    meta[r * META + META_T] = this.step;
  }

  trainEpoch(batch: TrainBatch): number {
    const { dim, classes } = this.cfg;
    const p = new Float32Array(classes);
    const g = new Float32Array(classes);
    const { teacher, T, W, b, h, dh, kept, keptW, keptO, keptV } = this;
    const alpha = this.cfg.teacherAlpha;
    let loss = 0;
    for (let t = 0; t < batch.order.length; t++) {
      const pos = batch.order[t];
      const row = batch.rows[pos];
      const lr = this.cfg.lr * Math.max(1e-4, 1 - (batch.stepOffset + t) / batch.totalSteps);
      const n = this.select(row, this.cfg.tokenDropout);
      this.forward(n, 0, W, b, p, batch.logitShift);
      if (batch.observed) batch.observed.set(p, pos * classes);
      const cw = batch.classWeights ? batch.classWeights[batch.classOf[pos]] : 1;
      // Targets by dataset row (targetsByRow), consistency targets by position.
      loss += logitGradient(p, batch.targets, cw, batch.focalGamma, batch.consistencyTarget, batch.consistencyWeight, g, row * classes, pos * classes);
      // dh = Wᵀ g, before W changes.
      dh.fill(0);
      for (let k = 0; k < classes; k++) {
        const gk = g[k];
        if (gk === 0) continue;
        const o = k * dim;
        for (let d = 0; d < dim; d++) dh[d] += gk * W[o + d];
      }
      for (let k = 0; k < classes; k++) {
        const gk = lr * g[k];
        if (gk === 0) continue;
        const o = k * dim;
        for (let d = 0; d < dim; d++) W[o + d] -= gk * h[d];
        b[k] -= gk;
      }
      const norm = this.norm;
      if (teacher && dim === 8) {
        // catchUp and the student's step fused, in locals: the same float32 values as the loop below.
        const meta = this.meta, decay = this.decay!, step = this.step;
        const d0 = dh[0], d1 = dh[1], d2 = dh[2], d3 = dh[3], d4 = dh[4], d5 = dh[5], d6 = dh[6], d7 = dh[7];
        for (let j = 0; j < n; j++) {
          const o = keptO[j];
          const mt = kept[j] * META + META_T;
          const delta = step - meta[mt];
          if (delta > 0) {
            const a = delta < DECAY_TABLE ? decay[delta] : Math.exp(this.lnAlpha * delta);
            const c = 1 - a;
            T[o + 8] = a * T[o + 8] + c * T[o]; T[o + 9] = a * T[o + 9] + c * T[o + 1];
            T[o + 10] = a * T[o + 10] + c * T[o + 2]; T[o + 11] = a * T[o + 11] + c * T[o + 3];
            T[o + 12] = a * T[o + 12] + c * T[o + 4]; T[o + 13] = a * T[o + 13] + c * T[o + 5];
            T[o + 14] = a * T[o + 14] + c * T[o + 6]; T[o + 15] = a * T[o + 15] + c * T[o + 7];
            meta[mt] = step;
          }
          const scale = lr * norm * keptW[j];
          T[o] -= scale * d0; T[o + 1] -= scale * d1; T[o + 2] -= scale * d2; T[o + 3] -= scale * d3;
          T[o + 4] -= scale * d4; T[o + 5] -= scale * d5; T[o + 6] -= scale * d6; T[o + 7] -= scale * d7;
        }
      } else {
        for (let j = 0; j < n; j++) {
          const o = keptO[j];
          if (teacher) this.catchUp(kept[j], o);
          const scale = lr * norm * keptW[j];
          for (let d = 0; d < dim; d++) T[o + d] -= scale * dh[d];
        }
      }
      const V = this.V;
      if (V && n > 0) {
        const wlr = this.cfg.wideLr * (lr / this.cfg.lr);
        for (let j = 0; j < n; j++) {
          const scale = wlr * norm * keptW[j];
          const o = keptV[j];
          for (let k = 0; k < classes; k++) V[o + k] -= scale * g[k];
        }
      }
      this.step++;
      if (batch.onRows && ((t + 1) & (ROWS_PER_TICK - 1)) === 0) batch.onRows(t + 1);
      if (teacher) {
        const tW = this.tW!, tb = this.tb!;
        for (let i = 0; i < tW.length; i++) tW[i] = alpha * tW[i] + (1 - alpha) * W[i];
        for (let k = 0; k < classes; k++) tb[k] = alpha * tb[k] + (1 - alpha) * b[k];
      }
    }
    return loss / Math.max(1, batch.order.length);
  }

  get hasTeacher(): boolean { return this.teacher; }

  /** The embedding bag h, then the logits centred on their mean (log p − mean log p): what the softmax sees. */
  get representationDim(): number { return this.cfg.dim + this.cfg.classes; }

  represent(rows: ArrayLike<number>, out: Float32Array): void {
    const { dim, classes } = this.cfg;
    const D = dim + classes;
    const p = new Float32Array(classes);
    for (let i = 0; i < rows.length; i++) {
      this.forward(this.select(rows[i], 0), 0, this.W, this.b, p);
      const o = i * D;
      out.set(this.h, o);
      let mean = 0;
      for (let k = 0; k < classes; k++) { const l = Math.log(p[k] + 1e-12); out[o + dim + k] = l; mean += l; }
      mean /= classes;
      for (let k = 0; k < classes; k++) out[o + dim + k] -= mean;
    }
  }

  predict(rows: ArrayLike<number>, mode: Mode, out: Float32Array): void {
    const { classes, dim } = this.cfg;
    if (mode === 'teacher') {
      if (!this.teacher) throw new Error('no teacher');
      for (let r = 0; r < this.cfg.features; r++) if (this.meta[r * META + META_READY] !== 0) this.catchUp(r, r * this.stride);
    }
    const p = new Float32Array(classes);
    for (let i = 0; i < rows.length; i++) {
      const n = this.select(rows[i], mode === 'stochastic' ? this.cfg.piDropout : 0);
      if (mode === 'teacher') this.forward(n, dim, this.tW!, this.tb!, p);
      else this.forward(n, 0, this.W, this.b, p);
      out.set(p, i * classes);
    }
  }
}

/*
 * The constructor's loops over features and rows, as functions of their own: a loop inside the
 * constructor (50k features on SMS) made V8 compile the whole constructor on the stack, and again
 * for each fold's new map assumptions (eight constructor compiles a run on SMS). The same values.
 */

/** Each feature's weight in the bag: its inverse document frequency, 1 when there is none. */
function fillWeights(meta: Float64Array, x: SparseRows, features: number): void {
  for (let f = 0; f < features; f++) meta[f * META + META_W] = x.idf ? x.idf[f] : 1;
}

/**
 * The wide layer's row of each feature (× classes, into meta): features whose hash buckets share a
 * wide bucket share a row, as they would in a table of `wideBuckets` rows; only the rows the data
 * uses exist, numbered in order of first use by feature id (most frequent first, so the hot rows sit
 * together). Returns how many rows.
 */
function fillWideRows(meta: Float64Array, x: SparseRows, features: number, wb: number, classes: number): number {
  const mask = (wb & (wb - 1)) === 0 ? wb - 1 : -1;
  const rowOf = new Int32Array(wb).fill(-1);
  let rows = 0;
  for (let f = 0; f < features; f++) {
    const w = mask >= 0 ? x.bucket[f] & mask : x.bucket[f] % wb;
    if (rowOf[w] < 0) rowOf[w] = rows++;
    meta[f * META + META_V] = rowOf[w] * classes;
  }
  return rows;
}

/** α^Δ for Δ < DECAY_TABLE, as catchUp computes it (Math.exp(Δ·ln α)). */
function decayTable(lnAlpha: number): Float64Array {
  const decay = new Float64Array(DECAY_TABLE);
  for (let d = 0; d < DECAY_TABLE; d++) decay[d] = Math.exp(lnAlpha * d);
  return decay;
}

/** The most features of any row (at least 1). */
function longestRow(x: SparseRows): number {
  let maxRow = 1;
  for (let i = 0; i < x.rows; i++) maxRow = Math.max(maxRow, x.indptr[i + 1] - x.indptr[i]);
  return maxRow;
}

/** The fields of FastText.meta, per feature. */
const META = 4, META_W = 0, META_V = 1, META_T = 2, META_READY = 3;
/** Gaps (in steps) between a feature's uses for which α^Δ is tabled; longer ones are computed. */
const DECAY_TABLE = 4096;
