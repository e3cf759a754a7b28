/**
 * From per-row signals to one suspicion score, a flag, a suggested label and a reason.
 *
 * Consensus p̄: the mean of the available out-of-fold distributions — the final student, the
 * temporal ensemble, the mean teacher and the Π-model mean — each a model that never trained on the
 * row's label. Averaging them is itself an ensemble over epochs, weights and dropout masks.
 *
 * Suspicion (in [0, 1], higher = more likely mislabeled), with y the given label, one of:
 *   self-confidence  s = 1 − p̄_y
 *   margin           s = (1 − m)/2,  m = p̄_y − max_{j≠y} p̄_j (the normalized margin, in [−1, 1])
 *   blend            s = ½(1 − p̄_y) + ¼(1 − m)
 * 'auto' (the default) picks from the data: self-confidence ranks uniform noise best (iflytek, 119
 * classes: AP 0.74 against 0.33 for the margin), the margin ranks pair noise best (toutiao, class a
 * labelled b: 0.74 against 0.50). Which one the noise is, the confident joint tells: see
 * noiseConcentration. With two classes both rank the same.
 * Ties are broken by the Π-model: the share of stochastic passes that disagree with y, times 1e-3.
 */
import { calibrateJoint, classThresholds, confidentClasses, confidentJoint, flagRows, issuesPerClass } from './confident';

export interface Signals {
  K: number;
  /** Given label per row; < 0 = unlabeled or damaged (no score). */
  labels: Int32Array;
  student: Float32Array;
  ema?: Float32Array;
  teacher?: Float32Array;
  pi?: Float32Array;
  piDisagree?: Uint8Array;
  piPasses: number;
}

export type Ranking = 'auto' | 'blend' | 'self-confidence' | 'margin';

export interface Scores {
  consensus: Float32Array;
  selfConfidence: Float32Array;
  margin: Float32Array;
  suspicion: Float32Array;
  suggested: Int32Array;
  flagged: Uint8Array;
  thresholds: Float64Array;
  /** Calibrated confident joint, K×K, [given][true]. */
  joint: Float64Array;
  perClass: Int32Array;
  /** The ranking used ('auto' resolves to one of the others). */
  ranking: Exclude<Ranking, 'auto'>;
  /** Share of each class's off-diagonal confident joint in its largest cell (1 = pure pair noise). */
  concentration: number;
}

/**
 * How structured the noise looks: for each given class, the share of its off-diagonal calibrated
 * joint in its largest cell, averaged with the classes' off-diagonal mass as weights, then rescaled
 * so that 0 is an even spread over the K−1 other classes (uniform noise) and 1 is every error in
 * one cell (pair noise: class a labelled b). Measured: ag_news uniform 0.17, toutiao pair 0.52.
 */
export function noiseConcentration(joint: Float64Array, K: number): number {
  let top = 0;
  let all = 0;
  for (let i = 0; i < K; i++) {
    let m = 0;
    for (let j = 0; j < K; j++) if (j !== i) { all += joint[i * K + j]; m = Math.max(m, joint[i * K + j]); }
    top += m;
  }
  if (all <= 0 || K < 3) return 0;
  const even = 1 / (K - 1);
  return Math.max(0, (top / all - even) / (1 - even));
}

/** Above this concentration the margin ranks better than self-confidence (see bench/RESULTS.md). */
export const PAIR_NOISE_CONCENTRATION = 0.35;

/** Mean of the given distributions, renormalized per row. */
export function consensusOf(parts: Float32Array[], K: number): Float32Array {
  const n = parts[0].length / K;
  const out = new Float32Array(parts[0].length);
  for (const part of parts) for (let i = 0; i < out.length; i++) out[i] += part[i];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += out[i * K + k];
    if (s > 0) for (let k = 0; k < K; k++) out[i * K + k] /= s;
  }
  return out;
}

export function scoreRows(sig: Signals, requested: Ranking = 'auto', parts?: Float32Array[]): Scores {
  const { K, labels } = sig;
  const n = labels.length;
  const p = consensusOf(parts ?? [sig.student, sig.ema, sig.teacher, sig.pi].filter((x): x is Float32Array => x !== undefined), K);
  const thresholds = classThresholds(p, labels, K);
  const conf = confidentClasses(p, labels, K, thresholds);
  const counts = new Float64Array(K);
  for (let i = 0; i < n; i++) if (labels[i] >= 0) counts[labels[i]]++;
  const joint = calibrateJoint(confidentJoint(labels, conf, K), counts, K);
  const concentration = noiseConcentration(joint, K);
  const ranking = requested !== 'auto' ? requested : K > 2 && concentration >= PAIR_NOISE_CONCENTRATION ? 'margin' : 'self-confidence';
  const selfConfidence = new Float32Array(n);
  const margin = new Float32Array(n);
  const suspicion = new Float32Array(n);
  const suggested = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let best = 0;
    for (let k = 1; k < K; k++) if (p[o + k] > p[o + best]) best = k;
    suggested[i] = best;
    const y = labels[i];
    if (y < 0) { selfConfidence[i] = NaN; margin[i] = NaN; suspicion[i] = NaN; continue; }
    let other = -Infinity;
    for (let k = 0; k < K; k++) if (k !== y && p[o + k] > other) other = p[o + k];
    const sc = p[o + y];
    const m = sc - (K > 1 ? other : 0);
    selfConfidence[i] = sc;
    margin[i] = m;
    const base = ranking === 'self-confidence' ? 1 - sc : ranking === 'margin' ? (1 - m) / 2 : 0.5 * (1 - sc) + 0.25 * (1 - m);
    const tie = sig.piDisagree && sig.piPasses > 0 ? sig.piDisagree[i] / sig.piPasses : 0;
    suspicion[i] = Math.min(1, Math.max(0, base * (1 - 1e-3) + 1e-3 * tie));
  }
  const perClass = issuesPerClass(joint, K);
  const flagged = flagRows(labels, suspicion, p, K, thresholds, perClass);
  return { consensus: p, selfConfidence, margin, suspicion, suggested, flagged, thresholds, joint, perClass, ranking, concentration };
}
