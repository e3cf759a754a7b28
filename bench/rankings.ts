/**
 * Ranking and consensus-weight variants on the stored parts of bench/rankParts.ts (no retraining):
 * AP, AUROC and flag F1 of each variant on every stored run, beside the default (which must
 * reproduce the engine's own suspicion: checked first).
 * `node --import tsx bench/rankings.ts [run ...]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { averagePrecision } from '../src/core/signals/metrics';
import { consensusOf, scoreConsensus, type Ranking } from '../src/core/signals/score';
import { DUPLICATE_LABEL_WEIGHT, withDuplicateLabels } from '../src/core/signals/duplicateLabels';
import { directionalNoise } from '../src/core/signals/noiseMatrix';
import { flagRows } from '../src/core/signals/confident';
import { chooseTemperature } from '../src/engine/models/naiveBayes';
import { OUT } from './noisy';

export interface Parts { run: string; K: number; N: number; kind: string; a: Record<string, Float32Array> }

export function readParts(run: string): Parts | undefined {
  const meta = join(OUT, `${run}.parts.json`);
  if (!existsSync(meta)) return undefined;
  const m = JSON.parse(readFileSync(meta, 'utf8')) as { K: number; N: number; kind: string; toc: Record<string, [number, number]> };
  const b = readFileSync(join(OUT, `${run}.parts.bin`));
  const all = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  const a: Record<string, Float32Array> = {};
  for (const [n, [at, len]] of Object.entries(m.toc)) a[n] = all.subarray(at, at + len);
  return { run, K: m.K, N: m.N, kind: m.kind, a };
}

export function nbLogJoints(p: Parts): Float32Array[] {
  const out: Float32Array[] = [];
  for (let s = 0; p.a[`nb${s}`]; s++) out.push(p.a[`nb${s}`]);
  return out;
}

/** Naive Bayes's posterior at temperature T, averaged over the splits (as models/naiveBayes). */
export function nbProbs(lj: Float32Array[], N: number, K: number, T: number): Float32Array {
  const out = new Float32Array(N * K);
  const w = 1 / lj.length;
  for (const L of lj) {
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.exp(L[i * K + k] / T);
      for (let k = 0; k < K; k++) out[i * K + k] += (w * Math.exp(L[i * K + k] / T)) / s;
    }
  }
  return out;
}

/** The consensus as the engine's score phase makes it: own and naive Bayes mixed (share w of NB), then the duplicates' labels. */
export function consensusWith(p: Parts, labels: Int32Array, nb: Float32Array | undefined, w: number): Float32Array {
  const { K, a } = p;
  let c: Float32Array;
  if (!nb || w === 0) c = consensusOf([a.own], K);
  else if (w === 0.5) c = consensusOf([consensusOf([a.own], K), nb], K);
  else {
    const own = consensusOf([a.own], K);
    c = new Float32Array(own.length);
    for (let i = 0; i < c.length; i++) c[i] = (1 - w) * own[i] + w * nb[i];
  }
  const group = a.group ? Int32Array.from(a.group) : undefined;
  return withDuplicateLabels(c, labels, group, K, DUPLICATE_LABEL_WEIGHT);
}

export type Scorer = (p: Float32Array, labels: Int32Array, K: number) => Float32Array;

const maxOther = (p: Float32Array, o: number, y: number, K: number) => { let q = 0; for (let k = 0; k < K; k++) if (k !== y && p[o + k] > q) q = p[o + k]; return q; };

export const builtin = (r: Ranking): Scorer => (p, labels, K) => scoreConsensus({ K, labels }, p, r).suspicion;

/**
 * The posterior that a row's label is wrong under the noise the confident joint estimates:
 * P(ỹ = y | true = k) from the calibrated joint (columns normalized), mixed with a uniform share β
 * of off-diagonal noise so no cell is 0; s = Σ_{k≠y} p_k T[k][y] / Σ_k p_k T[k][y].
 */
export function noisePosterior(beta: number, useMax = false): Scorer {
  return (p, labels, K) => {
    const joint = scoreConsensus({ K, labels }, p).joint; // [given][true]
    const T = new Float64Array(K * K); // T[true * K + given]
    for (let t = 0; t < K; t++) {
      let col = 0;
      for (let g = 0; g < K; g++) col += joint[g * K + t];
      let off = 0;
      for (let g = 0; g < K; g++) if (g !== t) off += col > 0 ? joint[g * K + t] / col : 0;
      for (let g = 0; g < K; g++) {
        const est = col > 0 ? joint[g * K + t] / col : (g === t ? 1 : 0);
        const uni = g === t ? 1 - off : off / Math.max(1, K - 1);
        T[t * K + g] = (1 - beta) * est + beta * uni;
      }
    }
    const n = labels.length;
    const s = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const y = labels[i];
      if (y < 0) { s[i] = NaN; continue; }
      const o = i * K;
      let wrong = 0, right = p[o + y] * T[y * K + y];
      for (let k = 0; k < K; k++) if (k !== y) { const v = p[o + k] * T[k * K + y]; wrong = useMax ? Math.max(wrong, v) : wrong + v; }
      s[i] = wrong / (wrong + right || 1);
    }
    return s;
  };
}

/**
 * The noise posterior with the noise matrix split into a uniform part and a directional one: the
 * model's own confusions between two classes go both ways (finance ↔ stock), class-to-class noise
 * one way, so only the joint's excess over its transpose, max(0, J[y][k] − J[k][y]), counts as
 * k → y noise beyond a uniform rate u (the symmetric rest, spread over every class pair).
 * scale: the excess's weight (1 = as estimated).
 */
export function asymPosterior(scale = 1, useMax = false, z = 0, soft = false): Scorer {
  return (p, labels, K) => {
    const J = soft ? softJoint(p, labels, K) : scoreConsensus({ K, labels }, p).joint;
    const R = noiseRates(J, K); // R[true * K + given]
    const col = new Float64Array(K);
    for (let g = 0; g < K; g++) for (let t = 0; t < K; t++) col[t] += J[g * K + t];
    const se = (t: number, g: number) => Math.sqrt((R[t * K + g] * (1 - R[t * K + g])) / Math.max(col[t], 1) + (R[g * K + t] * (1 - R[g * K + t])) / Math.max(col[g], 1));
    let sym = 0;
    for (let g = 0; g < K; g++) for (let t = 0; t < K; t++) if (g !== t) sym += Math.min(R[t * K + g], R[g * K + t]);
    const u = K > 1 ? sym / (K * (K - 1)) : 0;
    const T = new Float64Array(K * K); // T[true * K + given], off-diagonal
    for (let t = 0; t < K; t++) for (let g = 0; g < K; g++) if (g !== t) T[t * K + g] = u + scale * Math.max(0, R[t * K + g] - R[g * K + t] - z * se(t, g));
    const n = labels.length;
    const s = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const y = labels[i];
      if (y < 0) { s[i] = NaN; continue; }
      const o = i * K;
      let stay = 1;
      for (let g = 0; g < K; g++) if (g !== y) stay -= T[y * K + g];
      let wrong = 0;
      const right = p[o + y] * Math.max(stay, 1e-6);
      for (let k = 0; k < K; k++) if (k !== y) { const v = p[o + k] * T[k * K + y]; wrong = useMax ? Math.max(wrong, v) : wrong + v; }
      s[i] = wrong / (wrong + right || 1);
    }
    return s;
  };
}

/** Σ p over the rows of each given class: J[given][true] with the model's probabilities as soft counts. */
export function softJoint(p: Float32Array, labels: Int32Array, K: number): Float64Array {
  const J = new Float64Array(K * K);
  for (let i = 0; i < labels.length; i++) { const y = labels[i]; if (y < 0) continue; for (let k = 0; k < K; k++) J[y * K + k] += p[i * K + k]; }
  return J;
}

/** P(given = g | true = t) from the calibrated joint J[given][true] (each true class's column normalized), as R[t * K + g]. */
export function noiseRates(J: Float64Array, K: number): Float64Array {
  const R = new Float64Array(K * K);
  for (let t = 0; t < K; t++) {
    let col = 0;
    for (let g = 0; g < K; g++) col += J[g * K + t];
    for (let g = 0; g < K; g++) R[t * K + g] = col > 0 ? J[g * K + t] / col : g === t ? 1 : 0;
  }
  return R;
}

/** 1 − p_y + λ·q: self-confidence at λ = 0, the margin's order at λ = 1. */
export const scPlusQ = (lambda: number): Scorer => (p, labels, K) => Float32Array.from({ length: labels.length }, (_, i) => 1 - p[i * K + labels[i]] + lambda * maxOther(p, i * K, labels[i], K));

/** Odds with a power on the given class: q / (p_y^γ + q)… as log-odds, log q − γ log p_y. */
export const oddsGamma = (gamma: number): Scorer => (p, labels, K) => Float32Array.from({ length: labels.length }, (_, i) => Math.log(maxOther(p, i * K, labels[i], K) + 1e-9) - gamma * Math.log(p[i * K + labels[i]] + 1e-9));

export function flagF1(p: Float32Array, labels: Int32Array, K: number, suspicion: Float32Array, truth: Float32Array): number {
  const base = scoreConsensus({ K, labels }, p);
  // The flagged set is the engine's rule with this ranking inside each class.
  const f = flagRows(labels, suspicion, p, K, base.thresholds, base.perClass);
  let tp = 0, nf = 0, ne = 0;
  for (let i = 0; i < f.length; i++) { if (truth[i]) ne++; if (f[i]) { nf++; if (truth[i]) tp++; } }
  const P = nf ? tp / nf : 0, R = ne ? tp / ne : 0;
  return P + R > 0 ? (2 * P * R) / (P + R) : 0;
}

const RUNS = ['sms_spam-uniform10', 'ag_news-uniform20', 'toutiao20k-uniform20', 'toutiao20k-asym20', 'iflytek-uniform10', 'mnist-real-mlp', 'iris-uniform20', 'wine-uniform20', 'breast_cancer-uniform20', 'digits-uniform20', 'synthetic5k-uniform20'];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const scorers: [string, Scorer][] = [
    ['odds', builtin('odds')], ['noise-posterior', builtin('noise-posterior')], ['self-conf', builtin('self-confidence')], ['margin', builtin('margin')],
    ['noisepost β0', noisePosterior(0)], ['noisepost β.5', noisePosterior(0.5)], 
    ['asym', asymPosterior(1)], ['asym max', asymPosterior(1, true)], ['asym×2', asymPosterior(2)], ['asym z1', asymPosterior(1, false, 1)], ['asym z2', asymPosterior(1, false, 2)], ['asym z3', asymPosterior(1, false, 3)], ['asym soft', asymPosterior(1, false, 0, true)], ['asym soft z2', asymPosterior(1, false, 2, true)], ['sc+.25q', scPlusQ(0.25)], ['sc+.5q', scPlusQ(0.5)], ['oddsγ2', oddsGamma(2)], ['oddsγ.5', oddsGamma(0.5)],
  ];
  console.log(`| run | ${scorers.map((s) => s[0]).join(' | ')} |`);
  console.log(`|---|${scorers.map(() => '---').join('|')}|`);
  for (const run of RUNS.filter((r) => only.length === 0 || only.includes(r))) {
    const P = readParts(run);
    if (!P) continue;
    const labels = Int32Array.from(P.a.label);
    const lj = nbLogJoints(P);
    const nb = lj.length ? nbProbs(lj, P.N, P.K, chooseTemperature(lj, labels, P.K).T) : undefined;
    const c = nb ? consensusWith(P, labels, nb, 0.5) : P.a.consensus;
    // The reconstruction must be the engine's consensus.
    let maxd = 0;
    for (let i = 0; i < c.length; i++) maxd = Math.max(maxd, Math.abs(c[i] - P.a.consensus[i]));
    if (maxd > 1e-5) console.error(`${run}: reconstructed consensus differs by ${maxd}`);
    const cells = scorers.map(([, f]) => { const s = f(c, labels, P.K); return `${averagePrecision(s, P.a.truth).toFixed(3)} (${flagF1(c, labels, P.K, s, P.a.truth).toFixed(3)})`; });
    console.log(`| ${run} | ${cells.join(' | ')} |`);
  }
}

if (/rankings\.ts$/.test(process.argv[1] ?? '')) main().catch((err) => { console.error(err); process.exitCode = 1; });

/** Naive Bayes's share of the consensus: AP at shares 0–1 beside each part's accuracy on the given (and clean) labels. */
export function nbShareTable(runs: string[]): void {
  const shares = [0, 0.25, 0.5, 0.75, 1];
  console.log(`\n| run | NB T | acc given own / NB | acc clean own / NB | ${shares.map((s) => `AP NB ${s} (odds / posterior)`).join(' | ')} |`);
  console.log(`|---|---|---|---|${shares.map(() => '---').join('|')}|`);
  for (const run of runs) {
    const P = readParts(run);
    if (!P) continue;
    const lj = nbLogJoints(P);
    if (!lj.length) continue;
    const labels = Int32Array.from(P.a.label);
    const T = chooseTemperature(lj, labels, P.K).T;
    const nb = nbProbs(lj, P.N, P.K, T);
    const own = consensusOf([P.a.own], P.K);
    const acc = (q: Float32Array, y: ArrayLike<number>) => { let c = 0, n = 0; for (let i = 0; i < P.N; i++) { if (y[i] < 0) continue; n++; let b = 0; for (let k = 1; k < P.K; k++) if (q[i * P.K + k] > q[i * P.K + b]) b = k; if (b === y[i]) c++; } return c / n; };
    const clean = P.a.clean;
    const aps = shares.map((w) => { const c = consensusWith(P, labels, nb, w); return `${averagePrecision(builtin('odds')(c, labels, P.K), P.a.truth).toFixed(3)} / ${averagePrecision(builtin('noise-posterior')(c, labels, P.K), P.a.truth).toFixed(3)} (acc ${acc(c, labels).toFixed(4)})`; });
    console.log(`| ${run} | ${T} | ${acc(own, labels).toFixed(3)} / ${acc(nb, labels).toFixed(3)} | ${clean ? `${acc(own, clean).toFixed(3)} / ${acc(nb, clean).toFixed(3)}` : '–'} | ${aps.join(' | ')} |`);
  }
}
if (/rankings\.ts$/.test(process.argv[1] ?? '') && process.env.NB_SHARES) nbShareTable(RUNS);

/** How directional the confident joint's off-diagonal mass is: Σ|J_gt − J_tg| / Σ(J_gt + J_tg), and the largest cell's share. */
export function jointStats(runs: string[]): void {
  for (const run of runs) {
    const P = readParts(run);
    if (!P) continue;
    const labels = Int32Array.from(P.a.label);
    const K = P.K;
    const R = noiseRates(scoreConsensus({ K, labels }, P.a.consensus).joint, K);
    let diff = 0, sum = 0, off = 0, N = K;
    for (let g = 0; g < K; g++) for (let t = 0; t < K; t++) if (g !== t) { diff += Math.abs(R[t * K + g] - R[g * K + t]); sum += R[t * K + g] + R[g * K + t]; off += R[t * K + g]; }
    console.log(`${run}: asymmetry ${(diff / sum).toFixed(3)}, off-diagonal share ${(off / N).toFixed(3)}`);
  }
}
if (/rankings\.ts$/.test(process.argv[1] ?? '') && process.env.JOINT) jointStats(RUNS);

/** Paired test of the mixture's given-label accuracy at each NB share against the best share: difference and its standard error. */
export function nbShareTest(runs: string[]): void {
  const shares = [0, 0.25, 0.5, 0.75];
  for (const run of runs) {
    const P = readParts(run);
    if (!P) continue;
    const lj = nbLogJoints(P);
    if (!lj.length) continue;
    const labels = Int32Array.from(P.a.label);
    const nb = nbProbs(lj, P.N, P.K, chooseTemperature(lj, labels, P.K).T);
    const correct = shares.map((w) => { const c = consensusWith(P, labels, nb, w); return Uint8Array.from({ length: P.N }, (_, i) => { let b = 0; for (let k = 1; k < P.K; k++) if (c[i * P.K + k] > c[i * P.K + b]) b = k; return b === labels[i] ? 1 : 0; }); });
    const acc = correct.map((c) => c.reduce((a, b) => a + b, 0) / P.N);
    const best = acc.indexOf(Math.max(...acc));
    const cells = shares.map((w, s) => {
      let m = 0, m2 = 0;
      for (let i = 0; i < P.N; i++) { const d = correct[best][i] - correct[s][i]; m += d; m2 += d * d; }
      m /= P.N; const se = Math.sqrt(Math.max(0, m2 / P.N - m * m) / P.N);
      return `${w}: ${acc[s].toFixed(4)} Δ ${m.toFixed(4)} (${(m / (se || 1)).toFixed(1)} se)`;
    });
    console.log(`${run}: ${cells.join(', ')}`);
    // Expected accuracy against the true class: π_i(k) ∝ c_k T[k][y] from the ½ consensus and its noise matrix.
    const ref = consensusWith(P, labels, nb, 0.5);
    const T = directionalNoise(scoreConsensus({ K: P.K, labels }, ref).joint, P.K);
    const exp = shares.map((w) => { const c = consensusWith(P, labels, nb, w); let e = 0; for (let i = 0; i < P.N; i++) { const y = labels[i]; const o = i * P.K; let b = 0; for (let k = 1; k < P.K; k++) if (c[o + k] > c[o + b]) b = k; let z = 0; for (let k = 0; k < P.K; k++) z += ref[o + k] * T[k * P.K + y]; e += (ref[o + b] * T[b * P.K + y]) / (z || 1); } return (e / P.N).toFixed(4); });
    console.log(`   expected true accuracy: ${shares.map((w, s) => `${w}: ${exp[s]}`).join(', ')}`);
  }
}
if (/rankings\.ts$/.test(process.argv[1] ?? '') && process.env.NB_TEST) nbShareTest(RUNS);
