/** Ranking and classification metrics, for benchmarks, integration tests and the Runs view. */

/** Average precision of ranking by `score` (higher = more likely positive) against `truth`. */
export function averagePrecision(score: ArrayLike<number>, truth: ArrayLike<number | boolean>): number {
  const idx = Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[b] - score[a] || a - b);
  let hits = 0;
  let sum = 0;
  idx.forEach((i, rank) => { if (truth[i]) { hits++; sum += hits / (rank + 1); } });
  return hits ? sum / hits : 0;
}

/** Area under the ROC curve (Mann–Whitney, ties counted half). */
export function auroc(score: ArrayLike<number>, truth: ArrayLike<number | boolean>): number {
  const idx = Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let rankSum = 0;
  let pos = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && score[idx[j + 1]] === score[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (truth[idx[k]]) { rankSum += avg; pos++; }
    i = j + 1;
  }
  const neg = idx.length - pos;
  return pos && neg ? (rankSum - (pos * (pos + 1)) / 2) / (pos * neg) : 0.5;
}

/** Precision of the top k rows. */
export function precisionAtK(score: ArrayLike<number>, truth: ArrayLike<number | boolean>, k: number): number {
  const idx = Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[b] - score[a] || a - b);
  let hits = 0;
  for (let r = 0; r < Math.min(k, idx.length); r++) if (truth[idx[r]]) hits++;
  return k ? hits / Math.min(k, idx.length) : 0;
}

export interface ClassMetrics {
  precision: number[];
  recall: number[];
  accuracy: number;
  /** given × predicted counts, K×K row-major. */
  matrix: number[];
}

/** Per-class precision and recall of predictions against labels (rows with label < 0 ignored). */
export function classMetrics(labels: Int32Array, predicted: Int32Array, K: number): ClassMetrics {
  const matrix = new Array<number>(K * K).fill(0);
  let correct = 0;
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || predicted[i] < 0) continue;
    matrix[labels[i] * K + predicted[i]]++;
    n++;
    if (labels[i] === predicted[i]) correct++;
  }
  const precision: number[] = [];
  const recall: number[] = [];
  for (let k = 0; k < K; k++) {
    let col = 0;
    let row = 0;
    for (let j = 0; j < K; j++) { col += matrix[j * K + k]; row += matrix[k * K + j]; }
    precision.push(col ? matrix[k * K + k] / col : 0);
    recall.push(row ? matrix[k * K + k] / row : 0);
  }
  return { precision, recall, accuracy: n ? correct / n : 0, matrix };
}
