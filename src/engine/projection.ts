/**
 * The embedding map: every row's representation (./representation) projected to 2-D, in the engine
 * child, after the results are written (./mapResults: the results folder's map file).
 *
 * Which method (option `map`; auto by rows), measured on a 2-core machine shared with other work
 * (load 13–19: times inflated several-fold; `npm run bench -- map`): umap-js costs about 2 s for
 * 1,000 rows and 7 s for 1,500 rows of 64 numbers at 200 epochs, and grows faster than linearly
 * (3,000 rows: 25 s). So UMAP runs on a seeded sample of at most PROJECTION.sample rows, and every
 * other row is placed at the similarity-weighted mean of its PROJECTION.placeK nearest sample rows
 * (cosine, the one neighbour search of ./neighbours): rows × sample × dim, linear in rows — 10k × 12
 * in 12 s, 100k × 12 in 61 s, 100k × 64 in 185 s on that machine. Above PROJECTION.umapMaxRows
 * PCA (the two leading principal components, by power iteration on the covariance of a sample;
 * rows × dim) takes its place: 1M × 12 in 0.8 s. Deterministic: the same representation and
 * seed give the same map.
 * UMAP itself is ./umapFit: umap-js's fit and layout over typed arrays, from the exact cosine k-NN
 * (profiled: umap-js's neighbour descent, string-keyed sparse matrices and array-of-arrays layout
 * were most of a small map's time; 150 rows took 0.26 s of CPU, now about 0.1 s).
 */
import { Random } from '../core/random';
import { cosineKnn, sampleRows, unitRows } from './neighbours';
import type { Representation } from './representation';
import { umapFit } from './umapFit';

export type MapMethod = 'umap' | 'pca';
export type MapOption = 'auto' | MapMethod | 'none';

export const PROJECTION = {
  /**
   * UMAP runs on at most this many rows; the rest are placed by their nearest sample rows. 1,000
   * rows at 100 epochs, not 2,000 at 200: on an idle machine the larger map took 3.3 s of a 5.8 s
   * sms_spam analysis (2.6 s without a map), the smaller 1.1 s, with map-neighbour label agreement
   * still above the test's bound. The map is a picture for the eye, not part of the ranking.
   */
  sample: 1000,
  umapMaxRows: 50_000,
  epochs: 100,
  neighbours: 15,
  placeK: 5,
  /** Rows the PCA covariance is estimated from. */
  pcaSample: 20_000,
};

export interface MapProjection {
  x: Float32Array;
  y: Float32Array;
  method: MapMethod;
  /** Rows UMAP itself embedded (the rest were placed); all rows for PCA. */
  sample: number;
  seconds: number;
}

export type MapProgress = (fraction: number, message: string) => void;

/** A turn of the event loop: the engine hears `cancel` (and sends progress) while a map is made. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The method `auto` picks for a number of rows. */
export function mapMethodFor(option: MapOption, rows: number): MapMethod | undefined {
  if (option === 'none') return undefined;
  if (option !== 'auto') return option;
  return rows <= PROJECTION.umapMaxRows ? 'umap' : 'pca';
}

/** The two leading principal components of the rows (power iteration with deflation, seeded start). */
export function pca2(x: Float32Array, dim: number, seed: number): { x: Float32Array; y: Float32Array } {
  const n = x.length / dim;
  const rows = sampleRows(n, PROJECTION.pcaSample, seed);
  const mean = new Float64Array(dim);
  for (const r of rows) for (let d = 0; d < dim; d++) mean[d] += x[r * dim + d] / rows.length;
  const C = new Float64Array(dim * dim);
  const v = new Float64Array(dim);
  for (const r of rows) {
    for (let d = 0; d < dim; d++) v[d] = x[r * dim + d] - mean[d];
    for (let a = 0; a < dim; a++) { const va = v[a]; if (va !== 0) for (let b = 0; b < dim; b++) C[a * dim + b] += va * v[b]; }
  }
  const rng = new Random(seed);
  const components: Float64Array[] = [];
  for (let c = 0; c < 2; c++) {
    let u = Float64Array.from({ length: dim }, () => rng.normal());
    for (let it = 0; it < 200; it++) {
      const w = new Float64Array(dim);
      for (let a = 0; a < dim; a++) { let s = 0; for (let b = 0; b < dim; b++) s += C[a * dim + b] * u[b]; w[a] = s; }
      for (const p of components) { let dot = 0; for (let a = 0; a < dim; a++) dot += w[a] * p[a]; for (let a = 0; a < dim; a++) w[a] -= dot * p[a]; }
      let norm = 0;
      for (let a = 0; a < dim; a++) norm += w[a] * w[a];
      norm = Math.sqrt(norm);
      if (norm < 1e-12) break;
      let change = 0;
      for (let a = 0; a < dim; a++) { const next = w[a] / norm; change += Math.abs(next - u[a]); w[a] = next; }
      u = w;
      if (change < 1e-9) break;
    }
    // A fixed sign (largest entry positive): the same data gives the same picture, not its mirror.
    let big = 0;
    for (let a = 1; a < dim; a++) if (Math.abs(u[a]) > Math.abs(u[big])) big = a;
    if (u[big] < 0) for (let a = 0; a < dim; a++) u[a] = -u[a];
    components.push(u);
  }
  const out = [new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += (x[i * dim + d] - mean[d]) * components[c][d];
      out[c][i] = s;
    }
  }
  return { x: out[0], y: out[1] };
}

/** UMAP of a sample of rows, the rest placed among their nearest sample rows. */
async function umapMap(rep: Representation, seed: number, size: number, onProgress: MapProgress, check: () => void): Promise<{ x: Float32Array; y: Float32Array; sample: number }> {
  const { dim } = rep;
  const n = rep.x.length / dim;
  const unit = unitRows(rep.x, dim);
  const sample = sampleRows(n, size, seed);
  const S = sample.length;
  const rng = new Random(seed * 31 + 17);
  onProgress(0, `map: UMAP of ${S.toLocaleString('en-US')} rows`);
  const epochs = PROJECTION.epochs;
  const emb = await umapFit(unit, dim, sample, {
    neighbours: PROJECTION.neighbours, epochs, random: () => rng.next(),
    onEpoch: async (e) => { if (e % 20 === 19) { await turn(); check(); onProgress((e + 1) / epochs * 0.8, `map: UMAP epoch ${e + 1}/${epochs}`); } },
  });
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const inSample = new Uint8Array(n);
  sample.forEach((r, j) => { x[r] = emb[2 * j]; y[r] = emb[2 * j + 1]; inSample[r] = 1; });
  const rest = Int32Array.from({ length: n }, (_, i) => i).filter((i) => !inSample[i]);
  const k = Math.min(PROJECTION.placeK, S);
  const BLOCK = 20_000;
  for (let b = 0; b < rest.length; b += BLOCK) {
    await turn();
    check();
    onProgress(0.8 + 0.2 * (b / rest.length), `map: placing rows ${b.toLocaleString('en-US')} of ${rest.length.toLocaleString('en-US')}`);
    const knn = cosineKnn(unit, dim, { k, queries: rest.subarray(b, b + BLOCK), reference: sample });
    for (let q = 0; q < knn.queries.length; q++) {
      let sx = 0, sy = 0, sw = 0;
      for (let j = 0; j < k; j++) {
        const r = knn.index[q * k + j];
        if (r < 0) continue;
        // Similarity in [−1, 1] to a weight in (0, 1]: nearer sample rows pull harder.
        const w = Math.exp(4 * (knn.similarity[q * k + j] - 1));
        sx += w * x[r]; sy += w * y[r]; sw += w;
      }
      const i = knn.queries[q];
      x[i] = sw > 0 ? sx / sw : 0;
      y[i] = sw > 0 ? sy / sw : 0;
    }
  }
  return { x, y, sample: S };
}

/** The map of a run: 2-D coordinates per row, by the method chosen for its size; undefined for `none` or fewer than 3 rows. */
export async function projectMap(rep: Representation, option: MapOption, seed: number, onProgress: MapProgress = () => {}, check: () => void = () => {}, sample = PROJECTION.sample): Promise<MapProjection | undefined> {
  const n = rep.x.length / rep.dim;
  const method = mapMethodFor(option, n);
  if (!method || n < 3) return undefined;
  const t0 = performance.now();
  if (method === 'pca' || n < 5) {
    onProgress(0, `map: PCA of ${n.toLocaleString('en-US')} rows`);
    const p = pca2(rep.x, rep.dim, seed);
    return { ...p, method: 'pca', sample: n, seconds: +((performance.now() - t0) / 1000).toFixed(3) };
  }
  const u = await umapMap(rep, seed, sample, onProgress, check);
  return { x: u.x, y: u.y, method: 'umap', sample: u.sample, seconds: +((performance.now() - t0) / 1000).toFixed(3) };
}
