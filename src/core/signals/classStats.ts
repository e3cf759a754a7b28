/**
 * Per-class statistics of a run: how many rows each class has as given, as predicted (the
 * suggestion of every labeled row), and if every flagged row took its suggestion; precision and
 * recall of the out-of-fold predictions; the confident-learning threshold; the rows flagged.
 *
 * "corrected" elsewhere (the Classes view) means the labels as the user has corrected them in the
 * review; what the analysis alone would give is `ifSuggestionsApplied`.
 */
import { classMetrics } from './metrics';

export interface ClassStat {
  name: string;
  given: number;
  predicted: number;
  /** Given labels with every flagged row's suggestion applied. */
  ifSuggestionsApplied: number;
  precision: number;
  recall: number;
  threshold: number;
  flagged: number;
}

export interface ClassStatsInput {
  classes: string[];
  /** Given label per row (class index; < 0 unlabeled or damaged, not counted). */
  labels: Int32Array;
  suggested: Int32Array;
  flagged: Uint8Array;
  thresholds: ArrayLike<number>;
}

export interface ClassStatsResult {
  classStats: ClassStat[];
  labeled: number;
  flagged: number;
  /** Out-of-fold accuracy against the given labels. */
  accuracy: number;
  /** given × predicted counts, K×K row-major. */
  matrix: number[];
}

export function classStats(s: ClassStatsInput): ClassStatsResult {
  const K = s.classes.length;
  const metrics = classMetrics(s.labels, s.suggested, K);
  const given = new Array<number>(K).fill(0);
  const predicted = new Array<number>(K).fill(0);
  const applied = new Array<number>(K).fill(0);
  const flaggedPerClass = new Array<number>(K).fill(0);
  let flagged = 0;
  let labeled = 0;
  for (let i = 0; i < s.labels.length; i++) {
    const y = s.labels[i];
    if (y < 0) continue;
    labeled++;
    given[y]++;
    predicted[s.suggested[i]]++;
    if (s.flagged[i]) { flagged++; flaggedPerClass[y]++; applied[s.suggested[i]]++; } else applied[y]++;
  }
  return {
    classStats: s.classes.map((name, k) => ({ name, given: given[k], predicted: predicted[k], ifSuggestionsApplied: applied[k], precision: metrics.precision[k], recall: metrics.recall[k], threshold: s.thresholds[k], flagged: flaggedPerClass[k] })),
    labeled, flagged, accuracy: metrics.accuracy, matrix: metrics.matrix,
  };
}
