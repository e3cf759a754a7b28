/**
 * How much a before/after difference can be trusted: the spread of per-fold accuracies (over folds
 * and repeats, each repeat with its own seed and split) and the standard error of a difference.
 */

export interface Spread {
  mean: number;
  /** Sample standard deviation over the fold models (0 with one). */
  sd: number;
  n: number;
  min: number;
  max: number;
  folds: number;
  repeats: number;
}

/** The spread of [repeat][fold] accuracies; undefined without any. */
export function spreadOf(folds: number[][] | undefined): Spread | undefined {
  const all = (folds ?? []).flat().filter((v) => Number.isFinite(v));
  if (!all.length || !folds) return undefined;
  const n = all.length;
  const mean = all.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n, min: Math.min(...all), max: Math.max(...all), folds: folds[0]?.length ?? 0, repeats: folds.length };
}

/**
 * Standard error of after − before from the two spreads (each the standard error of its mean over
 * its fold models); undefined when either has a single model.
 */
export function seOfDelta(before: Spread | undefined, after: Spread | undefined): number | undefined {
  if (!before || !after || before.n < 2 || after.n < 2) return undefined;
  return Math.sqrt(before.sd ** 2 / before.n + after.sd ** 2 / after.n);
}

/** 'up' / 'down' when the difference is larger than 1.96 standard errors, else 'within'. */
export function verdict(delta: number, se: number | undefined): 'up' | 'down' | 'within' | undefined {
  if (se === undefined) return undefined;
  if (Math.abs(delta) <= 1.96 * se) return 'within';
  return delta > 0 ? 'up' : 'down';
}
