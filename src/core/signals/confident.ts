/**
 * Confident learning (Northcutt, Jiang & Chuang 2021), over a probability matrix p (N×K, row-major)
 * and given labels y (class index, < 0 = not labeled).
 *
 * - Per-class threshold t_j: the mean of p_j over the rows labeled j (the model's expected
 *   self-confidence for class j).
 * - Confident joint C[i][j]: rows labeled i whose confident class is j, where the confident class is
 *   the argmax of p among the classes with p_j ≥ t_j (rows with none count nowhere).
 * - Calibrated joint: each row i of C scaled so that it sums to the number of rows labeled i.
 * - How many rows labeled i to flag: the off-diagonal mass of row i of the calibrated joint
 *   (cleanlab's prune_by_noise_rate), fewer than half the class, taken as the most suspicious rows
 *   labeled i.
 */

export function classThresholds(p: Float32Array, y: Int32Array, K: number): Float64Array {
  const sum = new Float64Array(K);
  const count = new Float64Array(K);
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (c < 0) continue;
    sum[c] += p[i * K + c];
    count[c]++;
  }
  const t = new Float64Array(K);
  for (let k = 0; k < K; k++) t[k] = count[k] > 0 ? sum[k] / count[k] : 1;
  return t;
}

/** The confident class of each row (−1 when no class reaches its threshold). */
export function confidentClasses(p: Float32Array, y: Int32Array, K: number, t: Float64Array): Int32Array {
  const out = new Int32Array(y.length).fill(-1);
  for (let i = 0; i < y.length; i++) {
    if (y[i] < 0) continue;
    let best = -1;
    let bestP = -1;
    const o = i * K;
    for (let k = 0; k < K; k++) {
      const v = p[o + k];
      if (v >= t[k] && v > bestP) { bestP = v; best = k; }
    }
    out[i] = best;
  }
  return out;
}

/** C[given][confident], row-major K×K. */
export function confidentJoint(y: Int32Array, confident: Int32Array, K: number): Float64Array {
  const C = new Float64Array(K * K);
  for (let i = 0; i < y.length; i++) if (y[i] >= 0 && confident[i] >= 0) C[y[i] * K + confident[i]]++;
  return C;
}

/** Scales each row of C to the number of rows with that given label. */
export function calibrateJoint(C: Float64Array, classCounts: ArrayLike<number>, K: number): Float64Array {
  const out = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    let s = 0;
    for (let j = 0; j < K; j++) s += C[i * K + j];
    const f = s > 0 ? classCounts[i] / s : 0;
    for (let j = 0; j < K; j++) out[i * K + j] = C[i * K + j] * f;
  }
  return out;
}

/**
 * Rows to flag in each given class: round(off-diagonal mass of its calibrated row), and fewer than
 * half the class. Confident learning assumes that a given label is right more often than not (the
 * noise matrix's diagonal dominates; Northcutt et al. 2021): where the joint says most of a class is
 * wrong, the model has not learned the class (a handful of rows beside a head class that swallows
 * them), and flagging most of it would be a statement about the model, not the labels. Measured on
 * clean toutiao rows with one class cut to 1%: 73% of that class flagged without the cap.
 */
export function issuesPerClass(calibrated: Float64Array, K: number, classCounts?: ArrayLike<number>): Int32Array {
  const out = new Int32Array(K);
  for (let i = 0; i < K; i++) {
    let s = 0;
    for (let j = 0; j < K; j++) if (j !== i) s += calibrated[i * K + j];
    out[i] = Math.round(s);
    if (classCounts) out[i] = Math.min(out[i], Math.floor((classCounts[i] - 1) / 2));
  }
  return out;
}

/**
 * Flags, in each given class, the `perClass[c]` rows with the highest `score`, among the rows whose
 * given label is below its threshold and is not the model's top class (cleanlab's "both":
 * prune_by_noise_rate ∩ predicted ≠ given), so a row is never flagged just to fill a quota.
 */
export function flagRows(y: Int32Array, score: Float32Array, p: Float32Array, K: number, t: Float64Array, perClass: Int32Array): Uint8Array {
  const flagged = new Uint8Array(y.length);
  const byClass: number[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (c < 0 || p[i * K + c] >= t[c]) continue;
    let top = 0;
    for (let k = 1; k < K; k++) if (p[i * K + k] > p[i * K + top]) top = k;
    if (top !== c) byClass[c].push(i);
  }
  for (let c = 0; c < K; c++) {
    const rows = byClass[c].sort((a, b) => score[b] - score[a] || a - b);
    for (let k = 0; k < Math.min(perClass[c], rows.length); k++) flagged[rows[k]] = 1;
  }
  return flagged;
}
