/**
 * Findings beyond "this label looks wrong": duplicate groups (and the label conflicts inside them)
 * and outliers. Duplicates are found before training, since the folds keep each group whole;
 * conflicts and outlier scores are finished after it, with the model's out-of-fold probabilities.
 */
import type { Dataset } from '../core/table/dataset';
import { conflictReason, findConflicts, type Conflict, type DuplicateGroups } from '../core/duplicates/groups';
import type { DuplicateSummary } from '../core/results';
import { denseDuplicates, textDuplicates, type DuplicateResult, type Vectors } from './duplicates';
import { outlierScores } from './neighbours';
import type { DenseRows } from './trainFold';
import type { Representation } from './representation';

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
export function findDuplicates(ds: Dataset, kind: string, dense: DenseRows | undefined, opts: { jaccard: number; cosine: number; seed: number }, embeddings?: Vectors, tick?: (fraction: number) => void): DuplicateFinding {
  const t0 = performance.now();
  const N = ds.rowCount;
  let r: DuplicateResult;
  const col = ds.roles.text;
  if (kind === 'text' || (kind === 'embedding' && col !== undefined)) {
    r = textDuplicates(N, duplicateText(ds), opts, embeddings, tick);
  } else {
    const v = embeddings ?? dense!;
    r = denseDuplicates(v.x.subarray(0, N * v.dim), v.dim, opts);
  }
  return { ...r, seconds: (performance.now() - t0) / 1000, cosine: r.embeddingPairs !== undefined ? opts.cosine : undefined };
}

/** The text the duplicates search reads of each row (a damaged row: none). */
export function duplicateText(ds: Dataset): (i: number) => string {
  const col = ds.roles.text!;
  return (i) => (ds.table.index.damaged[i] ? '' : ds.table.cell(i, col));
}

export interface Outliers {
  score: Float32Array;
  flagged: Uint8Array;
  /** Scores at or above it are flagged. */
  threshold: number;
}

/**
 * Outlier score per row in the run's representation (engine/representation): the mean cosine
 * distance to its 10 nearest among 1,000 sampled rows (Datalab's k-NN distance; for a learned
 * representation, Sun et al. 2022's deep-nearest-neighbour OOD score).
 *
 * A learned vector also says how much the model found in the row: text in a language or on a topic
 * it never trained on lands near the centre of the (standardised) space, with a short vector, and
 * near the other such rows. So there the similarity is scaled by √(‖x‖ / median ‖x‖) (capped at 1)
 * before it is turned into a distance. Measured on ag_news with 40 Chinese (toutiao) and 40 SMS
 * rows injected (test/unit/representation.test.ts keeps a smaller copy): AUROC of the injected rows
 * 0.55 / 0.56 on the old 32-d sketch of IDF n-grams, 0.90 / 0.73 with the cosine distance on the
 * learned vectors, 0.96 / 0.84 with the scaling; 27 of them in the top 1% (0 on the sketch).
 *
 * Flagged: for features and embeddings, beyond Tukey's far-out fence Q3 + 3·IQR of the scores and
 * at most 1% of the rows; for a learned representation the scores have no long tail (bounded
 * cosines in a few dimensions: the fence lies above every score), so the top 1% are flagged.
 */
export function findOutliers(rep: Representation, seed: number, tick?: (fraction: number) => void): Outliers {
  const rows = rep.x.length / rep.dim;
  // Normalised a slice at a time (no unit copy of every row).
  const score = outlierScores(rep.x, rep.dim, { k: 10, reference: 1000, seed, tick, normalize: true });
  const learned = rep.source === 'learned';
  if (learned) {
    const norm = new Float32Array(rows);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let d = 0; d < rep.dim; d++) s += rep.x[i * rep.dim + d] ** 2;
      norm[i] = Math.sqrt(s);
    }
    const median = Float32Array.from(norm).sort()[Math.floor(rows / 2)];
    if (median > 0) for (let i = 0; i < rows; i++) score[i] = 1 - (1 - score[i]) * Math.sqrt(Math.min(1, norm[i] / median));
  }
  const sorted = Float32Array.from(score).sort();
  const q = (p: number) => sorted[Math.min(rows - 1, Math.floor(p * (rows - 1)))];
  const fence = q(0.75) + 3 * (q(0.75) - q(0.25));
  const cap = q(0.99);
  const threshold = learned ? cap : Math.max(fence, cap);
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
