/**
 * From per-row signals to one suspicion score, a flag, a suggested label and a reason.
 *
 * Consensus p̄: the mean of the available out-of-fold distributions — the final student, the
 * temporal ensemble, the mean teacher and the Π-model mean — each a model that never trained on the
 * row's label. Averaging them is itself an ensemble over epochs, weights and dropout masks.
 *
 * Suspicion (in [0, 1], higher = more likely mislabeled), with y the given label and
 * q = max_{j≠y} p̄_j the strongest other class:
 *   noise-posterior (default)  s = Σ_{k≠y} p̄_k T[k][y] / Σ_k p̄_k T[k][y]: the probability that the
 *                    label is wrong under the noise matrix T the confident joint shows, split into a
 *                    uniform rate and the significant one-way (class-to-class) excess (./noiseMatrix)
 *   odds             s = q / (p̄_y + q): how much the best other class outweighs the given one
 *   self-confidence  s = 1 − p̄_y
 *   margin           s = (1 − m)/2, m = p̄_y − q (the normalized margin, in [−1, 1])
 *   blend            s = ½(1 − p̄_y) + ¼(1 − m)
 * Why the noise posterior: self-confidence ranks uniform noise best but pair noise (class a
 * labelled b) worst, the margin the other way round, and on 119 classes the margin collapses (AP
 * 0.33 against 0.74) because q, not p̄_y, dominates it; odds were a compromise within 2% of the
 * better of the two on uniform noise and far below the margin on pair noise. The posterior chooses
 * from the data: with no one-way excess in the joint T is uniform and it orders rows as
 * self-confidence does; where class a's rows are labelled b more than b's are labelled a, the rows
 * labelled b are weighed by p̄_a (toutiao pair noise AP 0.74 → 0.90; bench/RESULTS.md, session 6).
 * The suspicion is a function of p̄ alone (no tie-break from the Π-model's disagreement share, which
 * once added up to 0.001): so a ranking from probabilities the user brings follows the same rule as a
 * trained run, and `export --pred-probs` output reproduces the run's order exactly with the default
 * options. The Π-model still counts through its mean distribution in p̄ and the reason text; the
 * tie-break changed AP by less than 0.0001 on ag_news, sms_spam and toutiao (bench/RESULTS.md).
 */
import { directionalNoise, wrongPosterior } from './noiseMatrix';
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

export type Ranking = 'noise-posterior' | 'odds' | 'blend' | 'self-confidence' | 'margin';

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
  ranking: Ranking;
}

/**
 * Mean of the given distributions, renormalized per row. `inPlace`: the sum is made in parts[0]
 * (a temporary of the caller's; an N × K array less), with the same bits as from a zeroed array
 * (0 + x rounds as x).
 */
export function consensusOf(parts: Float32Array[], K: number, inPlace = false): Float32Array {
  const n = parts[0].length / K;
  const out = inPlace ? parts[0] : new Float32Array(parts[0].length);
  for (const part of inPlace ? parts.slice(1) : parts) for (let i = 0; i < out.length; i++) out[i] += part[i];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += out[i * K + k];
    if (s > 0) for (let k = 0; k < K; k++) out[i * K + k] /= s;
  }
  return out;
}

export function scoreRows(sig: Signals, ranking: Ranking = 'noise-posterior', parts?: Float32Array[]): Scores {
  return scoreConsensus(sig, consensusOf(parts ?? [sig.student, sig.ema, sig.teacher, sig.pi].filter((x): x is Float32Array => x !== undefined), sig.K), ranking);
}

/**
 * Scores rows from one distribution per row, used as it is: probabilities the user brought are not
 * renormalized (they were checked to sum to 1 ± 1e-3), so an exported run scores bit-identically.
 */
export function scoreConsensus(sig: Pick<Signals, 'K' | 'labels'>, p: Float32Array, ranking: Ranking = 'noise-posterior'): Scores {
  const { K, labels } = sig;
  const n = labels.length;
  const thresholds = classThresholds(p, labels, K);
  const conf = confidentClasses(p, labels, K, thresholds);
  const counts = new Float64Array(K);
  for (let i = 0; i < n; i++) if (labels[i] >= 0) counts[labels[i]]++;
  const joint = calibrateJoint(confidentJoint(labels, conf, K), counts, K);
  const selfConfidence = new Float32Array(n);
  const margin = new Float32Array(n);
  const suspicion = new Float32Array(n);
  const suggested = new Int32Array(n).fill(-1);
  const T = ranking === 'noise-posterior' ? directionalNoise(joint, K) : undefined;
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
    const q = K > 1 ? other : 0;
    const base = T ? wrongPosterior(p, o, y, K, T) : ranking === 'odds' ? q / (sc + q || 1) : ranking === 'self-confidence' ? 1 - sc : ranking === 'margin' ? (1 - m) / 2 : 0.5 * (1 - sc) + 0.25 * (1 - m);
    suspicion[i] = Math.min(1, Math.max(0, base));
  }
  const perClass = issuesPerClass(joint, K, counts);
  const flagged = flagRows(labels, suspicion, p, K, thresholds, perClass);
  return { consensus: p, selfConfidence, margin, suspicion, suggested, flagged, thresholds, joint, perClass, ranking };
}
