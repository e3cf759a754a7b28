/**
 * UMAP's fit of a sample of rows as umap-js does it (fuzzy simplicial set of the k nearest
 * neighbours, random start, then the layout epochs of ./umapLayout), over typed arrays, from the
 * exact cosine k-NN of ./neighbours instead of umap-js's nearest-neighbour descent.
 *
 * Why not `new UMAP().initializeFit()`: profiled on the 1,000-row sample of a 5.5k-row map, beyond
 * the layout epochs its fit spent most of its time in work the map does not need or does slowly:
 * the nearest-neighbour descent (random-projection trees, heaps) where an exact search of 1,000
 * rows is cheap; six sparse-matrix operations keyed by strings to symmetrise the graph; and a
 * second "search graph" (another transpose and maximum) kept only for `transform`. The steps below
 * are umap-js's (smoothKNNDistance, computeMembershipStrengths, the fuzzy union, the epoch
 * schedule), with its defaults: local connectivity 1, learning rate 1, repulsion 1, 5 negative
 * samples, spread 1, min_dist 0.1.
 */
import { cosineKnn } from './neighbours';
import { TypedLayout, type UmapOptimizationState } from './umapLayout';

/** UMAP's curve for spread 1, min_dist 0.1 (the reference implementation's fitted a, b). */
const A = 1.576943460405378;
const B = 0.8950608781227859;
const SMOOTH_K_TOLERANCE = 1e-5;
const MIN_K_DIST_SCALE = 1e-3;

/**
 * The fuzzy graph's edges (row-major, i < n) with their weights, from each row's k nearest
 * (self first, distance 0), as umap-js's fuzzySimplicialSet with set_op_mix_ratio 1.
 */
export function fuzzyGraph(knnIndex: Int32Array, knnDist: Float64Array, n: number, k: number): { head: Int32Array; tail: Int32Array; weight: Float64Array } {
  const target = Math.log(k) / Math.log(2);
  const rho = new Float64Array(n), sigma = new Float64Array(n);
  let meanAll = 0;
  for (let i = 0; i < n * k; i++) meanAll += knnDist[i];
  meanAll /= n * k;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    for (let j = 0; j < k; j++) { const d = knnDist[o + j]; if (d > 0) { rho[i] = d; break; } }
    let lo = 0, hi = Infinity, mid = 1;
    for (let it = 0; it < 64; it++) {
      let psum = 0;
      for (let j = 1; j < k; j++) { const d = knnDist[o + j] - rho[i]; psum += d > 0 ? Math.exp(-(d / mid)) : 1; }
      if (Math.abs(psum - target) < SMOOTH_K_TOLERANCE) break;
      if (psum > target) { hi = mid; mid = (lo + hi) / 2; } else { lo = mid; mid = hi === Infinity ? mid * 2 : (lo + hi) / 2; }
    }
    let mean = 0;
    for (let j = 0; j < k; j++) mean += knnDist[o + j];
    mean /= k;
    sigma[i] = Math.max(mid, MIN_K_DIST_SCALE * (rho[i] > 0 ? mean : meanAll));
  }
  // Membership strengths, then the fuzzy union w + wᵀ − w∘wᵀ (keys i·n + j; n ≤ a few thousand).
  const w = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const c = knnIndex[i * k + j];
      if (c < 0 || c === i) continue;
      const d = knnDist[i * k + j] - rho[i];
      w.set(i * n + c, d <= 0 ? 1 : Math.exp(-(d / sigma[i])));
    }
  }
  const sym = new Map<number, number>();
  for (const [key, v] of w) {
    const i = Math.floor(key / n), j = key - i * n;
    const t = w.get(j * n + i) ?? 0;
    const u = v + t - v * t;
    sym.set(key, u);
    sym.set(j * n + i, u);
  }
  const keys = Float64Array.from(sym.keys()).sort();
  const head = new Int32Array(keys.length), tail = new Int32Array(keys.length), weight = new Float64Array(keys.length);
  keys.forEach((key, e) => { head[e] = Math.floor(key / n); tail[e] = key - head[e] * n; weight[e] = sym.get(key)!; });
  return { head, tail, weight };
}

/**
 * The layout state of a fit: edges below max/epochs dropped (they would never be sampled),
 * points uniform in [−10, 10]², each edge sampled every `epochs / (w/max · epochs)` epochs.
 */
export function layoutState(g: { head: Int32Array; tail: Int32Array; weight: Float64Array }, n: number, epochs: number, random: () => number): UmapOptimizationState {
  let max = 0;
  for (const v of g.weight) if (v > max) max = v;
  const head: number[] = [], tail: number[] = [], eps: number[] = [];
  for (let e = 0; e < g.weight.length; e++) {
    const v = g.weight[e];
    if (!(v > 0) || v < max / epochs) continue;
    head.push(g.tail[e]); tail.push(g.head[e]);
    eps.push(epochs / ((v / max) * epochs));
  }
  const emb = Array.from({ length: n }, () => [random() * 20 - 10, random() * 20 - 10]);
  const epsNeg = eps.map((e) => e / 5);
  return {
    head, tail, headEmbedding: emb, tailEmbedding: emb, epochsPerSample: eps, epochOfNextSample: [...eps],
    epochOfNextNegativeSample: [...epsNeg], epochsPerNegativeSample: epsNeg, moveOther: true,
    initialAlpha: 1, alpha: 1, gamma: 1, a: A, b: B, dim: 2, nEpochs: epochs, nVertices: n, currentEpoch: 0,
  };
}

/**
 * UMAP of the rows `rows` of `unit` (unit rows, n × dim): 2-D points, [x, y] per row in `rows`'
 * order. `onEpoch(e)` after each epoch may be async (a turn of the event loop, a cancel check).
 */
export async function umapFit(unit: Float32Array, dim: number, rows: Int32Array, o: { neighbours: number; epochs: number; random: () => number; onEpoch?: (e: number) => Promise<void> | void }): Promise<Float64Array> {
  const n = rows.length;
  const k = Math.min(o.neighbours, n);
  // Self first at distance 0, then the k − 1 nearest: what umap-js's neighbour search returns.
  const knn = cosineKnn(unit, dim, { k: k - 1, queries: rows, reference: rows });
  const at = new Map<number, number>();
  rows.forEach((r, j) => at.set(r, j));
  const index = new Int32Array(n * k).fill(-1), dist = new Float64Array(n * k);
  for (let q = 0; q < n; q++) {
    index[q * k] = q;
    for (let j = 0; j < k - 1; j++) {
      const r = knn.index[q * (k - 1) + j];
      if (r < 0) { dist[q * k + 1 + j] = Infinity; continue; }
      index[q * k + 1 + j] = at.get(r)!;
      // Euclidean distance between unit rows, as umap-js measures (monotone in cosine).
      dist[q * k + 1 + j] = Math.sqrt(Math.max(0, 2 - 2 * knn.similarity[q * (k - 1) + j]));
    }
  }
  const state = layoutState(fuzzyGraph(index, dist, n, k), n, o.epochs, o.random);
  const layout = new TypedLayout(state, o.random);
  for (let e = 0; e < o.epochs; e++) {
    layout.step(e);
    await o.onEpoch?.(e);
  }
  return layout.embedding();
}
