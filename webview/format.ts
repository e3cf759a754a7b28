/** Numbers as people read them in the review. */

/**
 * A probability as a percentage with as many decimals as it takes to tell values near 100% apart:
 * 0.95 → "95.0%", 0.9993 → "99.93%", 0.999987 → "99.9987%".
 */
export function percentNear1(p: number): string {
  const rest = 1 - p;
  const decimals = rest > 0 ? Math.min(4, Math.max(1, Math.ceil(-Math.log10(rest)) - 1)) : 4;
  return `${(100 * p).toFixed(decimals)}%`;
}

const grouped = new Intl.NumberFormat('en-US');
/** 3872 → "3,872". */
export const count = (n: number): string => grouped.format(n);
