/**
 * Cosine k nearest neighbours over dense rows (numeric features, pixels, embeddings): exact, by
 * blocked brute force (a block of reference rows stays in cache while every query row is scored
 * against it). Quadratic in rows: for large or wide data, project first (`randomProjection`) and
 * search a sample of reference rows (`sampleRows`), or re-rank projected candidates exactly.
 *
 * The one neighbour search of Label Lens: duplicate detection (cosine ≥ a threshold among the
 * nearest), outlier scores (distance to the k nearest) and k-NN label agreement on embeddings.
 */
import { Random } from '../core/random';

export interface Knn {
  /** Neighbours per query row. */
  k: number;
  /** Query rows, in the order of the results. */
  queries: Int32Array;
  /** queries.length × k reference row indices, nearest first; −1 where fewer than k exist. */
  index: Int32Array;
  /** Cosine similarity of each neighbour (same layout); −Infinity where none. */
  similarity: Float32Array;
}

export interface KnnOptions {
  k: number;
  /** Rows to find neighbours for (default: all). */
  queries?: Int32Array;
  /** Rows to search among (default: all). */
  reference?: Int32Array;
  /** A row is never its own neighbour (default true). */
  excludeSelf?: boolean;
}

/** Rows scaled to unit length (a zero row stays zero: cosine 0 with everything). */
export function unitRows(x: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(x.length);
  const n = x.length / dim;
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) s += x[o + d] * x[o + d];
    const f = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < dim; d++) out[o + d] = x[o + d] * f;
  }
  return out;
}

/** Gaussian random projection to `to` dimensions (Johnson–Lindenstrauss: angles kept approximately). */
export function randomProjection(x: Float32Array, dim: number, to: number, seed: number): Float32Array {
  const n = x.length / dim;
  const rng = new Random(seed);
  const R = new Float32Array(dim * to);
  for (let i = 0; i < R.length; i++) R[i] = rng.normal();
  const out = new Float32Array(n * to);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let d = 0; d < dim; d++) {
      const v = x[o + d];
      if (v === 0) continue;
      const r = d * to;
      for (let t = 0; t < to; t++) out[i * to + t] += v * R[r + t];
    }
  }
  return out;
}

/** `m` distinct rows of `n`, chosen by seed, in increasing order (all rows when m ≥ n). */
export function sampleRows(n: number, m: number, seed: number): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (m >= n) return all;
  new Random(seed).shuffle(all);
  return all.subarray(0, m).sort();
}

const BLOCK = 256;
/** Dimensions between two checks of the partial distance (below 2 chunks, no pruning). */
const CHUNK = 8;

/**
 * The dot product of rows at offsets `ao` and `bo` of `x`, summed in index order — or NaN as soon as
 * their partial squared distance Σ(a−b)² passes `limit` (checked every CHUNK dimensions; Infinity:
 * never cut). A pair that is cut could not enter the caller's top k; one that is not gets exactly
 * the unpruned sum, so pruning never changes a result. The one pruned loop of the neighbour
 * searches here (the tabular k-NN model, models/knn, scores blocks of rows unpruned instead).
 */
export function prunedDot(x: Float32Array, ao: number, bo: number, dim: number, limit: number): number {
  let s = 0;
  let d = 0;
  if (limit < Infinity && dim >= 2 * CHUNK) {
    let partial = 0;
    for (; d + CHUNK <= dim; ) {
      const e = d + CHUNK;
      for (; d < e; d++) { const a = x[ao + d], c = x[bo + d]; s += a * c; partial += (a - c) * (a - c); }
      if (partial > limit) return NaN;
    }
  }
  for (; d < dim; d++) s += x[ao + d] * x[bo + d];
  return s;
}

/** Squared length of every row, in double precision. */
function squaredNorms(x: Float32Array, dim: number): Float64Array {
  const n = x.length / dim;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) { let s = 0; for (let d = 0; d < dim; d++) s += x[i * dim + d] * x[i * dim + d]; out[i] = s; }
  return out;
}

/**
 * Exact cosine k-NN of `queries` among `reference` over rows of `x` (n × dim; unit rows expected:
 * pass `unitRows(x)` unless they already are). Ties go to the smaller row index. With
 * `minSimilarity`, neighbours below it are not reported (−1 / −Infinity, as when fewer than k exist).
 *
 * Pruned, with the same result as the plain search: the dot product is summed in the same order as
 * always, and beside it the partial squared distance Σ(a−b)², which only grows; since
 * a·b = (‖a‖² + ‖b‖² − ‖a−b‖²)/2, once that bound falls below the worst neighbour kept (or
 * `minSimilarity`) by more than rounding could explain, the row cannot enter the top k and the rest
 * of its dimensions are skipped. Most pairs are far apart, so most stop after a chunk or two.
 */
export function cosineKnn(x: Float32Array, dim: number, opts: KnnOptions & { minSimilarity?: number }): Knn {
  const n = x.length / dim;
  const k = opts.k;
  const queries = opts.queries ?? Int32Array.from({ length: n }, (_, i) => i);
  const reference = opts.reference ?? Int32Array.from({ length: n }, (_, i) => i);
  const excludeSelf = opts.excludeSelf ?? true;
  const floor = opts.minSimilarity ?? -Infinity;
  const Q = queries.length;
  const index = new Int32Array(Q * k).fill(-1);
  const similarity = new Float32Array(Q * k).fill(-Infinity);
  if (dim <= BLOCKED_MAX_DIM) { blockedKnn(x, dim, queries, reference, k, excludeSelf, floor, index, similarity); return { k, queries, index, similarity }; }
  const norm = squaredNorms(x, dim);
  for (let b0 = 0; b0 < reference.length; b0 += BLOCK) {
    const b1 = Math.min(reference.length, b0 + BLOCK);
    for (let q = 0; q < Q; q++) {
      const qi = queries[q];
      const qo = qi * dim;
      const base = q * k;
      const nq = norm[qi];
      // Reported similarities are float32: compare in float32 as the top-k does.
      let worst = Math.max(similarity[base + k - 1], floor);
      for (let b = b0; b < b1; b++) {
        const r = reference[b];
        if (excludeSelf && r === qi) continue;
        const ro = r * dim;
        // s ≤ (‖q‖² + ‖r‖² − partial)/2; skip when that is below `worst` by more than 1e-9 of the norms.
        const s = prunedDot(x, qo, ro, dim, worst > -Infinity ? nq + norm[r] - 2 * worst + 1e-9 * (nq + norm[r] + 1) : Infinity);
        if (Number.isNaN(s)) continue;
        if (s < floor) continue;
        insertTopK(similarity, index, base, k, s, r);
        worst = Math.max(similarity[base + k - 1], floor);
      }
    }
  }
  return { k, queries, index, similarity };
}

/**
 * Rows this narrow are searched by blocks, unpruned (cosineKnn): the representation's rows
 * (REPRESENTATION.maxDim) and tabular features. Measured on digits (64-d) and synthetic5k (20-d):
 * the partial-distance branch of the pruned loop costs more than the pairs it skips there.
 */
const BLOCKED_MAX_DIM = 64;

/**
 * Puts row r with similarity s into the top-k list at base (descending similarity, ties to the
 * smaller row), unless it ranks below the list's last: the one ranking rule of every search here.
 */
function insertTopK(similarity: Float32Array | Float64Array, index: Int32Array, base: number, k: number, s: number, r: number): void {
  const last = base + k - 1;
  if (s < similarity[last] || (s === similarity[last] && r > index[last])) return;
  let p = last;
  while (p > base && (similarity[p - 1] < s || (similarity[p - 1] === s && index[p - 1] > r))) {
    similarity[p] = similarity[p - 1];
    index[p] = index[p - 1];
    p--;
  }
  similarity[p] = s;
  index[p] = r;
}

/**
 * The blocked searches' kernel: the dot products of four rows (offsets a0…a3 into x) with two
 * others (ra, rb) into out[0…3] (with ra) and out[4…7] (with rb). Each number loaded serves four
 * or two products and the eight sums are independent chains the processor overlaps; each sum adds
 * in index order, as a plain dot product does, so the callers' results are the plain loops' bit for
 * bit. One copy for cosineKnn, cosineKnnAmong and the k-NN model (models/knn).
 */
export function dots4x2(x: Float32Array, dim: number, a0: number, a1: number, a2: number, a3: number, ra: number, rb: number, out: Float64Array): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
  for (let d = 0; d < dim; d++) {
    const ca = x[ra + d], cb = x[rb + d];
    const v0 = x[a0 + d], v1 = x[a1 + d], v2 = x[a2 + d], v3 = x[a3 + d];
    s0 += v0 * ca; s1 += v1 * ca; s2 += v2 * ca; s3 += v3 * ca;
    t0 += v0 * cb; t1 += v1 * cb; t2 += v2 * cb; t3 += v3 * cb;
  }
  out[0] = s0; out[1] = s1; out[2] = s2; out[3] = s3; out[4] = t0; out[5] = t1; out[6] = t2; out[7] = t3;
}

/**
 * cosineKnn's search without pruning: four query rows against two reference rows at a time (each
 * number loaded serves four or two dot products; eight independent sums the processor overlaps).
 * Each query meets the reference rows in their order and every similarity is summed in index
 * order, as the pruned loop does, then ranked by the same rules: the same neighbours and bits.
 */
function blockedKnn(x: Float32Array, dim: number, queries: Int32Array, reference: Int32Array, k: number, excludeSelf: boolean, floor: number, index: Int32Array, similarity: Float32Array): void {
  const Q = queries.length;
  const R = reference.length;
  const dots = new Float64Array(8);
  for (let q0 = 0; q0 < Q; q0 += 4) {
    const m = Math.min(4, Q - q0);
    // A short last block repeats its last row (its sums are not used).
    const a0 = queries[q0] * dim, a1 = queries[q0 + Math.min(1, m - 1)] * dim, a2 = queries[q0 + Math.min(2, m - 1)] * dim, a3 = queries[q0 + Math.min(3, m - 1)] * dim;
    for (let b = 0; b < R; b += 2) {
      const two = b + 1 < R;
      const ra = reference[b] * dim, rb = two ? reference[b + 1] * dim : ra;
      dots4x2(x, dim, a0, a1, a2, a3, ra, rb, dots);
      for (let h = 0; h < (two ? 2 : 1); h++) {
        const r = reference[b + h];
        for (let q = 0; q < m; q++) {
          if (excludeSelf && r === queries[q0 + q]) continue;
          const s = dots[h * 4 + q];
          if (s < floor) continue;
          insertTopK(similarity, index, (q0 + q) * k, k, s, r);
        }
      }
    }
  }
}

/**
 * Each of `rows`' k most similar others among `rows`, at or above `floor` (unit rows expected): the
 * neighbours `cosineKnn` finds with queries = reference = rows and minSimilarity = floor, at half
 * the cost, since each pair is scored once for both rows (a·b and b·a are the same products summed
 * in the same order). Ranked by the similarity in double precision, ties to the smaller row index,
 * and pruned by the partial distance as cosineKnn is (against the lower of the two rows' worst).
 */
export function cosineKnnAmong(x: Float32Array, dim: number, rows: Int32Array, k: number, floor: number): Knn {
  const R = rows.length;
  const sim = new Float64Array(R * k).fill(-Infinity);
  const index = new Int32Array(R * k).fill(-1);
  const norm = squaredNorms(x, dim);
  const insert = (base: number, s: number, r: number) => insertTopK(sim, index, base, k, s, r);
  if (dim <= BLOCKED_MAX_DIM) {
    // By blocks, unpruned (as blockedKnn): positions q0…q0+3 against pairs of earlier positions,
    // each pair once (a block on the diagonal skips the pairs not strictly below it). A row's top k
    // is the k best by (similarity, row) whatever order its candidates come in, so the lists are
    // the pruned loop's.
    const dots = new Float64Array(8);
    for (let q0 = 1; q0 < R; q0 += 4) {
      const m = Math.min(4, R - q0);
      const a0 = rows[q0] * dim, a1 = rows[q0 + Math.min(1, m - 1)] * dim, a2 = rows[q0 + Math.min(2, m - 1)] * dim, a3 = rows[q0 + Math.min(3, m - 1)] * dim;
      const last = q0 + m - 1;
      for (let rp = 0; rp < last; rp += 2) {
        const two = rp + 1 < last;
        const ra = rows[rp] * dim, rb = two ? rows[rp + 1] * dim : ra;
        dots4x2(x, dim, a0, a1, a2, a3, ra, rb, dots);
        for (let h = 0; h < (two ? 2 : 1); h++) {
          const r = rp + h;
          for (let q = 0; q < m; q++) {
            const qp = q0 + q;
            if (r >= qp) continue;
            const sv = dots[h * 4 + q];
            if (sv < floor) continue;
            insert(qp * k, sv, rows[r]);
            insert(r * k, sv, rows[qp]);
          }
        }
      }
    }
    return { k, queries: rows, index, similarity: Float32Array.from(sim) };
  }
  for (let b0 = 0; b0 < R; b0 += BLOCK) {
    const b1 = Math.min(R, b0 + BLOCK);
    // Every pair once: the earlier row in this block, the later anywhere after it.
    for (let qp = b0 + 1; qp < R; qp++) {
      const qi = rows[qp];
      const qo = qi * dim;
      const nq = norm[qi];
      const qBase = qp * k;
      const end = Math.min(b1, qp);
      for (let rp = b0; rp < end; rp++) {
        const r = rows[rp];
        const ro = r * dim;
        const worst = Math.max(Math.min(sim[qBase + k - 1], sim[rp * k + k - 1]), floor);
        const s = prunedDot(x, qo, ro, dim, worst > -Infinity ? nq + norm[r] - 2 * worst + 1e-9 * (nq + norm[r] + 1) : Infinity);
        if (Number.isNaN(s)) continue;
        if (s < floor) continue;
        insert(qBase, s, r);
        insert(rp * k, s, qi);
      }
    }
  }
  return { k, queries: rows, index, similarity: Float32Array.from(sim) };
}

/**
 * Outlier score of every row: the mean cosine distance (1 − similarity) to its k nearest rows among
 * a seeded sample of `reference` rows (Datalab's k-NN distance; a sample keeps it linear in rows).
 * A zero row (nothing to compare) scores 1.
 */
export function outlierScores(unit: Float32Array, dim: number, opts: { k?: number; reference?: number; seed: number; tick?: (fraction: number) => void; normalize?: boolean }): Float32Array {
  const n = unit.length / dim;
  const k = Math.max(1, Math.min(opts.k ?? 10, n - 1));
  const ref = sampleRows(n, opts.reference ?? 2000, opts.seed);
  const out = new Float32Array(n);
  // Queries in slices (each row's neighbours do not depend on the others'), for progress at scale.
  const SLICE = 1 << 16;
  // normalize: `unit` holds raw rows, made unit a slice at a time into [reference rows; slice rows]
  // instead of a unit copy of every row (1M rows × 23-d: 92 MB). A query that is a reference row
  // points at its reference place, so it is still not its own neighbour; the reference rows keep
  // their order, and every vector is normalised as unitRows does it: the same scores.
  const R = ref.length;
  const local = opts.normalize ? new Float32Array((R + Math.min(SLICE, n)) * dim) : undefined;
  if (local) for (let j = 0; j < R; j++) unitRowInto(unit, ref[j], dim, local, j);
  let nextRef = 0;
  for (let q0 = 0; q0 < n; q0 += SLICE) {
    opts.tick?.(q0 / n);
    const q1 = Math.min(n, q0 + SLICE);
    let knn: Knn;
    if (local) {
      const queries = new Int32Array(q1 - q0);
      for (let q = q0; q < q1; q++) {
        while (nextRef < R && ref[nextRef] < q) nextRef++;
        if (nextRef < R && ref[nextRef] === q) queries[q - q0] = nextRef;
        else { queries[q - q0] = R + q - q0; unitRowInto(unit, q, dim, local, R + q - q0); }
      }
      knn = cosineKnn(local.subarray(0, (R + q1 - q0) * dim), dim, { k, reference: Int32Array.from({ length: R }, (_, j) => j), queries });
    } else knn = cosineKnn(unit, dim, { k, reference: ref, queries: Int32Array.from({ length: q1 - q0 }, (_, i) => q0 + i) });
    for (let q = q0; q < q1; q++) {
      let s = 0, c = 0;
      const o = (q - q0) * k;
      for (let j = 0; j < k; j++) {
        const v = knn.similarity[o + j];
        if (v === -Infinity) continue;
        s += 1 - v; c++;
      }
      out[q] = c ? Math.min(1, Math.max(0, s / c)) : 1;
    }
  }
  return out;
}

/** Row `i` of `x` as a unit vector (as unitRows makes it) into row `at` of `out`. */
function unitRowInto(x: Float32Array, i: number, dim: number, out: Float32Array, at: number): void {
  const o = i * dim;
  let s = 0;
  for (let d = 0; d < dim; d++) s += x[o + d] * x[o + d];
  const f = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let d = 0; d < dim; d++) out[at * dim + d] = x[o + d] * f;
}
