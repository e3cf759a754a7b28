/**
 * Hashed n-gram features of text for any language ("fastText" input): word unigrams and bigrams,
 * character 1–2-grams for CJK runs (which have no spaces), and character 3–5-grams of
 * space-separated words (subword information: morphology, typos). Each feature is hashed into one
 * of `buckets` rows of the embedding table; duplicates are kept (term frequency).
 */

export interface SparseRows {
  /** Row i's features are indices[indptr[i] .. indptr[i+1]). */
  indptr: Uint32Array;
  indices: Uint32Array;
  rows: number;
  buckets: number;
  /** Inverse document frequency of each bucket, log((N + 1)/(df + 1)) + 1, when weighting is on. */
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
function isWordChar(c: number, ch: string): boolean {
  if (c < 128) return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x27;
  return LETTER.test(ch);
}

/** Tokens of a text: [start, end) pairs in the lower-cased string, and whether each is a CJK character. */
export function tokenize(text: string): { s: string; starts: number[]; ends: number[]; cjk: boolean[] } {
  const s = text.toLowerCase();
  const starts: number[] = [];
  const ends: number[] = [];
  const cjk: boolean[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.codePointAt(i)!;
    const w = c > 0xffff ? 2 : 1;
    if (isCjk(c)) { starts.push(i); ends.push(i + w); cjk.push(true); i += w; continue; }
    if (isWordChar(c, s.slice(i, i + w))) {
      const st = i;
      i += w;
      while (i < n) {
        const d = s.codePointAt(i)!;
        const dw = d > 0xffff ? 2 : 1;
        if (isCjk(d) || !isWordChar(d, s.slice(i, i + dw))) break;
        i += dw;
      }
      starts.push(st); ends.push(i); cjk.push(false);
      continue;
    }
    i += w;
  }
  return { s, starts, ends, cjk };
}

/** Appends the hashed features of one text to `out`; returns how many were added. */
export function textFeatures(text: string, opts: TextFeatureOptions, out: (bucket: number) => void): number {
  const { s, starts, ends, cjk } = tokenize(text);
  const B = opts.buckets;
  let count = 0;
  const emit = (h: number) => { if (count < opts.maxFeatures) { out(mix(h) % B); count++; } };
  for (let t = 0; t < starts.length && count < opts.maxFeatures; t++) {
    emit(fnv(SEED_WORD, s, starts[t], ends[t]));
    if (t + 1 < starts.length) {
      // Bigram of adjacent tokens: a CJK character bigram inside a run, a word bigram elsewhere.
      let h = fnv(SEED_BIGRAM, s, starts[t], ends[t]);
      h = fnvCode(h, 0x20);
      emit(fnv(h, s, starts[t + 1], ends[t + 1]));
    }
    if (opts.charNgrams && !cjk[t] && ends[t] - starts[t] >= 2) {
      // Character 3–5-grams of "<word>", with < and > marking the word's edges.
      const len = ends[t] - starts[t] + 2;
      const at = (k: number) => (k === 0 ? 0x3c : k === len - 1 ? 0x3e : s.charCodeAt(starts[t] + k - 1));
      for (let g = 3; g <= 5; g++) {
        for (let k = 0; k + g <= len; k++) {
          if (g === len) continue; // the whole "<word>" is already the word feature
          let h = fnvCode(SEED_CHAR, g);
          for (let j = k; j < k + g; j++) h = fnvCode(h, at(j));
          emit(h);
        }
      }
    }
  }
  return count;
}

/** `onProgress(done)` is called about every 5% of the rows (at least every 10,000), and at the end. */
export function hashTexts(texts: (i: number) => string, rows: number, opts: TextFeatureOptions = DEFAULT_TEXT_FEATURES, onProgress?: (done: number) => void): SparseRows {
  const every = Math.max(10000, Math.ceil(rows / 20));
  const indptr = new Uint32Array(rows + 1);
  let indices = new Uint32Array(Math.max(1024, rows * 64));
  let nnz = 0;
  const push = (b: number) => {
    if (nnz === indices.length) { const g = new Uint32Array(indices.length * 2); g.set(indices); indices = g; }
    indices[nnz++] = b;
  };
  for (let i = 0; i < rows; i++) {
    textFeatures(texts(i), opts, push);
    indptr[i + 1] = nnz;
    if (onProgress && (i + 1) % every === 0) onProgress(i + 1);
  }
  if (rows % every !== 0) onProgress?.(rows);
  const out: SparseRows = { indptr, indices: indices.slice(0, nnz), rows, buckets: opts.buckets };
  if (opts.idf) out.idf = inverseDocumentFrequency(out);
  return out;
}

export function inverseDocumentFrequency(x: SparseRows): Float32Array {
  const df = new Float32Array(x.buckets);
  const seen = new Int32Array(x.buckets).fill(-1);
  for (let i = 0; i < x.rows; i++) {
    for (let j = x.indptr[i]; j < x.indptr[i + 1]; j++) {
      const b = x.indices[j];
      if (seen[b] !== i) { seen[b] = i; df[b]++; }
    }
  }
  const idf = new Float32Array(x.buckets);
  for (let b = 0; b < x.buckets; b++) idf[b] = Math.log((x.rows + 1) / (df[b] + 1)) + 1;
  return idf;
}
