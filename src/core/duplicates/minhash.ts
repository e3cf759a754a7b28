/**
 * Near-duplicate texts: MinHash signatures (one-permutation hashing with optimal densification,
 * Shrivastava 2017: one hash per feature instead of one per feature and permutation) banded for
 * locality-sensitive hashing, and every candidate pair checked by its exact Jaccard similarity over
 * the feature sets, so the threshold is exact and only the recall is probabilistic.
 *
 * Bands: P bins cut into b bands of r bins; two rows become candidates when one band matches
 * exactly, which happens with probability 1 − (1 − J^r)^b. r and b are chosen from the threshold
 * (`bandsFor`) so that a pair right at the threshold is a candidate with probability ≥ 0.98 while
 * pairs far below it rarely are. Deterministic: the same seed and rows give the same groups.
 */
import type { UnionFind } from './groups';

export interface NearOptions {
  /** Jaccard similarity of the feature sets at or above which two rows are near-duplicates. */
  threshold: number;
  seed: number;
  /** Signature length (a power of two). */
  bins?: number;
  /** Earlier rows of a band bucket each row is compared with (bounds the work on huge buckets). */
  window?: number;
}

export interface NearStats {
  bins: number;
  bands: number;
  rowsPerBand: number;
  /** Pairs sharing a band. */
  candidates: number;
  /** Candidates whose sketch was close enough for the exact Jaccard check. */
  verified: number;
  /** Near-duplicate pairs found (pairs that joined two groups). */
  pairs: number;
}

function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

const EMPTY = 0xffffffff;
const SKETCH_MARGIN = 0.2;

/** Bands for a threshold: the most rows per band (fewest false candidates) keeping recall at t ≥ 0.98. */
export function bandsFor(threshold: number, bins: number): { bands: number; rows: number } {
  let best = { bands: bins, rows: 1 };
  for (let r = 1; r <= bins; r++) {
    const b = Math.floor(bins / r);
    if (1 - (1 - threshold ** r) ** b >= 0.98) best = { bands: b, rows: r };
  }
  return best;
}

let scratch = new Uint32Array(4096);

/** Sorted distinct feature hashes of a row (a view of a shared buffer unless `copy`). */
export function featureSet(i: number, features: (i: number, out: (h: number) => void) => void, copy = true): Uint32Array {
  let len = 0;
  features(i, (h) => {
    if (len === scratch.length) { const g = new Uint32Array(len * 2); g.set(scratch); scratch = g; }
    scratch[len++] = h;
  });
  const a = scratch.subarray(0, len).sort();
  let w = 0;
  for (let j = 0; j < a.length; j++) if (j === 0 || a[j] !== a[j - 1]) a[w++] = a[j];
  return copy ? a.slice(0, w) : a.subarray(0, w);
}

export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 0;
  let i = 0, j = 0, inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) { inter++; i++; j++; } else if (a[i] < b[j]) i++; else j++;
  }
  return inter / (a.length + b.length - inter);
}

/** MinHash signature of one feature set into `sig` (P bins); false when the set is empty. */
export function signature(set: Uint32Array, seed: number, sig: Uint32Array, raw: Uint32Array): boolean {
  const P = sig.length;
  const shift = 32 - Math.log2(P);
  const mask = (1 << shift) - 1 >>> 0;
  raw.fill(EMPTY);
  for (let j = 0; j < set.length; j++) {
    const h = mix32(set[j] ^ seed);
    const bin = h >>> shift;
    const v = (h & mask) >>> 0;
    if (v < raw[bin]) raw[bin] = v;
  }
  if (set.length === 0) return false;
  // Optimal densification: an empty bin copies the bin its own fixed hash sequence lands on first;
  // the sequence depends on the bin and the seed only, so two rows with the same set agree.
  for (let j = 0; j < P; j++) {
    if (raw[j] !== EMPTY) { sig[j] = raw[j]; continue; }
    for (let t = 1; ; t++) {
      const k = mix32(Math.imul(j + 1, 0x9e3779b1) ^ Math.imul(t, 0x85ebca6b) ^ seed) & (P - 1);
      if (raw[k] !== EMPTY) { sig[j] = raw[k] + t * 0x01000193 >>> 0; break; }
    }
  }
  return true;
}

/**
 * Unites near-duplicate rows among `rows` (e.g. one representative per exact group), marking them
 * NEAR in `kind` unless already marked. `features(i, out)` emits row i's feature hashes.
 * `tick(fraction)`: every 16,384 signatures and after each band (progress: signatures are ~2/3 of the time).
 */
export function uniteNear(rows: Int32Array, features: (i: number, out: (h: number) => void) => void, uf: UnionFind, near: Uint8Array, opts: NearOptions, tick?: (fraction: number) => void): NearStats {
  const P = opts.bins ?? 128;
  const W = opts.window ?? 16;
  const { bands, rows: R } = bandsFor(opts.threshold, P);
  const n = rows.length;
  // Band keys row by row (keys[a · bands + b]): a candidate's check of its earlier bands reads one
  // stretch of each row's keys, where band-major keys cost two cache misses per earlier band (1M
  // rows: 42M candidates × up to 41 bands, most of the search's time).
  const keys = new Uint32Array(bands * n);
  const sig = new Uint32Array(P);
  const raw = new Uint32Array(P);
  const has = new Uint8Array(n);
  // A 64-byte sketch per row (low byte of the first 64 bins) estimates a candidate pair's Jaccard
  // before the exact check: pairs estimated more than SKETCH_MARGIN below the threshold (3σ of the
  // estimate at J = 0.5) are dropped without recomputing their feature sets.
  const S = Math.min(64, P);
  const sketch = new Uint8Array(S * n);
  // The same bytes as words, to compare four bins at once (S is 64 unless the signature is shorter).
  const words = S % 4 === 0;
  const SW = S >> 2;
  const sketch32 = new Uint32Array(sketch.buffer, 0, words ? SW * n : 0);
  const seed = mix32(opts.seed ^ 0x2545f491);
  for (let a = 0; a < n; a++) {
    if (tick && (a & 0x3fff) === 0x3fff) tick((2 / 3) * (a / n));
    if (!signature(featureSet(rows[a], features, false), seed, sig, raw)) continue;
    has[a] = 1;
    for (let j = 0; j < S; j++) sketch[a * S + j] = sig[j] & 0xff;
    for (let b = 0; b < bands; b++) {
      let h = 0x811c9dc5 ^ b;
      for (let k = b * R; k < (b + 1) * R; k++) h = Math.imul(h ^ sig[k], 0x01000193);
      keys[a * bands + b] = mix32(h);
    }
  }
  const cache = new Map<number, Uint32Array>();
  const setOf = (i: number) => {
    let s = cache.get(i);
    if (!s) {
      if (cache.size > 100_000) cache.clear();
      s = featureSet(i, features);
      cache.set(i, s);
    }
    return s;
  };
  // Per band: rows sorted by band key (key·2²¹ + position in one float64 when rows fit, else a
  // comparator sort); each row is compared with the W rows before it in its bucket. A pair seen in
  // an earlier band was already checked there.
  const order = new Float64Array(n);
  const idx = new Int32Array(n);
  const kb = new Uint32Array(n);
  const SHIFT = 2 ** 21;
  let candidates = 0, verified = 0, pairs = 0;
  for (let b = 0; b < bands; b++) {
    tick?.(2 / 3 + (1 / 3) * (b / bands));
    for (let a = 0; a < n; a++) kb[a] = keys[a * bands + b];
    let m = 0;
    if (n <= SHIFT) {
      for (let a = 0; a < n; a++) if (has[a]) order[m++] = kb[a] * SHIFT + a;
      const sorted = order.subarray(0, m).sort();
      for (let j = 0; j < m; j++) idx[j] = sorted[j] % SHIFT;
    } else {
      for (let a = 0; a < n; a++) if (has[a]) idx[m++] = a;
      idx.subarray(0, m).sort((x, y) => kb[x] - kb[y] || x - y);
    }
    for (let j = 1; j < m; j++) {
      const a = idx[j];
      for (let p = j - 1; p >= 0 && p >= j - W && kb[idx[p]] === kb[a]; p--) {
        const c = idx[p];
        const i = rows[c], r = rows[a];
        if (uf.find(i) === uf.find(r)) continue;
        let seen = false;
        for (let e = 0, ao = a * bands, co = c * bands; e < b && !seen; e++) seen = keys[ao + e] === keys[co + e];
        if (seen) continue;
        candidates++;
        let same = 0;
        if (words) {
          // Four bytes at a time: the high bit of each byte of x that is zero (an equal byte), summed.
          for (let j = 0, ao = a * SW, co = c * SW; j < SW; j++) {
            const x = sketch32[ao + j] ^ sketch32[co + j];
            const z = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f);
            same += Math.imul((z >>> 7) & 0x01010101, 0x01010101) >>> 24;
          }
        } else for (let j = 0, ao = a * S, co = c * S; j < S; j++) if (sketch[ao + j] === sketch[co + j]) same++;
        if (same / S < opts.threshold - SKETCH_MARGIN) continue;
        verified++;
        if (jaccard(setOf(i), setOf(r)) >= opts.threshold) {
          uf.union(i, r);
          near[i] = 1; near[r] = 1;
          pairs++;
        }
      }
    }
  }
  return { bins: P, bands, rowsPerBand: R, candidates, verified, pairs };
}
