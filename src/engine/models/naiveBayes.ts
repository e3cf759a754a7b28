/**
 * Multinomial naive Bayes on the text model's n-gram counts, out of fold: a second text model that
 * is genuinely different from ours. The fastText model (and the peer's TF-IDF logistic regression)
 * are discriminative linear models on the same n-grams, so averaging one with the other adds little
 * (+0.001 AP, bench/RESULTS.md); naive Bayes is generative: each class's n-gram frequencies are
 * counts averaged over all its rows, so a flipped row moves them by one row's worth and is never
 * fitted on its own. That makes it robust to label noise where a discriminative model memorises it —
 * the pair-noise case most of all (toutiao class-to-class noise: naive Bayes alone ranks at AP 0.76
 * against our model's 0.70) — and its errors differ from ours, so the two averaged rank better than
 * either (the measurements are in bench/RESULTS.md, "What moved AP").
 *
 * Training rows' class counts are summed once over all rows; each fold subtracts its held-out rows,
 * predicts them, and adds them back, so the cost is two passes over the features per repeat and the
 * memory one features × K table, whatever the number of folds: linear in rows. Naive Bayes posteriors are far too
 * confident (n-grams are not independent: a row's log-likelihoods add up hundreds of correlated
 * terms), so the part is tempered: softmax(log joint / T), with T chosen from a grid by the
 * log-loss of the given labels (the same choice `core/signals/calibration` makes for p(wrong)).
 */
import type { SparseRows } from '../featurize/text';
import { UNLABELED } from '../../core/labelCodes';

export const NAIVE_BAYES = {
  /**
   * Additive smoothing: Laplace's 1, the textbook default. α = 0.3 ranked a little better combined
   * with our model on the four shared text runs (bench/RESULTS.md: +0.002 to +0.005 AP) but alone it
   * falls apart on short texts (SMS: AP 0.79 against 0.93, out-of-fold accuracy 0.89, near the
   * majority class), and a part of the consensus must stand on its own on data not measured here.
   */
  alpha: 1,
  /** Temperatures tried for the posterior (log-spaced; chosen on the shared text runs: 6–16). */
  temperatures: [1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64],
  /** The temperature's log-loss is computed on at most this many labeled rows (evenly spaced). */
  temperatureRows: 20000,
  /** Above this many features × classes the count table (4 bytes each, 128 MB) is not built: no part. */
  maxCells: 1 << 25,
};

/**
 * Per-class n-gram counts of the rows trained on, as one table that folds take their held-out rows
 * out of and put back. Rows are counted with their training target as weights (one-hot, smoothed or
 * a soft target): a row with target t adds t_k × its count of each n-gram to class k.
 */
export class NaiveBayesCounts {
  /**
   * counts[f * K + k]: weighted occurrences of feature f in class k's rows. Float32: whole counts are
   * exact below 2^24 occurrences of one n-gram in one class, so taking a fold out and putting it
   * back restores them bit for bit, at half the memory of Float64 (a 1M-row file's table).
   */
  readonly counts: Float32Array;
  /** Weighted occurrences of all features in class k's rows. */
  readonly total: Float64Array;
  /** Weighted rows of class k (the prior). */
  readonly rows: Float64Array;
  private readonly z: Float64Array;

  constructor(readonly x: SparseRows, readonly K: number, readonly targets: Float32Array, readonly alpha = NAIVE_BAYES.alpha) {
    this.counts = new Float32Array(x.features * K);
    this.total = new Float64Array(K);
    this.rows = new Float64Array(K);
    this.z = new Float64Array(K);
  }

  /** Adds (sign 1) or removes (sign −1) row r's counts. */
  add(r: number, sign: 1 | -1): void {
    const { x, K, targets, counts, total, rows } = this;
    const from = x.indptr[r], to = x.indptr[r + 1];
    const len = to - from;
    for (let k = 0; k < K; k++) {
      const t = sign * targets[r * K + k];
      if (t === 0) continue;
      rows[k] += t;
      total[k] += t * len;
      for (let j = from; j < to; j++) counts[x.indices[j] * K + k] += t;
    }
  }

  /**
   * The log joint log p(k) + Σ_f log p(f | k) of row r under the current counts, written to
   * out[at .. at + K), shifted so that its largest value is 0 (the posterior is its softmax).
   * p(f | k) = (count + α) / (total_k + α·V), V = the features of the whole file (as scikit-learn's
   * MultinomialNB over a vocabulary of every row); p(k) = the class's share of the rows counted.
   */
  logJoint(r: number, out: Float32Array, at: number): void {
    const { x, K, counts, total, rows, alpha, z } = this;
    const V = x.features;
    let n = 0;
    for (let k = 0; k < K; k++) n += rows[k];
    const from = x.indptr[r], to = x.indptr[r + 1];
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      // A class with no rows counted has probability 0; -1e300 keeps the softmax finite.
      let s = rows[k] > 0 ? Math.log(rows[k] / n) : -1e300;
      s -= (to - from) * Math.log(total[k] + alpha * V);
      for (let j = from; j < to; j++) s += Math.log(counts[x.indices[j] * K + k] + alpha);
      z[k] = s;
      if (s > max) max = s;
    }
    for (let k = 0; k < K; k++) out[at + k] = z[k] - max;
  }
}

export interface NaiveBayesInput {
  text: SparseRows;
  classes: number;
  /** Class per row; < 0 = unlabeled or damaged (never counted). */
  labels: Int32Array;
  /** Training target per row (K each). */
  targets: Float32Array;
  /** 1 = not trained on (the redundant copies, rows a first pass flagged); still predicted. */
  exclude?: Uint8Array;
  /** Called with the fraction of the work done, every 64k rows or so (1M rows: tens of seconds in all). */
  tick?: (fraction: number) => void;
}

/** Whether the count table of this input fits under NAIVE_BAYES.maxCells. */
export function naiveBayesFits(text: SparseRows, classes: number): boolean {
  return text.features * classes <= NAIVE_BAYES.maxCells;
}

/**
 * Out-of-fold log joints of every row, one N×K array per split (`splits[r][i]` = row i's fold in
 * repeat r, −1 for rows not held out): each labeled row by the model of the other folds; unlabeled
 * rows (label −1) by the model of all the rows trained on. Rows of label < −1 (damaged) stay 0.
 */
export function naiveBayesLogJoints(input: NaiveBayesInput, splits: Int8Array[], alpha = NAIVE_BAYES.alpha): Float32Array[] {
  const { text, classes: K, labels, targets, exclude, tick } = input;
  const N = labels.length;
  const nb = new NaiveBayesCounts(text, K, targets, alpha);
  const trained = (i: number) => labels[i] >= 0 && !exclude?.[i];
  // Work in row passes: the counting pass, then per split three (out, predict, back in).
  const work = N * (1 + 3 * splits.length);
  let done = 0, told = 0;
  const step = (rows: number) => { done += rows; if (tick && done - told >= TICK_ROWS) { told = done; tick(done / work); } };
  for (let i = 0; i < N; i++) { if (trained(i)) nb.add(i, 1); if ((i & (TICK_ROWS - 1)) === TICK_ROWS - 1) step(TICK_ROWS); }
  step(N % TICK_ROWS);
  return splits.map((foldOf) => {
    const out = new Float32Array(N * K);
    let folds = 0;
    for (let i = 0; i < N; i++) if (foldOf[i] + 1 > folds) folds = foldOf[i] + 1;
    const members: number[][] = Array.from({ length: folds }, () => []);
    for (let i = 0; i < N; i++) if (labels[i] >= 0 && foldOf[i] >= 0) members[foldOf[i]].push(i);
    for (const held of members) {
      for (const i of held) if (trained(i)) nb.add(i, -1);
      step(held.length);
      for (const i of held) nb.logJoint(i, out, i * K);
      step(held.length);
      for (const i of held) if (trained(i)) nb.add(i, 1);
      step(held.length);
    }
    for (let i = 0; i < N; i++) if (labels[i] === UNLABELED) nb.logJoint(i, out, i * K);
    return out;
  });
}

const TICK_ROWS = 1 << 16;

/** Row i's posterior at temperature T, averaged over the splits' log joints, into out[o .. o + K). */
function tempered(logJoints: Float32Array[], i: number, K: number, T: number, out: Float32Array, o: number): void {
  const w = 1 / logJoints.length;
  for (let j = 0; j < logJoints.length; j++) {
    const L = logJoints[j];
    // Log joints are shifted to a maximum of 0, so exp never overflows.
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(L[i * K + k] / T);
    // The first split's terms are assigned (0 + x rounds as x): with one split, `out` may be that
    // split's own log joints at row i (each cell is read before it is written).
    for (let k = 0; k < K; k++) { const p = (w * Math.exp(L[i * K + k] / T)) / s; out[o + k] = j === 0 ? p : out[o + k] + p; }
  }
}

/**
 * The temperature of the grid with the lowest mean log-loss of the given labels (on at most
 * `maxRows` labeled rows, evenly spaced), and the loss at each.
 */
export function chooseTemperature(logJoints: Float32Array[], labels: Int32Array, K: number, grid = NAIVE_BAYES.temperatures, maxRows = NAIVE_BAYES.temperatureRows): { T: number; losses: number[] } {
  const labeled: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) labeled.push(i);
  const step = Math.max(1, labeled.length / maxRows);
  const sample: number[] = [];
  for (let j = 0; j < labeled.length; j += step) sample.push(labeled[Math.floor(j)]);
  const p = new Float32Array(K);
  const losses = grid.map((T) => {
    let loss = 0;
    for (const i of sample) { tempered(logJoints, i, K, T, p, 0); loss -= Math.log(Math.max(p[labels[i]], 1e-12)); }
    return sample.length ? loss / sample.length : 0;
  });
  let best = 0;
  for (let g = 1; g < grid.length; g++) if (losses[g] < losses[best]) best = g;
  return { T: grid[best], losses };
}

/**
 * Naive Bayes's out-of-fold distribution of every row (N×K, averaged over the splits, tempered),
 * with the temperature chosen. Rows of label < −1 get zeros (they are not scored).
 */
export function naiveBayesPart(input: NaiveBayesInput, splits: Int8Array[]): { probs: Float32Array; T: number } {
  const K = input.classes;
  const N = input.labels.length;
  const logJoints = naiveBayesLogJoints(input, splits);
  const { T } = chooseTemperature(logJoints, input.labels, K);
  const scored = (i: number) => input.labels[i] >= 0 || input.labels[i] === UNLABELED;
  if (logJoints.length === 1) {
    // One split (every run above repeatWorkMax, so every large one): the posteriors overwrite the
    // log joints (an N × K array less: 60 MB at 1M rows and 15 classes); rows not scored keep
    // their log joints' zeros, as a new array would hold.
    const L = logJoints[0];
    for (let i = 0; i < N; i++) if (scored(i)) tempered(logJoints, i, K, T, L, i * K);
    return { probs: L, T };
  }
  const probs = new Float32Array(N * K);
  for (let i = 0; i < N; i++) if (scored(i)) tempered(logJoints, i, K, T, probs, i * K);
  return { probs, T };
}
