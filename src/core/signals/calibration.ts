/**
 * Temperature scaling (Guo et al., 2017) of the out-of-fold ensemble probabilities: one temperature
 * T, fitted by minimising the negative log-likelihood of the given labels, turns p into p^(1/T)
 * renormalised. Averaged fold models are typically under- or over-confident as a whole; one
 * parameter fixes that without changing the ranking of classes within a row. The fit uses the given
 * labels, noisy as they are: the result is calibrated against the labels as given, which is what
 * "probability this label is wrong" is read against.
 */

/** log p(k) for one row, clamped so that 0 probabilities stay finite. */
const logp = (p: number) => Math.log(Math.max(1e-12, p));

/** NLL of the given labels under temperature T; `logs` holds log p for the sampled rows (row-major, K per row). */
function nll(logs: Float64Array, y: Int32Array, K: number, T: number): number {
  let sum = 0;
  const n = y.length;
  for (let r = 0; r < n; r++) {
    const o = r * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (logs[o + k] > max) max = logs[o + k];
    let norm = 0;
    for (let k = 0; k < K; k++) norm += Math.exp((logs[o + k] - max) / T);
    sum -= (logs[o + y[r]] - max) / T - Math.log(norm);
  }
  return sum / Math.max(1, n);
}

/** The temperature minimising NLL on up to `maxRows` labeled rows (evenly spaced), by golden-section search on log T. */
export function fitTemperature(soft: Float32Array, labels: ArrayLike<number>, K: number, maxRows = 5_000): number {
  const labeled: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0 && labels[i] < K && !Number.isNaN(soft[i * K])) labeled.push(i);
  if (labeled.length < 10 || K < 2) return 1;
  const step = Math.max(1, Math.floor(labeled.length / maxRows));
  const sample = labeled.filter((_, j) => j % step === 0);
  // log p once; each step of the search then costs one exp per class and row.
  const logs = new Float64Array(sample.length * K);
  const y = new Int32Array(sample.length);
  sample.forEach((i, r) => {
    y[r] = labels[i];
    for (let k = 0; k < K; k++) logs[r * K + k] = logp(soft[i * K + k]);
  });
  const f = (logT: number) => nll(logs, y, K, Math.exp(logT));
  let lo = Math.log(0.05), hi = Math.log(20);
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo), b = lo + g * (hi - lo);
  let fa = f(a), fb = f(b);
  // 30 steps shrink the bracket by 0.618^30 ≈ 5e-7 of its width: far below what the display resolves.
  for (let it = 0; it < 30; it++) {
    if (fa < fb) { hi = b; b = a; fb = fa; a = hi - g * (hi - lo); fa = f(a); } else { lo = a; a = b; fa = fb; b = lo + g * (hi - lo); fb = f(b); }
  }
  return Math.exp((lo + hi) / 2);
}

/** p(k) of one row under temperature T. */
export function calibrated(soft: ArrayLike<number>, T: number): number[] {
  const z = Array.from(soft, (p) => logp(p) / T);
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const s = e.reduce((x, y) => x + y, 0);
  return e.map((v) => v / s);
}
