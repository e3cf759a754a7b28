/**
 * Duplicate groups of a dataset, by data kind:
 * - text: exact copies after normalisation (core/duplicates/normalize), then near copies among one
 *   row per exact group — MinHash + LSH over the text model's word and CJK character 1–2-grams
 *   (featurize/text), confirmed by exact Jaccard ≥ `jaccard`;
 * - numeric and pixel rows: identical vectors, then cosine ≥ `cosine` among each row's nearest
 *   neighbours (engine/neighbours);
 * - the user's embeddings (a column, --embeddings, --encoder): with a text column, the text's exact
 *   and near copies as above, joined by rows whose embeddings have cosine ≥ `cosine` (paraphrases
 *   the n-grams miss); without one, as numeric rows. Always on the vectors as the user gave them
 *   (not standardised), since that is the cosine their encoder defines.
 */
import { UnionFind, groupsOf, type DuplicateGroups } from '../core/duplicates/groups';
import { uniteExact } from '../core/duplicates/exact';
import { uniteNear, type NearStats } from '../core/duplicates/minhash';
import { normalizeText } from '../core/duplicates/normalize';
import { textFeatures } from './featurize/text';
import { cosineKnnAmong, randomProjection, unitRows } from './neighbours';

export interface DuplicateOptions {
  /**
   * Jaccard similarity of two texts' n-gram sets at or above which they are near-duplicates
   * (0 < t ≤ 1; 1 = exact copies only). Default from the measurement in bench/duplicates.ts.
   */
  jaccard: number;
  /** Cosine similarity at or above which two numeric or pixel rows are near-duplicates. */
  cosine: number;
  seed: number;
}

export const DEFAULT_DUPLICATES: DuplicateOptions = { jaccard: 0.5, cosine: 0.99, seed: 1 };

export interface DuplicateResult {
  groups: DuplicateGroups;
  /** Rows that repeat an earlier row exactly (after normalisation). */
  exactRepeats: number;
  /** The first row with the same text (or vector) as row i; −1 when row i repeats no earlier row. */
  copyOf: Int32Array;
  near?: NearStats;
  /** Pairs of texts joined by the cosine of their embeddings (not already copies by their text). */
  embeddingPairs?: number;
}

/** Dense rows, n × dim, row-major. */
export interface Vectors {
  x: Float32Array;
  dim: number;
}

/** The n-gram hashes MinHash works on: the text model's features of the normalised text, unbucketed. */
const NGRAMS = { buckets: 2 ** 32, charNgrams: false, maxFeatures: 3000, idf: false };
export function textNgrams(text: string, out: (h: number) => void): void {
  textFeatures(normalizeText(text), NGRAMS, out);
}

/**
 * `embeddings`: the user's vectors of the same rows, whose near pairs (cosine) join the text's groups.
 * `tick(fraction)`: progress, every 16,384 rows or so.
 */
export function textDuplicates(n: number, text: (i: number) => string, opts: DuplicateOptions = DEFAULT_DUPLICATES, embeddings?: Vectors, tick?: (fraction: number) => void): DuplicateResult {
  const uf = new UnionFind(n);
  const exact = new Uint8Array(n);
  const copyOf = new Int32Array(n).fill(-1);
  // Exact copies take about a quarter of the time, near ones the rest (1M toutiao-length rows).
  const exactRepeats = uniteExact(n, text, uf, exact, copyOf, tick && ((f) => tick(0.25 * f)));
  let near: NearStats | undefined;
  if (opts.jaccard < 1) {
    // One row per exact group: its copies follow it through the union-find.
    const reps: number[] = [];
    for (let i = 0; i < n; i++) if (uf.find(i) === i) reps.push(i);
    near = uniteNear(Int32Array.from(reps), (i, out) => textNgrams(text(i), out), uf, new Uint8Array(n), { threshold: opts.jaccard, seed: opts.seed }, tick && ((f) => tick(0.25 + 0.75 * f)));
  }
  let embeddingPairs: number | undefined;
  if (embeddings && opts.cosine < 1) {
    // One row per group found by the text: pairs within a group add nothing.
    const reps = Int32Array.from({ length: n }, (_, i) => i).filter((i) => uf.find(i) === i);
    embeddingPairs = uniteCosine(unitRows(embeddings.x, embeddings.dim), embeddings.dim, reps, uf, opts);
  }
  return { groups: groupsOf(uf, exact), exactRepeats, copyOf, near, embeddingPairs };
}

/**
 * Unites rows of `reps` whose unit vectors have cosine ≥ opts.cosine; returns the pairs that joined
 * two groups. Candidates: each row's 5 nearest by a 64-dimension projection (exact for narrower
 * rows), confirmed by the exact cosine; so the cost is linear in rows × reps / block, as in cosineKnn.
 */
function uniteCosine(unit: Float32Array, dim: number, reps: Int32Array, uf: UnionFind, opts: DuplicateOptions): number {
  const proj = dim > 64 ? unitRows(randomProjection(unit, dim, 64, opts.seed), 64) : unit;
  const pd = dim > 64 ? 64 : dim;
  const k = Math.min(5, reps.length - 1);
  let pairs = 0;
  if (k <= 0) return 0;
  // Neighbours below the cut are never united (the loop below stops at the first): not searched for.
  const knn = cosineKnnAmong(proj, pd, reps, k, opts.cosine - 0.05);
  for (let q = 0; q < reps.length; q++) {
    for (let j = 0; j < k; j++) {
      const r = knn.index[q * k + j];
      if (r < 0 || knn.similarity[q * k + j] < opts.cosine - 0.05) break;
      const a = reps[q];
      let s = 0;
      for (let d = 0; d < dim; d++) s += unit[a * dim + d] * unit[r * dim + d];
      if (s >= opts.cosine && uf.find(a) !== uf.find(r)) { uf.union(a, r); pairs++; }
    }
  }
  return pairs;
}

/** Dense rows (n × dim): identical vectors are exact copies; cosine ≥ opts.cosine near ones. */
export function denseDuplicates(x: Float32Array, dim: number, opts: DuplicateOptions = DEFAULT_DUPLICATES): DuplicateResult {
  const n = x.length / dim;
  const uf = new UnionFind(n);
  const exact = new Uint8Array(n);
  const firstOf = new Map<string, number>();
  const copyOf = new Int32Array(n).fill(-1);
  let exactRepeats = 0;
  const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  for (let i = 0; i < n; i++) {
    const key = Buffer.from(bytes.subarray(i * dim * 4, (i + 1) * dim * 4)).toString('base64');
    const f = firstOf.get(key);
    if (f === undefined) { firstOf.set(key, i); continue; }
    uf.union(f, i); exact[f] = 1; exact[i] = 1; copyOf[i] = f; exactRepeats++;
  }
  if (opts.cosine < 1 && n > 1) {
    const reps = Int32Array.from({ length: n }, (_, i) => i).filter((i) => uf.find(i) === i);
    uniteCosine(unitRows(x, dim), dim, reps, uf, opts);
  }
  return { groups: groupsOf(uf, exact), exactRepeats, copyOf };
}

/**
 * Rows that add nothing to training: exact copies of an earlier row with the same label. Trained on
 * once, a text copied 13 times weighs what it weighs in the file without the copies (and the epochs,
 * set from the rows trained on, match too); every copy is still held out and predicted.
 */
export function redundantCopies(copyOf: Int32Array, labels: Int32Array): Uint8Array {
  const out = new Uint8Array(copyOf.length);
  const seen = new Set<number>();
  let K = 1;
  for (let i = 0; i < labels.length; i++) if (labels[i] >= K) K = labels[i] + 1;
  for (let i = 0; i < copyOf.length; i++) {
    const f = copyOf[i];
    if (f < 0 || labels[i] < 0) continue;
    if (labels[f] === labels[i]) { out[i] = 1; continue; }
    // A copy whose label differs from the first's: trained once per (text, label).
    const key = f * K + labels[i];
    if (seen.has(key)) out[i] = 1; else seen.add(key);
  }
  return out;
}
