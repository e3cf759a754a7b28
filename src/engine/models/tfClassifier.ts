/**
 * A classifier on TensorFlow.js for dense inputs (numeric features, embeddings, pixels): one
 * training loop for every network (MLP, CNN): Adam on (soft) targets with the imbalance remedies and
 * the consistency loss, and a mean teacher that is an EMA of the weights after every batch (dense and
 * small, so done eagerly). The network only says which weights it has and how it maps a batch of
 * rows to logits.
 */
import type * as TF from '@tensorflow/tfjs';
import { Random } from '../../core/random';
import type { ClassifierModel, Mode, TrainBatch } from './types';

/** Dropout with a seed from the classifier's generator; identity when the pass is not stochastic. */
export type Dropout = (t: TF.Tensor, rate: number) => TF.Tensor;

export interface TfNetwork {
  /** Trainable weights, in a fixed order (the teacher keeps a copy of each). */
  vars: TF.Variable[];
  /** Logits of a batch of rows (n × dim) with the given weights (the student's or the teacher's). */
  logits(x: TF.Tensor2D, vars: TF.Variable[], drop: Dropout): TF.Tensor2D;
  /** The penultimate layer of a batch (n × `featureDim`), no dropout: the row's learned representation. */
  features?(x: TF.Tensor2D, vars: TF.Variable[]): TF.Tensor2D;
  featureDim?: number;
}

export interface TfClassifierConfig {
  /** The network's name, for the summary. */
  name: string;
  dim: number;
  classes: number;
  lr: number;
  batch: number;
  /** Teacher EMA decay per batch; 0 = no teacher. */
  teacherAlpha: number;
  seed: number;
}

export class TfClassifier implements ClassifierModel {
  private readonly net: TfNetwork;
  private readonly teacherVars?: TF.Variable[];
  private readonly opt: TF.Optimizer;
  private readonly rng: Random;
  private seedCounter = 0;

  /** `build` creates the network's weights from the classifier's generator (deterministic per seed). */
  constructor(private readonly tf: typeof TF, readonly cfg: TfClassifierConfig, private readonly x: Float32Array, build: (rng: Random) => TfNetwork) {
    this.rng = new Random(cfg.seed);
    this.net = build(this.rng);
    if (cfg.teacherAlpha > 0) this.teacherVars = this.net.vars.map((v) => tf.variable(v.clone(), false));
    this.opt = tf.train.adam(cfg.lr);
  }

  get hasTeacher(): boolean { return this.teacherVars !== undefined; }
  get name(): string { return this.cfg.name; }

  private rows(rows: ArrayLike<number>, from: number, to: number): TF.Tensor2D {
    const D = this.cfg.dim;
    const out = new Float32Array((to - from) * D);
    for (let i = from; i < to; i++) out.set(this.x.subarray(rows[i] * D, rows[i] * D + D), (i - from) * D);
    return this.tf.tensor2d(out, [to - from, D]);
  }

  private readonly dropOn: Dropout = (t, rate) => (rate > 0 ? this.tf.dropout(t, rate, undefined, this.rng.int(2 ** 31) + this.seedCounter++) : t);
  private readonly dropOff: Dropout = (t) => t;

  private logits(x: TF.Tensor2D, vars: TF.Variable[], stochastic: boolean): TF.Tensor2D {
    return this.net.logits(x, vars, stochastic ? this.dropOn : this.dropOff);
  }

  async trainEpoch(b: TrainBatch): Promise<number> {
    const tf = this.tf;
    const K = this.cfg.classes;
    const B = this.cfg.batch;
    const alpha = this.cfg.teacherAlpha;
    const vars = this.net.vars;
    const ordered = Int32Array.from(b.order, (pos) => b.rows[pos]);
    let lossSum = 0;
    let count = 0;
    for (let s = 0; s < ordered.length; s += B) {
      const e = Math.min(ordered.length, s + B);
      const n = e - s;
      const tgt = new Float32Array(n * K);
      const w = new Float32Array(n).fill(1);
      const cons = b.consistencyTarget && b.consistencyWeight > 0 ? new Float32Array(n * K) : undefined;
      for (let i = 0; i < n; i++) {
        const pos = b.order[s + i];
        tgt.set(b.targets.subarray(pos * K, pos * K + K), i * K);
        if (b.classWeights) w[i] = b.classWeights[b.classOf[pos]];
        if (cons) cons.set(b.consistencyTarget!.subarray(pos * K, pos * K + K), i * K);
      }
      const loss = tf.tidy(() => {
        const x = this.rows(ordered, s, e);
        const t = tf.tensor2d(tgt, [n, K]);
        let wt = tf.tensor1d(w);
        if (b.focalGamma > 0 || b.observed) {
          // Focal weights (1 − p_t)^γ from the current prediction, held constant for the gradient.
          const p = tf.softmax(this.logits(x, vars, false));
          if (b.observed) {
            const pd = p.dataSync();
            for (let i = 0; i < n; i++) b.observed.set(pd.subarray(i * K, i * K + K), b.order[s + i] * K);
          }
          if (b.focalGamma > 0) wt = tf.mul(wt, tf.pow(tf.relu(tf.sub(1, tf.sum(tf.mul(p, t), 1))), b.focalGamma));
        }
        const shift = b.logitShift ? tf.tensor1d(b.logitShift) : undefined;
        const c = cons ? tf.tensor2d(cons, [n, K]) : undefined;
        const value = this.opt.minimize(() => {
          let z = this.logits(x, vars, true);
          if (shift) z = tf.add(z, shift);
          const logp = tf.logSoftmax(z);
          let l = tf.mean(tf.mul(wt, tf.neg(tf.sum(tf.mul(t, logp), 1)))) as TF.Scalar;
          if (c) l = tf.add(l, tf.mul(b.consistencyWeight / K, tf.mean(tf.sum(tf.square(tf.sub(tf.exp(logp), c)), 1)))) as TF.Scalar;
          return l;
        }, true, vars) as TF.Scalar;
        return value.dataSync()[0];
      });
      if (this.teacherVars) {
        tf.tidy(() => this.teacherVars!.forEach((tv, i) => tv.assign(tf.add(tf.mul(tv, alpha), tf.mul(vars[i], 1 - alpha)))));
      }
      lossSum += loss * n;
      count += n;
    }
    return lossSum / Math.max(1, count);
  }

  predict(rows: ArrayLike<number>, mode: Mode, out: Float32Array): void {
    const tf = this.tf;
    const K = this.cfg.classes;
    const vars = mode === 'teacher' ? this.teacherVars! : this.net.vars;
    for (let s = 0; s < rows.length; s += 1024) {
      const e = Math.min(rows.length, s + 1024);
      const p = tf.tidy(() => tf.softmax(this.logits(this.rows(rows, s, e), vars, mode === 'stochastic')).dataSync());
      out.set(p, s * K);
    }
  }

  get representationDim(): number | undefined { return this.net.features ? this.net.featureDim : undefined; }

  represent(rows: ArrayLike<number>, out: Float32Array): void {
    const D = this.net.featureDim!;
    for (let s = 0; s < rows.length; s += 1024) {
      const e = Math.min(rows.length, s + 1024);
      const h = this.tf.tidy(() => this.net.features!(this.rows(rows, s, e), this.net.vars).dataSync());
      out.set(h, s * D);
    }
  }

  dispose(): void {
    this.net.vars.forEach((v) => v.dispose());
    this.teacherVars?.forEach((v) => v.dispose());
    this.opt.dispose();
  }
}

/** He-normal weights (ReLU layers): normal with sd √(2 / fan-in). */
export function heNormal(tf: typeof TF, rng: Random, shape: number[], fanIn: number): TF.Variable {
  const a = new Float32Array(shape.reduce((x, y) => x * y, 1));
  const sd = Math.sqrt(2 / fanIn);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal() * sd;
  return tf.variable(tf.tensor(a, shape));
}
