/**
 * Hashed n-gram features of text for any language ("fastText" input): word unigrams and bigrams,
 * character 1–2-grams for CJK runs (which have no spaces), and character 3–5-grams of
 * space-separated words (subword information: morphology, typos). Each feature is hashed into one
 * of `buckets` rows of the embedding table; duplicates are kept (term frequency).
 */

export interface SparseRows {
  /** Row i's features are indices[indptr[i] .. indptr[i+1]): feature ids, 0 .. features − 1. */
  indptr: Uint32Array;
  indices: Uint32Array;
  rows: number;
  /** Size of the hash space the n-grams were hashed into. */
  buckets: number;
  /**
   * Distinct buckets the rows use. Feature ids number them by how often they occur, most frequent
   * first (ties by bucket): the model's tables then hold only the rows the data touches, and the
   * Zipfian head of the vocabulary, which most steps read and write, sits together in cache.
   */
  features: number;
  /** The hash bucket of each feature id (what a model seeds its rows and shares its wide layer by). */
  bucket: Uint32Array;
  /** Inverse document frequency of each feature id, log((N + 1)/(df + 1)) + 1, when weighting is on. */
  idf?: Float32Array;
}

export interface TextFeatureOptions {
  buckets: number;
  /**
   * Character 3–5-grams of non-CJK words. Off by default: on the shared English datasets with
   * injected noise they lowered detection AP (sms_spam 0.942 → 0.929, ag_news 0.884 → 0.800) and
   * quadrupled the features per row; kept for languages and data where subwords matter.
   */
  charNgrams: boolean;
  /** At most this many features per row (long documents are cut; keeps time per row bounded). */
  maxFeatures: number;
  /**
   * Weight features by inverse document frequency (computed without labels, on all rows). On by
   * default since the model has its wide linear layer: detection AP ag_news 0.873 → 0.878, toutiao
   * uniform 0.891 → 0.895, pair noise 0.682 → 0.729; lower on sms_spam (0.976 → 0.973) and
   * iflytek (0.694 → 0.655), both still above the peer (bench/RESULTS.md).
   */
  idf: boolean;
}

export const DEFAULT_TEXT_FEATURES: TextFeatureOptions = { buckets: 1 << 19, charNgrams: false, maxFeatures: 3000, idf: true };

const FNV_PRIME = 0x01000193;
const SEED_WORD = 0x9747b28c;
const SEED_BIGRAM = 0x5bd1e995;
const SEED_CHAR = 0x1b873593;

function fnv(h: number, s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}
const fnvCode = (h: number, c: number) => Math.imul(h ^ c, FNV_PRIME);

/** Final mix so that nearby hashes spread over the buckets. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function isCjk(c: number): boolean {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x2fa1f);
}

const LETTER = /[\p{L}\p{N}\p{M}]/u;
/** Whether each BMP code unit is a letter, digit or mark (0 = not looked up yet, 1 = no, 2 = yes): the regex runs once per character seen. */
const BMP_WORD = new Uint8Array(0x10000);
function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x27;
  if (c > 0xffff) return LETTER.test(String.fromCodePoint(c));
  let v = BMP_WORD[c];
  if (v === 0) v = BMP_WORD[c] = LETTER.test(String.fromCharCode(c)) ? 2 : 1;
  return v === 2;
}

/**
 * Tokens of the text in the lower-cased string `s`: [starts[t], ends[t]) and whether each is a CJK
 * character, in scratch buffers reused by every row (no arrays per row). Returns the token count.
 */
let starts = new Int32Array(256);
let ends = new Int32Array(256);
let cjk = new Uint8Array(256);
let tokens = 0;
function pushToken(st: number, en: number, isCjkToken: number): void {
  if (tokens === starts.length) {
    const s2 = new Int32Array(tokens * 2); s2.set(starts); starts = s2;
    const e2 = new Int32Array(tokens * 2); e2.set(ends); ends = e2;
    const c2 = new Uint8Array(tokens * 2); c2.set(cjk); cjk = c2;
  }
  starts[tokens] = st; ends[tokens] = en; cjk[tokens] = isCjkToken; tokens++;
}
function tokenize(s: string): number {
  tokens = 0;
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.codePointAt(i)!;
    const w = c > 0xffff ? 2 : 1;
    if (isCjk(c)) { pushToken(i, i + w, 1); i += w; continue; }
    if (isWordChar(c)) {
      const st = i;
      i += w;
      while (i < n) {
        const d = s.codePointAt(i)!;
        if (isCjk(d) || !isWordChar(d)) break;
        i += d > 0xffff ? 2 : 1;
      }
      pushToken(st, i, 0);
      continue;
    }
    i += w;
  }
  return tokens;
}

/** Appends the hashed features of one text to `out`; returns how many were added. */
export function textFeatures(text: string, opts: TextFeatureOptions, out: (bucket: number) => void): number {
  const s = text.toLowerCase();
  const n = tokenize(s);
  const B = opts.buckets;
  const max = opts.maxFeatures;
  let count = 0;
  for (let t = 0; t < n && count < max; t++) {
    const st = starts[t], en = ends[t];
    out(mix(fnv(SEED_WORD, s, st, en)) % B); count++;
    if (t + 1 < n && count < max) {
      // Bigram of adjacent tokens: a CJK character bigram inside a run, a word bigram elsewhere.
      let h = fnv(SEED_BIGRAM, s, st, en);
      h = fnvCode(h, 0x20);
      out(mix(fnv(h, s, starts[t + 1], ends[t + 1])) % B); count++;
    }
    if (opts.charNgrams && !cjk[t] && en - st >= 2) {
      // Character 3–5-grams of "<word>", with < and > marking the word's edges.
      const len = en - st + 2;
      const at = (k: number) => (k === 0 ? 0x3c : k === len - 1 ? 0x3e : s.charCodeAt(st + k - 1));
      for (let g = 3; g <= 5; g++) {
        for (let k = 0; k + g <= len; k++) {
          if (g === len) continue; // the whole "<word>" is already the word feature
          if (count >= max) break;
          let h = fnvCode(SEED_CHAR, g);
          for (let j = k; j < k + g; j++) h = fnvCode(h, at(j));
          out(mix(h) % B); count++;
        }
      }
    }
  }
  return count;
}

/**
 * Hashes rows one at a time into growing typed arrays (chunks of 1M features: no per-row arrays,
 * no copy of everything each time the store grows), then `finish` numbers the buckets used by
 * frequency and lays the rows out in SharedArrayBuffers, which fold workers read without a copy.
 */
const CHUNK = 1 << 20;

export class TextHasher {
  private readonly chunks: Uint32Array[] = [];
  private cur = new Uint32Array(CHUNK);
  private used = 0;
  private nnz = 0;
  private readonly ends: number[] = [0];
  private readonly push = (b: number) => {
    if (this.used === this.cur.length) { this.chunks.push(this.cur); this.cur = new Uint32Array(CHUNK); this.used = 0; }
    this.cur[this.used++] = b;
    this.nnz++;
  };

  constructor(readonly opts: TextFeatureOptions = DEFAULT_TEXT_FEATURES) {}

  get rows(): number { return this.ends.length - 1; }

  add(text: string): void {
    textFeatures(text, this.opts, this.push);
    this.ends.push(this.nnz);
  }

  finish(): SparseRows {
    const rows = this.rows;
    const B = this.opts.buckets;
    const nnz = this.nnz;
    const indptr = new Uint32Array(new SharedArrayBuffer(4 * (rows + 1)));
    for (let i = 0; i <= rows; i++) indptr[i] = this.ends[i];
    const indices = new Uint32Array(new SharedArrayBuffer(4 * Math.max(1, nnz)), 0, nnz);
    let at = 0;
    for (const c of [...this.chunks, this.cur.subarray(0, this.used)]) { indices.set(c, at); at += c.length; }
    this.chunks.length = 0;
    this.cur = new Uint32Array(0);
    // Feature ids: buckets by descending count, ties by bucket (a pure function of the rows).
    const count = new Uint32Array(B);
    for (let j = 0; j < nnz; j++) count[indices[j]]++;
    let U = 0;
    for (let b = 0; b < B; b++) if (count[b]) U++;
    const bucket = new Uint32Array(new SharedArrayBuffer(4 * Math.max(1, U)), 0, U);
    for (let b = 0, k = 0; b < B; b++) if (count[b]) bucket[k++] = b;
    bucket.sort((a, b) => count[b] - count[a] || a - b);
    const idOf = new Uint32Array(B);
    for (let k = 0; k < U; k++) idOf[bucket[k]] = k;
    for (let j = 0; j < nnz; j++) indices[j] = idOf[indices[j]];
    const out: SparseRows = { indptr, indices, rows, buckets: B, features: U, bucket };
    if (this.opts.idf) out.idf = inverseDocumentFrequency(out);
    return out;
  }
}

export function hashTexts(texts: (i: number) => string, rows: number, opts: TextFeatureOptions = DEFAULT_TEXT_FEATURES): SparseRows {
  const h = new TextHasher(opts);
  for (let i = 0; i < rows; i++) h.add(texts(i));
  return h.finish();
}

/**
 * hashTexts in slices of `slice` rows with a turn of the event loop between them, so that a
 * cancel is heard (`check` throws to stop) and `onProgress(done)` goes out at a steady rate.
 */
export async function hashTextsAsync(texts: (i: number) => string, rows: number, opts: TextFeatureOptions, hooks: { onProgress?: (done: number) => void; check?: () => void; slice?: number } = {}): Promise<SparseRows> {
  const h = new TextHasher(opts);
  const slice = hooks.slice ?? 10_000;
  for (let i = 0; i < rows;) {
    const end = Math.min(rows, i + slice);
    for (; i < end; i++) h.add(texts(i));
    hooks.onProgress?.(i);
    await new Promise((r) => setImmediate(r));
    hooks.check?.();
  }
  return h.finish();
}

export function inverseDocumentFrequency(x: SparseRows): Float32Array {
  const U = x.features;
  const df = new Float32Array(U);
  const seen = new Int32Array(U).fill(-1);
  for (let i = 0; i < x.rows; i++) {
    for (let j = x.indptr[i]; j < x.indptr[i + 1]; j++) {
      const b = x.indices[j];
      if (seen[b] !== i) { seen[b] = i; df[b]++; }
    }
  }
  const idf = new Float32Array(new SharedArrayBuffer(4 * Math.max(1, U)), 0, U);
  for (let b = 0; b < U; b++) idf[b] = Math.log((x.rows + 1) / (df[b] + 1)) + 1;
  return idf;
}
