/**
 * The logistic regression's regularisation strength C for one table, chosen from the data: each C of
 * a grid is fitted on the training rows of one fold split and scored by the held-out rows' log-loss
 * of their given labels, and the lowest wins (scikit-learn's LogisticRegressionCV, on one split).
 * Log-loss is a proper score: under label noise it is lowest for the model whose probabilities best
 * match the noisy labels' distribution, which ranks rows as the clean posterior does when the noise
 * does not depend on the row. A fixed C = 1 overfits small noisy tables; measured on five tables
 * with 20% uniform noise (bench/RESULTS.md), the choice lowers C on the small ones (wine 0.1, breast
 * cancer 0.01) and leaves the large one where the loss is flat.
 * Cost: one fit per C on 4/5 of the rows, about one K-fold pass of the logistic regression.
 */
import { LinearModel } from './linear';
import type { TrainBatch } from './types';

/**
 * The search's fits stop once an iteration gains less than this fraction of the objective (the
 * folds' fits run their iterations to 1e-9). The grid is ranked, not used: measured on the five
 * tables (bench/RESULTS.md, session 6), the same C on each with 23–39% fewer iterations (digits 146 →
 * 113 over the grid, synthetic5k 72 → 44), held-out losses within 0.2%; 1e-4 saved 36–49% but moved
 * some losses by 0.7% (stops on one short step).
 */
export const SEARCH_TOLERANCE = 1e-5;

/** Candidate C values, strongest regularisation first; ties (within TIE) go to the larger C. */
export const C_GRID = [0.01, 0.03, 0.1, 0.3, 1];
const TIE = 1e-3;

export interface CChoice {
  C: number;
  /** Held-out mean log-loss of each C in C_GRID. */
  losses: number[];
}

/** One C search: the rows and how each C is fitted (plain data: it is posted to a fold worker as it is). */
export interface CTask {
  /** N × dim, standardised. */
  x: Float32Array;
  dim: number;
  K: number;
  /** < 0: not trained on. */
  labels: Int32Array;
  /** N × K. */
  targets: Float32Array;
  /** 1: row i is in the scoring fold. */
  held: Uint8Array;
  fit: { iterations: number; memory: number };
  exclude?: Uint8Array;
}

/** Held-out mean log-loss of the given labels for one C (each C of the grid is independent: they can run in parallel). */
export function heldOutLoss(task: CTask, C: number): number {
  const { x, dim, K, labels, targets, held: isHeld, fit, exclude } = task;
  const train: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0) continue;
    if (isHeld[i]) held.push(i); else if (!exclude?.[i]) train.push(i);
  }
  const rows = Int32Array.from(train);
  const t = new Float32Array(rows.length * K);
  for (let j = 0; j < rows.length; j++) t.set(targets.subarray(rows[j] * K, rows[j] * K + K), j * K);
  const batch: TrainBatch = { rows, order: rows, targets: t, classOf: Int32Array.from(rows, (r) => labels[r]), focalGamma: 0, consistencyWeight: 0, stepOffset: 0, totalSteps: 1 };
  const h = Int32Array.from(held);
  const p = new Float32Array(h.length * K);
  const m = new LinearModel({ dim, classes: K, C, iterations: fit.iterations, epochs: 1, memory: fit.memory, tolerance: SEARCH_TOLERANCE }, x);
  m.trainEpoch(batch);
  m.predict(h, 'student', p);
  let ll = 0;
  for (let i = 0; i < h.length; i++) ll -= Math.log(p[i * K + labels[h[i]]] + 1e-12);
  return h.length ? ll / h.length : 0;
}

/** The lowest held-out loss of the grid wins; ties (within TIE) go to the larger C. `losses[c]` is C_GRID[c]'s. */
export function pickC(losses: number[]): CChoice {
  let best = C_GRID.length - 1;
  for (let c = C_GRID.length - 2; c >= 0; c--) if (losses[c] < losses[best] * (1 - TIE)) best = c;
  return { C: C_GRID[best], losses };
}

/**
 * `x` N × dim (standardised), `targets` N × K, `labels` (< 0: not trained on), `heldOut(i)`: row i
 * is in the scoring fold.
 */
export function chooseC(x: Float32Array, dim: number, K: number, labels: Int32Array, targets: Float32Array, heldOut: (i: number) => boolean, fit: { iterations: number; memory: number }, exclude?: Uint8Array): CChoice {
  return chooseCOf({ x, dim, K, labels, targets, held: Uint8Array.from({ length: labels.length }, (_, i) => (heldOut(i) ? 1 : 0)), fit, exclude });
}

/** The C of the grid with the lowest held-out loss, each C fitted here one after another. */
export function chooseCOf(task: CTask): CChoice {
  return pickC(C_GRID.map((C) => heldOutLoss(task, C)));
}
