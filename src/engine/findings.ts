/**
 * Findings beyond "this label looks wrong": duplicate groups (and the label conflicts inside them)
 * and outliers. Duplicates are found before training, since the folds keep each group whole;
 * conflicts and outlier scores are finished after it, with the model's out-of-fold probabilities.
 */
import type { Dataset } from '../core/table/dataset';
import { conflictReason, findConflicts, type Conflict, type DuplicateGroups } from '../core/duplicates/groups';
import type { DuplicateSummary } from '../core/results';
import { denseDuplicates, textDuplicates, type DuplicateResult, type Vectors } from './duplicates';
import type { SparseRows } from './featurize/text';
import { outlierScores, randomProjection, unitRows } from './neighbours';
import type { DenseRows } from './trainFold';

export interface DuplicateFinding extends DuplicateResult {
  seconds: number;
  /** The cosine threshold used on embeddings beside a text (with embeddingPairs). */
  cosine?: number;
}

/**
 * Duplicate groups of the rows: by their text when there is a text column (joined, when the user
 * brought embeddings, by the cosine of those), else by the dense rows — the user's embeddings as
 * given, or the features or pixels prepared for training.
 */
export function findDuplicates(ds: Dataset, kind: string, dense: DenseRows | undefined, opts: { jaccard: number; cosine: number; seed: number }, embeddings?: Vectors): DuplicateFinding {
  const t0 = performance.now();
  const N = ds.rowCount;
  let r: DuplicateResult;
  const col = ds.roles.text;
  if (kind === 'text' || (kind === 'embedding' && col !== undefined)) {
    r = textDuplicates(N, (i) => (ds.table.index.damaged[i] ? '' : ds.table.cell(i, col!)), opts, embeddings);
  } else {
    const v = embeddings ?? dense!;
    r = denseDuplicates(v.x.subarray(0, N * v.dim), v.dim, opts);
  }
  return { ...r, seconds: (performance.now() - t0) / 1000, cosine: r.embeddingPairs !== undefined ? opts.cosine : undefined };
}

/** Dimensions of the representation outliers are scored in. */
const SKETCH = 32;

/**
 * The rows as SKETCH-dimension unit vectors: text by signed feature hashing of its IDF-weighted
 * n-grams (a random projection of the TF-IDF vector), dense rows by a Gaussian projection when wider.
 */
export function representation(text: SparseRows | undefined, dense: DenseRows | undefined, rows: number, seed: number): { x: Float32Array; dim: number } {
  if (text) {
    const x = new Float32Array(rows * SKETCH);
    for (let i = 0; i < rows; i++) {
      for (let j = text.indptr[i]; j < text.indptr[i + 1]; j++) {
        const b = text.indices[j];
        let h = Math.imul(b ^ 0x9e3779b9, 0x85ebca6b);
        h ^= h >>> 13;
        h = Math.imul(h, 0xc2b2ae35);
        h ^= h >>> 16;
        x[i * SKETCH + (h & (SKETCH - 1))] += (h & 0x100 ? 1 : -1) * (text.idf ? text.idf[b] : 1);
      }
    }
    return { x: unitRows(x, SKETCH), dim: SKETCH };
  }
  const d = dense!;
  const x = d.x.subarray(0, rows * d.dim);
  if (d.dim <= SKETCH * 2) return { x: unitRows(x, d.dim), dim: d.dim };
  return { x: unitRows(randomProjection(unitRows(x, d.dim), d.dim, SKETCH * 2, seed), SKETCH * 2), dim: SKETCH * 2 };
}

export interface Outliers {
  score: Float32Array;
  flagged: Uint8Array;
  /** Scores at or above it are flagged. */
  threshold: number;
}

/**
 * Outlier score per row (mean cosine distance to its 10 nearest among 1,000 sampled rows) and the
 * top ones flagged: beyond Tukey's far-out fence Q3 + 3·IQR of the scores, at most 1% of the rows.
 */
export function findOutliers(text: SparseRows | undefined, dense: DenseRows | undefined, rows: number, seed: number): Outliers {
  const { x, dim } = representation(text, dense, rows, seed);
  const score = outlierScores(x, dim, { k: 10, reference: 1000, seed });
  const sorted = Float32Array.from(score).sort();
  const q = (p: number) => sorted[Math.min(rows - 1, Math.floor(p * (rows - 1)))];
  const fence = q(0.75) + 3 * (q(0.75) - q(0.25));
  const cap = q(0.99);
  const threshold = Math.max(fence, cap);
  const flagged = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) if (score[i] >= threshold && score[i] > q(0.5)) flagged[i] = 1;
  return { score, flagged, threshold };
}

export interface ConflictFinding extends Conflict {
  reason: string;
}

/** Label conflicts with the model-weighted suggestion (consensus is N×K). */
export function conflictsOf(groups: DuplicateGroups, labels: Int32Array, classes: string[], consensus: Float32Array | undefined, noun: string): ConflictFinding[] {
  const K = classes.length;
  const weight = consensus ? (r: number, k: number) => consensus[r * K + k] : undefined;
  return findConflicts(groups, labels, weight).map((c) => ({ ...c, reason: conflictReason(c, classes, noun) }));
}

/** Per-row arrays: 1 where the row's group has conflicting labels. */
export function conflictRows(groups: DuplicateGroups, conflicts: Conflict[]): Uint8Array {
  const out = new Uint8Array(groups.group.length);
  const bad = new Set(conflicts.map((c) => c.group));
  for (let i = 0; i < out.length; i++) if (groups.group[i] >= 0 && bad.has(groups.group[i])) out[i] = 1;
  return out;
}

export function duplicateSummary(f: DuplicateFinding, conflicts: Conflict[], opts: { jaccard: number; groupFolds: boolean }, outliers?: Outliers): DuplicateSummary {
  let inGroups = 0;
  for (let i = 0; i < f.groups.group.length; i++) if (f.groups.group[i] >= 0) inGroups++;
  let flagged = 0;
  if (outliers) for (const v of outliers.flagged) flagged += v;
  return {
    groups: f.groups.count, rowsInGroups: inGroups, exactRepeats: f.exactRepeats, nearPairs: f.near?.pairs ?? 0,
    embeddingPairs: f.embeddingPairs, cosine: f.embeddingPairs !== undefined ? f.cosine : undefined,
    conflicts: conflicts.length, conflictRows: conflicts.reduce((s, c) => s + c.size, 0),
    jaccard: opts.jaccard, groupFolds: opts.groupFolds, seconds: +f.seconds.toFixed(3),
    outliers: outliers ? flagged : undefined, outlierThreshold: outliers ? +outliers.threshold.toFixed(4) : undefined,
  };
}
