/**
 * Multinomial logistic regression on dense (standardised) features, in plain TypeScript: the
 * scikit-learn peer's model (L2 penalty ½‖W‖² at C = 1, bias unpenalised), fitted full-batch by
 * L-BFGS with a backtracking line search. Small tables need no TensorFlow.js: no backend start, and a
 * fold of 1,800 × 64 fits in tens of milliseconds. Each `trainEpoch` runs a slice of the iterations,
 * so the fold trainer's per-epoch predictions record the fit's trajectory (training dynamics).
 * Soft targets and class weights enter the gradient as in every other model (logitGradient).
 */
import type { ClassifierModel, Mode, TrainBatch } from './types';
import { logitGradient } from './types';

/** Rows of one block of the objective's loops (the code is written out for four). */
const ROWS = 4;

/** 8M values = 64 MB per fold trainer. */
const DOUBLE_MAX = 1 << 23;

export interface LinearConfig {
  dim: number;
  classes: number;
  /** Inverse regularisation strength (scikit-learn's C). */
  C: number;
  /** L-BFGS iterations over the whole fit (spread over the epochs). */
  iterations: number;
  epochs: number;
  /** L-BFGS memory. */
  memory: number;
  /** Stop once an iteration lowers the objective by less than this fraction of it (default 1e-9: to machine precision, in effect). */
  tolerance?: number;
}

export class LinearModel implements ClassifierModel {
  readonly name = 'logreg';
  readonly hasTeacher = false;
  /** Weights, K × (D + 1): D coefficients then the bias, per class. */
  private readonly w: Float64Array;
  /**
   * The features, in double precision up to DOUBLE_MAX values (the fit's inner loops then do no
   * conversions: 1.3–2× faster), else the engine's single-precision array (no copy at scale).
   */
  private readonly x: Float64Array | Float32Array;
  private readonly s: Float64Array[] = [];
  private readonly y: Float64Array[] = [];
  private grad: Float64Array | undefined;
  private loss = 0;
  private epoch = 0;

  constructor(readonly cfg: LinearConfig, x: Float32Array) {
    this.x = x.length <= DOUBLE_MAX ? Float64Array.from(x) : x;
    this.w = new Float64Array(cfg.classes * (cfg.dim + 1));
  }

  private logits(row: number, w: Float64Array, out: Float32Array): void {
    const { dim: D, classes: K } = this.cfg;
    const o = row * D;
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      const wo = k * (D + 1);
      let z = w[wo + D];
      for (let d = 0; d < D; d++) z += w[wo + d] * this.x[o + d];
      out[k] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let k = 0; k < K; k++) { out[k] = Math.exp(out[k] - max); sum += out[k]; }
    for (let k = 0; k < K; k++) out[k] /= sum;
  }

  /**
   * Objective and gradient at w over the training rows. The hot loops are written out (no per-row
   * views or calls) for the common case of plain cross-entropy; focal loss goes through
   * logitGradient like the other models.
   *
   * Rows go four at a time (ROWS) and classes two at a time: each weight loaded serves four rows'
   * logits and each feature two classes', and the eight sums are independent chains of additions
   * the processor overlaps (one long chain waits on each addition): digits' objective 2–2.5× faster
   * than row by row. Every sum still adds the same terms in the same order as the
   * plain row-by-row loops — a logit bias first then d = 0…D−1, a gradient entry row after row —
   * so the objective and gradient are the same bits (test/unit/tabularModels.test.ts checks).
   */
  private objective(w: Float64Array, batch: TrainBatch, g: Float64Array): number {
    const { dim: D, classes: K, C } = this.cfg;
    const x = this.x;
    const targets = batch.targets;
    const rows = batch.rows;
    const stride = D + 1;
    g.fill(0);
    const z = new Float64Array(ROWS * K);
    const p = new Float32Array(K);
    // Per-row loss gradients in float32, as logitGradient writes them.
    const gl = new Float32Array(ROWS * K);
    const off = new Int32Array(ROWS);
    let f = 0;
    for (let j0 = 0; j0 < rows.length; j0 += ROWS) {
      const m = Math.min(ROWS, rows.length - j0);
      for (let r = 0; r < m; r++) off[r] = rows[j0 + r] * D;
      if (m === ROWS) {
        const o0 = off[0], o1 = off[1], o2 = off[2], o3 = off[3];
        // Two classes at a time: each feature loaded serves both (eight sums); an odd last class alone.
        let k = 0;
        for (; k + 2 <= K; k += 2) {
          const wa = k * stride, wb = wa + stride;
          let a0 = w[wa + D], a1 = a0, a2 = a0, a3 = a0, b0 = w[wb + D], b1 = b0, b2 = b0, b3 = b0;
          for (let d = 0; d < D; d++) {
            const ca = w[wa + d], cb = w[wb + d], x0 = x[o0 + d], x1 = x[o1 + d], x2 = x[o2 + d], x3 = x[o3 + d];
            a0 += ca * x0; a1 += ca * x1; a2 += ca * x2; a3 += ca * x3;
            b0 += cb * x0; b1 += cb * x1; b2 += cb * x2; b3 += cb * x3;
          }
          z[k] = a0; z[K + k] = a1; z[2 * K + k] = a2; z[3 * K + k] = a3;
          z[k + 1] = b0; z[K + k + 1] = b1; z[2 * K + k + 1] = b2; z[3 * K + k + 1] = b3;
        }
        for (; k < K; k++) {
          const wo = k * stride;
          let v0 = w[wo + D], v1 = v0, v2 = v0, v3 = v0;
          for (let d = 0; d < D; d++) { const c = w[wo + d]; v0 += c * x[o0 + d]; v1 += c * x[o1 + d]; v2 += c * x[o2 + d]; v3 += c * x[o3 + d]; }
          z[k] = v0; z[K + k] = v1; z[2 * K + k] = v2; z[3 * K + k] = v3;
        }
      } else {
        for (let r = 0; r < m; r++) {
          const o = off[r];
          for (let k = 0; k < K; k++) { const wo = k * stride; let v = w[wo + D]; for (let d = 0; d < D; d++) v += w[wo + d] * x[o + d]; z[r * K + k] = v; }
        }
      }
      for (let r = 0; r < m; r++) {
        const j = j0 + r;
        const zo = r * K;
        let max = -Infinity;
        for (let k = 0; k < K; k++) if (z[zo + k] > max) max = z[zo + k];
        let sum = 0;
        for (let k = 0; k < K; k++) { z[zo + k] = Math.exp(z[zo + k] - max); sum += z[zo + k]; }
        const cw = batch.classWeights ? batch.classWeights[batch.classOf[j]] : 1;
        const t = j * K;
        if (batch.focalGamma > 0) {
          for (let k = 0; k < K; k++) p[k] = z[zo + k] / sum;
          f += logitGradient(p, targets.subarray(t, t + K), cw, batch.focalGamma, undefined, 0, gl.subarray(zo, zo + K));
        } else {
          for (let k = 0; k < K; k++) {
            const pk = z[zo + k] / sum;
            const tk = targets[t + k];
            if (tk > 0) f -= cw * tk * Math.log(pk + 1e-12);
            gl[zo + k] = cw * (pk - tk);
          }
        }
      }
      // g += gl·x row after row (adding a zero term changes no sum: it starts at +0, never −0).
      if (m === ROWS) {
        const o0 = off[0], o1 = off[1], o2 = off[2], o3 = off[3];
        let k = 0;
        for (; k + 2 <= K; k += 2) {
          const g0 = gl[k], g1 = gl[K + k], g2 = gl[2 * K + k], g3 = gl[3 * K + k];
          const h0 = gl[k + 1], h1 = gl[K + k + 1], h2 = gl[2 * K + k + 1], h3 = gl[3 * K + k + 1];
          const wa = k * stride, wb = wa + stride;
          for (let d = 0; d < D; d++) {
            const x0 = x[o0 + d], x1 = x[o1 + d], x2 = x[o2 + d], x3 = x[o3 + d];
            g[wa + d] = g[wa + d] + g0 * x0 + g1 * x1 + g2 * x2 + g3 * x3;
            g[wb + d] = g[wb + d] + h0 * x0 + h1 * x1 + h2 * x2 + h3 * x3;
          }
          g[wa + D] = g[wa + D] + g0 + g1 + g2 + g3;
          g[wb + D] = g[wb + D] + h0 + h1 + h2 + h3;
        }
        for (; k < K; k++) {
          const g0 = gl[k], g1 = gl[K + k], g2 = gl[2 * K + k], g3 = gl[3 * K + k];
          const wo = k * stride;
          for (let d = 0; d < D; d++) g[wo + d] = g[wo + d] + g0 * x[o0 + d] + g1 * x[o1 + d] + g2 * x[o2 + d] + g3 * x[o3 + d];
          g[wo + D] = g[wo + D] + g0 + g1 + g2 + g3;
        }
      } else {
        for (let r = 0; r < m; r++) {
          const o = off[r];
          for (let k = 0; k < K; k++) { const gk = gl[r * K + k]; const wo = k * stride; for (let d = 0; d < D; d++) g[wo + d] += gk * x[o + d]; g[wo + D] += gk; }
        }
      }
    }
    // ½‖W‖²/C on the coefficients (scikit-learn's objective scaled by 1/C).
    f *= C;
    for (let i = 0; i < g.length; i++) g[i] *= C;
    for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) { const i = k * stride + d; f += 0.5 * w[i] * w[i]; g[i] += w[i]; }
    return f;
  }

  trainEpoch(batch: TrainBatch): number {
    const { iterations, epochs, memory } = this.cfg;
    const n = this.w.length;
    const until = Math.round((iterations * ++this.epoch) / epochs);
    const done = Math.round((iterations * (this.epoch - 1)) / epochs);
    if (!this.grad) { this.grad = new Float64Array(n); this.loss = this.objective(this.w, batch, this.grad); }
    const trial = new Float64Array(n);
    const g2 = new Float64Array(n);
    for (let it = done; it < until; it++) {
      // Two-loop recursion: direction d = −H·g.
      const d = Float64Array.from(this.grad, (v) => -v);
      const m = this.s.length;
      const alpha = new Float64Array(m);
      for (let i = m - 1; i >= 0; i--) {
        const rho = 1 / dot(this.y[i], this.s[i]);
        alpha[i] = rho * dot(this.s[i], d);
        axpy(-alpha[i], this.y[i], d);
      }
      if (m > 0) { const gamma = dot(this.s[m - 1], this.y[m - 1]) / dot(this.y[m - 1], this.y[m - 1]); for (let i = 0; i < n; i++) d[i] *= gamma; }
      else { const gn = Math.sqrt(dot(d, d)); if (gn > 0) for (let i = 0; i < n; i++) d[i] /= gn; }
      for (let i = 0; i < m; i++) {
        const rho = 1 / dot(this.y[i], this.s[i]);
        const beta = rho * dot(this.y[i], d);
        axpy(alpha[i] - beta, this.s[i], d);
      }
      const slope = dot(this.grad, d);
      if (!(slope < 0)) { this.s.length = 0; this.y.length = 0; continue; }
      let step = 1;
      let f = Infinity;
      for (let ls = 0; ls < 30; ls++) {
        for (let i = 0; i < n; i++) trial[i] = this.w[i] + step * d[i];
        f = this.objective(trial, batch, g2);
        if (f <= this.loss + 1e-4 * step * slope) break;
        step *= 0.5;
      }
      if (!(f < this.loss)) break; // converged to machine precision
      const s = new Float64Array(n);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) { s[i] = trial[i] - this.w[i]; y[i] = g2[i] - this.grad[i]; }
      if (dot(s, y) > 1e-12) { this.s.push(s); this.y.push(y); if (this.s.length > memory) { this.s.shift(); this.y.shift(); } }
      const rel = (this.loss - f) / Math.max(1, Math.abs(f));
      this.w.set(trial);
      this.grad.set(g2);
      this.loss = f;
      if (rel < (this.cfg.tolerance ?? 1e-9)) break;
    }
    return this.loss / Math.max(1, batch.rows.length);
  }

  predict(rows: ArrayLike<number>, _mode: Mode, out: Float32Array): void {
    const K = this.cfg.classes;
    const p = new Float32Array(K);
    for (let i = 0; i < rows.length; i++) { this.logits(rows[i], this.w, p); out.set(p, i * K); }
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}
