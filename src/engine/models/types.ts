/** What a fold trainer needs of a model, whatever its kind (sparse text, tfjs MLP). */
import type { TrainOptions } from '../../protocol/engine';
import type { SparseRows } from '../featurize/text';

/** Dense feature rows (tabular or pixels), row-major. */
export interface DenseRows {
  x: Float32Array;
  dim: number;
  /** Image shape when the columns are pixels (for a CNN). */
  image?: { width: number; height: number };
}

/** What a model is built from: the features of every row and the options (a fold's input is one). */
export interface ModelInput {
  classes: number;
  text?: SparseRows;
  dense?: DenseRows;
  options: TrainOptions;
  /** Logistic regression's C for tabular rows, chosen from the data before the folds (models/regularization). */
  linearC?: number;
}

/** student: the trained weights, deterministic; teacher: the EMA of the weights; stochastic: a Π-model pass (dropout on). */
export type Mode = 'student' | 'teacher' | 'stochastic';

/** One epoch of training data, as positions into the fold's training rows. */
export interface TrainBatch {
  /** Dataset row of each training position. */
  rows: Int32Array;
  /** The order of positions for this epoch (shuffled). */
  order: Int32Array;
  /**
   * Target distribution of each position (K each): one-hot, smoothed or a soft target; for a model
   * with `targetsByRow`, of each dataset row instead (position `pos` reads row `rows[pos]`).
   */
  targets: Float32Array;
  /** Given class of each position. */
  classOf: Int32Array;
  /** Per-class loss weights (class-weights remedy). */
  classWeights?: Float32Array;
  /** Focal loss γ (0 = plain cross-entropy). */
  focalGamma: number;
  /** Added to the logits while training only (logit adjustment, Menon et al. 2020: τ·log prior). */
  logitShift?: Float32Array;
  /** Consistency target of each position (K each), e.g. its temporal-ensemble prediction. */
  consistencyTarget?: Float32Array;
  /** Weight of the consistency loss this epoch (after ramp-up). */
  consistencyWeight: number;
  /** When given, the model writes its training-time prediction of each position here (K each). */
  observed?: Float32Array;
  /** Steps taken before this epoch and in all, for learning-rate schedules. */
  stepOffset: number;
  totalSteps: number;
  /** Called by models that can, with the positions done so far, about every ROWS_PER_TICK rows of the epoch (progress within a long epoch). */
  onRows?: (done: number) => void;
}

/** How often (in rows) a model reports progress within an epoch: 1M rows × 6 epochs would otherwise go minutes between reports. */
export const ROWS_PER_TICK = 1 << 15;

export interface ClassifierModel {
  /** What it is, for the summary: fasttext, mlp, cnn. */
  readonly name: string;
  /** Trains one epoch; returns the mean loss. */
  trainEpoch(batch: TrainBatch): number | Promise<number>;
  /** Writes K probabilities per row into `out`. */
  predict(rows: ArrayLike<number>, mode: Mode, out: Float32Array): void | Promise<void>;
  readonly hasTeacher: boolean;
  /**
   * True when `trainEpoch` reads `batch.targets` by dataset row (`rows[pos] × K`): trainFold then
   * passes the input's targets, shared by every fold's worker, instead of a P × K copy per fold.
   */
  readonly targetsByRow?: boolean;
  /**
   * The learned representation of rows (see engine/representation.ts), when the model has one:
   * `representationDim` numbers per row written to `out` by `represent` (the student's weights, no dropout).
   */
  readonly representationDim?: number;
  represent?(rows: ArrayLike<number>, out: Float32Array): void | Promise<void>;
  dispose?(): void;
}

/** Builds a fresh model for one fold. */
export type ModelFactory = (input: ModelInput, trainRows: number, seed: number) => Promise<ClassifierModel>;

/**
 * Gradient of the loss with respect to the logits for one row, in place in `g`:
 * w·(p − t) for (weighted, focal) cross-entropy, plus the consistency term
 * ∂/∂z of (λ/K)·Σ(p − c)², which is (2λ/K)·p_j·[(p_j − c_j) − Σ_k (p_k − c_k)·p_k].
 * Focal loss uses (1 − p_t)^γ as a row weight with p_t = Σ t_k p_k, held constant (a common
 * simplification that keeps soft targets working). Returns the row's cross-entropy.
 */
export function logitGradient(p: Float32Array, target: Float32Array, classWeight: number, focalGamma: number,
  consistency: Float32Array | undefined, lambda: number, g: Float32Array, at = 0, cAt = at): number {
  // `at`: the row's offset in `target`, `cAt` in `consistency` (a per-row subarray was an allocation
  // per step; they differ when the targets are by dataset row, see ClassifierModel.targetsByRow).
  const K = p.length;
  let w = classWeight;
  if (focalGamma > 0) {
    let pt = 0;
    for (let k = 0; k < K; k++) pt += target[at + k] * p[k];
    w *= Math.pow(Math.max(0, 1 - pt), focalGamma);
  }
  let loss = 0;
  for (let k = 0; k < K; k++) {
    const t = target[at + k];
    g[k] = w * (p[k] - t);
    if (t > 0) loss -= t * Math.log(p[k] + 1e-12);
  }
  if (consistency && lambda > 0) {
    let s = 0;
    for (let k = 0; k < K; k++) s += (p[k] - consistency[cAt + k]) * p[k];
    const c = (2 * lambda) / K;
    for (let k = 0; k < K; k++) g[k] += c * p[k] * (p[k] - consistency[cAt + k] - s);
  }
  return w * loss;
}
