/**
 * "The representation" of every row, and its one owner: a short float32 vector per row (at most
 * REPRESENTATION.maxDim numbers) that the embedding map projects to 2-D, outliers are scored in and
 * k-NN label agreement can search. Which one a run gets, first that applies:
 *   1. the user's embeddings (an embedding column, --embeddings, --encoder): they are what the model learned from;
 *   2. tabular features: the standardised features themselves (the linear model's own space);
 *   3. learned, out of fold: each row's vector from the fold model that held it out — fastText's
 *      embedding bag and its centred logits, the MLP's or CNN's penultimate layer;
 *   4. else (a model without `represent`, or probabilities given with no training) a sketch of the features.
 * Wider vectors are cut to maxDim by one seeded Gaussian projection (Johnson–Lindenstrauss: angles
 * and distances kept approximately), in the fold worker, so what crosses threads is small.
 *
 * Each fold's model has its own coordinates (its own random start), so out-of-fold vectors from
 * different folds would not be comparable. Every fold therefore also embeds the same seeded sample
 * of anchor rows, and each fold's space is mapped onto the first fold's by the least-squares linear
 * map (with a bias) that sends its anchors onto the first fold's anchors. Cost: rows × dim per
 * fold, plus anchors × dim² per fold; linear in rows.
 */
import type { SparseRows } from './featurize/text';
import type { DenseRows } from './models/types';
import type { ClassifierModel } from './models/types';
import { randomProjection, sampleRows, unitRows } from './neighbours';

export const REPRESENTATION = {
  /** Numbers per row at most (float32: 256 bytes a row). */
  maxDim: 64,
  /** Rows every fold embeds to align the folds' spaces (a fixed seeded sample). */
  anchors: 1024,
  seed: 0x5eed,
  /** Dimensions of the feature sketch when nothing learned is at hand. */
  sketch: 32,
};

/** Where a run's representation came from (recorded in the summary). */
export type RepresentationSource = 'embeddings' | 'features' | 'learned' | 'sketch';

export interface Representation {
  /** rows × dim, float32, row-major. */
  x: Float32Array;
  dim: number;
  source: RepresentationSource;
  /** What it is, for people: "fasttext embedding bag + logits (12-d)". */
  description: string;
}

/** What one fold returns: its held-out rows' vectors, the anchors' vectors, and (fold 0) the unlabeled rows'. */
export interface FoldRepresentation {
  dim: number;
  /** held × dim, in the fold's held order. */
  held: Float32Array;
  /** anchors × dim, in anchorRows order. */
  anchors: Float32Array;
  /** unlabeled × dim, in the fold's unlabeled order (only the first fold embeds them). */
  unlabeled?: Float32Array;
  /** The model's name and its raw width, for the description. */
  model: string;
  rawDim: number;
}

/** The anchor rows of a dataset of `n` rows: the same for every fold. */
export function anchorRows(n: number): Int32Array {
  return sampleRows(n, REPRESENTATION.anchors, REPRESENTATION.seed);
}

/** Vectors cut to maxDim numbers (a seeded Gaussian projection, scaled to keep lengths); narrower ones unchanged. */
export function compact(x: Float32Array, dim: number): { x: Float32Array; dim: number } {
  const to = REPRESENTATION.maxDim;
  if (dim <= to) return { x, dim };
  const y = randomProjection(x, dim, to, REPRESENTATION.seed);
  const s = 1 / Math.sqrt(to);
  for (let i = 0; i < y.length; i++) y[i] *= s;
  return { x: y, dim: to };
}

/** In the fold worker, after training: the fold's vectors, or undefined when the model has no representation. */
export async function foldRepresentation(model: ClassifierModel, rows: number, held: Int32Array, unlabeled?: Int32Array): Promise<FoldRepresentation | undefined> {
  const raw = model.representationDim;
  if (!model.represent || !raw) return undefined;
  const D = Math.min(raw, REPRESENTATION.maxDim);
  // A block at a time: a wide layer (the MLP's 256) is held for BLOCK rows only, never for every held-out row.
  const BLOCK = 8192;
  const embed = async (r: Int32Array) => {
    const out = new Float32Array(r.length * D);
    const wide = new Float32Array(Math.min(BLOCK, r.length) * raw);
    for (let s = 0; s < r.length; s += BLOCK) {
      const rows = r.subarray(s, s + BLOCK);
      const part = wide.subarray(0, rows.length * raw);
      await model.represent!(rows, part);
      out.set(compact(part, raw).x, s * D);
    }
    return out;
  };
  return {
    dim: D, held: await embed(held), anchors: await embed(anchorRows(rows)),
    unlabeled: unlabeled ? await embed(unlabeled) : undefined, model: model.name, rawDim: raw,
  };
}

/**
 * The least-squares linear map with a bias, (D+1) × D, that sends `from` (n × D) onto `to` (n × D):
 * the normal equations with a small ridge, solved by Gaussian elimination.
 */
export function fitAlignment(from: Float32Array, to: Float32Array, D: number): Float64Array {
  const n = from.length / D;
  const P = D + 1;
  const A = new Float64Array(P * P);
  const B = new Float64Array(P * D);
  const row = new Float64Array(P);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < D; d++) row[d] = from[i * D + d];
    row[D] = 1;
    for (let a = 0; a < P; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = 0; b < P; b++) A[a * P + b] += ra * row[b];
      for (let d = 0; d < D; d++) B[a * D + d] += ra * to[i * D + d];
    }
  }
  let trace = 0;
  for (let d = 0; d < D; d++) trace += A[d * P + d];
  const ridge = 1e-6 * (trace / Math.max(1, D)) + 1e-9;
  for (let d = 0; d < D; d++) A[d * P + d] += ridge;
  // Gaussian elimination with partial pivoting, B carried along.
  for (let c = 0; c < P; c++) {
    let p = c;
    for (let r = c + 1; r < P; r++) if (Math.abs(A[r * P + c]) > Math.abs(A[p * P + c])) p = r;
    if (p !== c) {
      for (let j = 0; j < P; j++) { const t = A[c * P + j]; A[c * P + j] = A[p * P + j]; A[p * P + j] = t; }
      for (let j = 0; j < D; j++) { const t = B[c * D + j]; B[c * D + j] = B[p * D + j]; B[p * D + j] = t; }
    }
    const piv = A[c * P + c];
    if (Math.abs(piv) < 1e-12) continue;
    for (let r = 0; r < P; r++) {
      if (r === c) continue;
      const f = A[r * P + c] / piv;
      if (f === 0) continue;
      for (let j = c; j < P; j++) A[r * P + j] -= f * A[c * P + j];
      for (let j = 0; j < D; j++) B[r * D + j] -= f * B[c * D + j];
    }
  }
  const M = new Float64Array(P * D);
  for (let r = 0; r < P; r++) {
    const piv = A[r * P + r];
    for (let j = 0; j < D; j++) M[r * D + j] = Math.abs(piv) < 1e-12 ? 0 : B[r * D + j] / piv;
  }
  return M;
}

/** Writes row `i` of `x` (D wide) mapped by M into `out` at row `at`. */
function applyAlignment(M: Float64Array, x: Float32Array, i: number, D: number, out: Float32Array, at: number): void {
  for (let d = 0; d < D; d++) {
    let s = M[D * D + d];
    for (let e = 0; e < D; e++) s += x[i * D + e] * M[e * D + d];
    out[at * D + d] = s;
  }
}

/** Each column to mean 0 and standard deviation 1 over the rows marked in `present` (the rest stay 0). */
export function standardise(x: Float32Array, dim: number, present?: Uint8Array): Float32Array {
  const n = x.length / dim;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (present && !present[i]) continue;
    count++;
    for (let d = 0; d < dim; d++) { const v = x[i * dim + d]; mean[d] += v; sq[d] += v * v; }
  }
  for (let d = 0; d < dim; d++) {
    mean[d] /= Math.max(1, count);
    const sd = Math.sqrt(Math.max(0, sq[d] / Math.max(1, count) - mean[d] * mean[d]));
    sq[d] = sd > 1e-9 ? 1 / sd : 0;
  }
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) x[i * dim + d] = present && !present[i] ? 0 : (x[i * dim + d] - mean[d]) * sq[d];
  }
  return x;
}

/** What gatherRepresentation needs of a fold's output. */
export interface FoldRepresentationOf {
  fold: number;
  repeat: number;
  held: Int32Array;
  unlabeled: Int32Array;
  representation?: FoldRepresentation;
}

/**
 * The out-of-fold representation of every row, from the first repeat's folds (each labeled row is
 * held out once there), every fold aligned onto fold 0's space by its anchors; unlabeled rows from
 * fold 0. Undefined when the folds carried none.
 */
export function gatherRepresentation(outputs: FoldRepresentationOf[], rows: number): Representation | undefined {
  const g = new RepresentationGatherer(rows);
  for (const o of [...outputs].sort((a, b) => a.repeat - b.repeat || a.fold - b.fold)) g.add(o);
  return g.finish();
}

/**
 * gatherRepresentation one fold at a time, in (repeat, fold) order, so a fold's output can be let
 * go as soon as it is added (at 1M rows the five folds' outputs together are ~360 MB).
 */
export class RepresentationGatherer {
  private x?: Float32Array;
  private present?: Uint8Array;
  private ref?: Float32Array;
  private first?: FoldRepresentation;
  private missing = false;
  constructor(private readonly rows: number) {}

  add(o: FoldRepresentationOf): void {
    if (o.repeat !== 0 || this.missing) return;
    const r = o.representation;
    if (!r) { this.missing = true; this.x = undefined; return; }
    if (!this.first) { this.first = r; this.ref = r.anchors; this.x = new Float32Array(this.rows * r.dim); this.present = new Uint8Array(this.rows); }
    const D = this.first.dim;
    const x = this.x!, present = this.present!;
    const M = fitAlignment(r.anchors, this.ref!, D);
    for (let i = 0; i < o.held.length; i++) { applyAlignment(M, r.held, i, D, x, o.held[i]); present[o.held[i]] = 1; }
    if (r.unlabeled) for (let i = 0; i < o.unlabeled.length; i++) { applyAlignment(M, r.unlabeled, i, D, x, o.unlabeled[i]); present[o.unlabeled[i]] = 1; }
  }

  finish(): Representation | undefined {
    if (this.missing || !this.first || !this.x) return undefined;
    const { model, rawDim, dim: D } = this.first;
    const what = model === 'fasttext' ? 'fastText embedding bag + logits' : `${model} penultimate layer`;
    return { x: standardise(this.x, D, this.present), dim: D, source: 'learned', description: `${what}, out of fold (${rawDim > D ? `${rawDim}-d projected to ` : ''}${D}-d)` };
  }
}

/**
 * The sketch of features used when nothing learned is at hand: text by signed feature hashing of
 * its IDF-weighted n-grams (a random projection of the TF-IDF vector) to `sketch` dimensions, as unit vectors.
 */
export function featureSketch(text: SparseRows, rows: number): Float32Array {
  const S = REPRESENTATION.sketch;
  const x = new Float32Array(rows * S);
  for (let i = 0; i < rows; i++) {
    for (let j = text.indptr[i]; j < text.indptr[i + 1]; j++) {
      const f = text.indices[j];
      let h = Math.imul(text.bucket[f] ^ 0x9e3779b9, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      x[i * S + (h & (S - 1))] += (h & 0x100 ? 1 : -1) * (text.idf ? text.idf[f] : 1);
    }
  }
  return unitRows(x, S);
}

/** Which representation a run gets (see the top of this file). */
export function representationFor(kind: string, inputs: { text?: SparseRows; dense?: DenseRows }, learned: Representation | undefined, rows: number): Representation {
  const dense = inputs.dense;
  if (dense && (kind === 'embedding' || kind === 'tabular')) {
    const c = compact(dense.x.subarray(0, rows * dense.dim), dense.dim);
    const x = standardise(c.dim === dense.dim ? Float32Array.from(c.x) : c.x, c.dim);
    const what = kind === 'embedding' ? 'the embeddings' : 'the standardised features';
    return { x, dim: c.dim, source: kind === 'embedding' ? 'embeddings' : 'features', description: `${what} (${dense.dim > c.dim ? `${dense.dim}-d projected to ` : ''}${c.dim}-d)` };
  }
  if (learned) return learned;
  if (inputs.text) return { x: featureSketch(inputs.text, rows), dim: REPRESENTATION.sketch, source: 'sketch', description: `hashed IDF n-grams (${REPRESENTATION.sketch}-d)` };
  const c = compact(unitRows(dense!.x.subarray(0, rows * dense!.dim), dense!.dim), dense!.dim);
  return { x: c.x, dim: c.dim, source: 'sketch', description: `the input features (${c.dim}-d)` };
}
