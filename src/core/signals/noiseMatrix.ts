/**
 * The label noise a dataset's confident joint shows, as a noise matrix T[t][g] = P(given g | true t)
 * split into what is spread over every class pair and what runs one way between two classes, and
 * the posterior that a row's given label is wrong under it (the default ranking, core/signals/score).
 *
 * Why split it: the calibrated joint's off-diagonal mass is mostly the model's own confusions
 * between similar classes (finance ↔ stock), and those go both ways; it is as concentrated on a
 * few cells under uniform noise as under class-to-class noise (bench/RESULTS.md, session 5), so
 * taking it as the noise matrix would rank uniform noise by those confusions (AP lower than
 * self-confidence on ag_news and toutiao). Class-to-class noise (class a's rows labelled b) is
 * directional: P(b | a) ≫ P(a | b). So only the excess of a rate over its transpose, beyond what
 * the row counts make significant, counts as directional noise:
 *   e[t][g] = max(0, R[t][g] − R[g][t] − z·se),  se² = R[t][g](1 − R[t][g])/n_t + R[g][t](1 − R[g][t])/n_g,
 * and the symmetric rest, averaged over the K(K − 1) ordered pairs, is one uniform rate u:
 *   T[t][g] = u + e[t][g] (t ≠ g),  T[y][y] = 1 − Σ_{g≠y} T[y][g].
 * With no significant excess T is uniform and the posterior ranks as self-confidence (the best
 * rule on uniform noise); a pair with a significant excess ranks its rows by how much the other
 * class outweighs the given one, as the odds and the margin do (the best rules on pair noise).
 */

/** Standard errors of excess a one-way rate needs before it counts (two: the usual 95% level). */
export const NOISE_EXCESS_Z = 2;

/** The smallest uniform rate (a dataset whose joint has no off-diagonal mass still ranks by self-confidence). */
const MIN_RATE = 1e-6;

/** P(given g | true t) as R[t * K + g] from the calibrated joint J[given][true] (each true class's column normalized), and the columns' sums. */
export function noiseRates(joint: Float64Array, K: number): { rates: Float64Array; trueCounts: Float64Array } {
  const rates = new Float64Array(K * K);
  const trueCounts = new Float64Array(K);
  for (let g = 0; g < K; g++) for (let t = 0; t < K; t++) trueCounts[t] += joint[g * K + t];
  for (let t = 0; t < K; t++) for (let g = 0; g < K; g++) rates[t * K + g] = trueCounts[t] > 0 ? joint[g * K + t] / trueCounts[t] : g === t ? 1 : 0;
  return { rates, trueCounts };
}

/** T[t * K + g] = P(given g | true t): a uniform rate plus the significant one-way excess (see above). */
export function directionalNoise(joint: Float64Array, K: number, z = NOISE_EXCESS_Z): Float64Array {
  const { rates: R, trueCounts: n } = noiseRates(joint, K);
  let sym = 0;
  for (let t = 0; t < K; t++) for (let g = 0; g < K; g++) if (g !== t) sym += Math.min(R[t * K + g], R[g * K + t]);
  const u = K > 1 ? Math.max(MIN_RATE, sym / (K * (K - 1))) : 0;
  const T = new Float64Array(K * K);
  for (let t = 0; t < K; t++) {
    let out = 0;
    for (let g = 0; g < K; g++) {
      if (g === t) continue;
      const a = R[t * K + g], b = R[g * K + t];
      const se = Math.sqrt((a * (1 - a)) / Math.max(1, n[t]) + (b * (1 - b)) / Math.max(1, n[g]));
      T[t * K + g] = u + Math.max(0, a - b - z * se);
      out += T[t * K + g];
    }
    T[t * K + t] = Math.max(MIN_RATE, 1 - out);
  }
  return T;
}

/**
 * P(label wrong | p, given y) under T, with p the row's out-of-fold distribution standing for
 * P(true class | row): Σ_{k≠y} p_k T[k][y] / Σ_k p_k T[k][y].
 */
export function wrongPosterior(p: Float32Array, o: number, y: number, K: number, T: Float64Array): number {
  let wrong = 0;
  for (let k = 0; k < K; k++) if (k !== y) wrong += p[o + k] * T[k * K + y];
  const all = wrong + p[o + y] * T[y * K + y];
  return all > 0 ? wrong / all : 0;
}
