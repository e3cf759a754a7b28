/** The sentence a person reads next to a suspect row: why Label Lens doubts its label. */

export interface ReasonInput {
  classes: readonly string[];
  given: number;
  /** Consensus distribution of the row (K values). */
  consensus: ArrayLike<number>;
  teacher?: ArrayLike<number>;
  piDisagree?: number;
  piPasses: number;
  flips?: number;
  epochs?: number;
}

const f2 = (x: number) => x.toFixed(2);

function top(p: ArrayLike<number>, except = -1): number {
  let best = except === 0 ? 1 : 0;
  for (let k = 0; k < p.length; k++) if (k !== except && p[k] > p[best]) best = k;
  return best;
}

/** e.g. "ensemble: 体育 0.91, given 财经 0.03; 5/5 stochastic passes disagree; mean teacher: 体育 0.88". */
export function reasonFor(r: ReasonInput): string {
  const { classes, given, consensus: p } = r;
  if (given < 0) return 'unlabeled';
  const best = top(p);
  const parts: string[] = [];
  if (best === given) {
    const runner = top(p, given);
    parts.push(`ensemble agrees: ${classes[given]} ${f2(p[given])} (next ${classes[runner]} ${f2(p[runner])})`);
  } else {
    parts.push(`ensemble: ${classes[best]} ${f2(p[best])}, given ${classes[given]} ${f2(p[given])}`);
  }
  if (r.piPasses > 0 && r.piDisagree !== undefined) parts.push(`${r.piDisagree}/${r.piPasses} stochastic passes disagree`);
  if (r.teacher) {
    const t = top(r.teacher);
    parts.push(`mean teacher: ${classes[t]} ${f2(r.teacher[t])}`);
  }
  if (r.flips && r.epochs) parts.push(`prediction flipped ${r.flips}× in ${r.epochs} epochs`);
  return parts.join('; ');
}
