/**
 * k-nearest-neighbour label agreement on dense (standardised) features: the class distribution of a
 * row's k nearest training rows (Euclidean), each neighbour's target weighted by 1/(1 + rank), with
 * add-one smoothing. A different kind of evidence from a fitted model: a mislabeled row sits among
 * rows of its true class whatever shape the class boundary has (Bahri et al. 2020, "Deep k-NN for
 * noisy labels"). Nothing to train; the neighbours of the rows asked for are found once per call.
 * Exact search: time rows × training rows × dim, so the dense factory uses it on small tables only.
 */
import { prunedDot } from '../neighbours';
import type { ClassifierModel, Mode, TrainBatch } from './types';

export interface KnnConfig {
  dim: number;
  classes: number;
  k: number;
}

export class KnnModel implements ClassifierModel {
  readonly name = 'knn';
  readonly hasTeacher = false;
  private train: TrainBatch | undefined;
  private cache: { rows: ArrayLike<number>; out: Float32Array } | undefined;

  constructor(readonly cfg: KnnConfig, private readonly x: Float32Array) {}

  trainEpoch(batch: TrainBatch): number {
    this.train = batch;
    return 0;
  }

  predict(rows: ArrayLike<number>, _mode: Mode, out: Float32Array): void {
    if (this.cache && this.cache.rows === rows) { out.set(this.cache.out); return; }
    const t = this.train;
    if (!t) throw new Error('k-NN: predict before training');
    const { dim: D, classes: K } = this.cfg;
    const k = Math.min(this.cfg.k, t.rows.length);
    const P = t.rows.length;
    // Squared norms of the training rows, for ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b.
    const norms = new Float64Array(P);
    for (let j = 0; j < P; j++) { const o = t.rows[j] * D; let s = 0; for (let d = 0; d < D; d++) s += this.x[o + d] ** 2; norms[j] = s; }
    const bestD = new Float64Array(k);
    const bestJ = new Int32Array(k);
    const x = this.x;
    for (let i = 0; i < rows.length; i++) {
      const oi = rows[i] * D;
      let ni = 0;
      for (let d = 0; d < D; d++) ni += x[oi + d] ** 2;
      bestD.fill(Infinity);
      bestJ.fill(-1);
      for (let j = 0; j < P; j++) {
        const r = t.rows[j];
        if (r === rows[i]) continue;
        const oj = r * D;
        const worst = bestD[k - 1];
        // The partial squared distance Σ(a−b)² only grows and ‖a−b‖² = ‖a‖² + (‖b‖² − 2a·b):
        // once it exceeds ‖a‖² + the k-th best by more than rounding could explain, this row is
        // farther than all k kept and cannot enter them (neighbours.prunedDot: same sums as unpruned).
        const dotp = prunedDot(x, oi, oj, D, worst < Infinity ? ni + worst + 1e-9 * (ni + norms[j] + 1) : Infinity);
        if (Number.isNaN(dotp)) continue;
        const dist = norms[j] - 2 * dotp;
        if (dist >= bestD[k - 1]) continue;
        let at = k - 1;
        while (at > 0 && bestD[at - 1] > dist) { bestD[at] = bestD[at - 1]; bestJ[at] = bestJ[at - 1]; at--; }
        bestD[at] = dist;
        bestJ[at] = j;
      }
      const o = i * K;
      for (let c = 0; c < K; c++) out[o + c] = 1;
      let total = K;
      for (let a = 0; a < k; a++) {
        const j = bestJ[a];
        if (j < 0) break;
        const w = 1 / (1 + a);
        for (let c = 0; c < K; c++) out[o + c] += w * t.targets[j * K + c] * k;
        total += w * k;
      }
      for (let c = 0; c < K; c++) out[o + c] /= total;
    }
    this.cache = { rows, out: out.slice(0, rows.length * K) };
  }
}
