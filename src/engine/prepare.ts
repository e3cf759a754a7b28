/**
 * From a dataset to the inputs of cross-validation: features by data kind, training targets
 * (one-hot, globally smoothed, or the sidecar's per-row soft targets) and label-name examples.
 */
import { UserError } from '../core/errors';
import type { Dataset } from '../core/table/dataset';
import type { Sidecar } from '../core/labels/sidecar';
import { embeddingColumn, type EmbeddingRows } from '../core/embeddings';
import type { TrainOptions } from '../protocol/engine';
import { DEFAULT_TEXT_FEATURES, hashTexts, hashTextsAsync, type SparseRows } from './featurize/text';
import { DENSE_MODEL, TEXT_MODEL } from './models/settings';
import type { DenseRows, FoldInput } from './trainFold';
import type { DecodedImages } from './images';
import { SKIPPED } from '../core/labelCodes';

/** The dataset cannot be trained on as it is (no label column, one class, too few rows). */
export class PrepareError extends UserError {
  constructor(message: string) {
    super('data', message);
    this.name = 'PrepareError';
  }
}

export interface Prepared {
  base: Omit<FoldInput, 'fold' | 'repeat' | 'foldOf'>;
  kind: 'embedding' | 'text' | 'pixels' | 'tabular';
  /** Rows whose targets came from the sidecar. */
  softTargets: number;
  /** Rows left out because the sidecar marks them excluded. */
  excluded: number;
  /** Duplicate group of each row (−1 = none) when the folds keep groups whole (phases.duplicates). */
  group?: Int32Array;
  /** The user's embeddings as given (not standardised), for the duplicates phase, which drops them. */
  embeddings?: EmbeddingRows;
}

/**
 * `embeddings`: vectors the user brought (a .npy file, an encoder's output); an embedding column
 * of the dataset is read here. Either way the dense model learns from them instead of the text.
 * `images`: the decoded image files of an image dataset (folder or path column); rows that failed are not trained on.
 * `text`: the rows' hashed features when already computed (`textRows`, which reports progress
 * and can be cancelled); else a text dataset is hashed here.
 */
export function prepare(ds: Dataset, opts: TrainOptions, sidecar?: Sidecar, embeddings?: EmbeddingRows, images?: DecodedImages, text?: SparseRows): Prepared {
  const kind = embeddings ? 'embedding' : ds.kind;
  checkTrainable(ds, kind);
  const K = ds.classes.length;
  const N = ds.rowCount;
  const labels = ds.labels.slice();
  if (images) for (let i = 0; i < N; i++) if (!images.ok[i] && labels[i] >= 0) labels[i] = SKIPPED;
  // Rows the user excluded in review (sidecar): neither trained on nor scored, like a damaged row.
  let excluded = 0;
  if (sidecar) for (let i = 0; i < N; i++) if (sidecar.rows[ds.rowKey(i)]?.excluded) { if (labels[i] !== SKIPPED) excluded++; labels[i] = SKIPPED; }
  let labeled = 0;
  for (let i = 0; i < N; i++) if (labels[i] >= 0) labeled++;
  if (labeled < opts.folds * 2) throw new PrepareError(`${ds.table.name}: ${labeled} labeled rows: expected at least ${opts.folds * 2} for ${opts.folds}-fold cross-validation`);

  // Shared memory: fold workers read the targets (N × K) without a copy each, as they do the text features.
  const targets = new Float32Array(new SharedArrayBuffer(4 * N * K));
  const eps = opts.labelSmoothing;
  const classIndex = new Map(ds.classes.map((c, k) => [c, k]));
  let softTargets = 0;
  for (let i = 0; i < N; i++) {
    const y = labels[i];
    if (y < 0) continue;
    const soft = sidecar?.rows[ds.rowKey(i)]?.soft;
    if (soft) {
      softTargets++;
      for (const [c, v] of Object.entries(soft)) { const k = classIndex.get(c); if (k !== undefined) targets[i * K + k] = v; }
      continue;
    }
    for (let k = 0; k < K; k++) targets[i * K + k] = eps / K + (k === y ? 1 - eps : 0);
  }

  const options: TrainOptions = {
    ...opts,
    epochs: opts.epochs || (kind === 'text' ? textEpochs(labeled, K, opts.folds) : DENSE_MODEL.epochs),
    repeats: opts.repeats || (kind === 'text' ? TEXT_MODEL.repeats : DENSE_MODEL.repeats),
  };
  const base: Omit<FoldInput, 'fold' | 'repeat' | 'foldOf'> = { classes: K, labels, targets, options };
  if (kind === 'text') {
    const extraNames = opts.labelNames ? ds.classes : [];
    const { texts, rows } = textInput(ds, opts);
    base.text = text ?? hashTexts(texts, rows, DEFAULT_TEXT_FEATURES);
    if (!opts.repeats) options.repeats = textRepeats(base.text.indptr[N], options.epochs, K);
    if (extraNames.length) {
      base.extraRows = Int32Array.from(extraNames, (_, k) => N + k);
      base.extraLabels = Int32Array.from(extraNames, (_, k) => k);
    }
  } else if (kind === 'embedding') {
    const e = embeddings ?? embeddingColumn(N, (i) => ds.table.cell(i, ds.roles.embedding!), (i) => ds.table.index.line[i], (i) => ds.table.index.damaged[i] === 1, ds.table.header[ds.roles.embedding!], ds.table.path);
    base.dense = { x: standardize(e.x.slice(), N, e.dim), dim: e.dim };
    return { base, kind, softTargets, excluded, embeddings: e };
  } else {
    if (kind === 'pixels' && ds.roles.images && !images) throw new PrepareError(`${ds.table.name}: the images were not decoded`);
    base.dense = images ? imageRows(images) : kind === 'pixels' ? pixelRows(ds) : tabularRows(ds);
  }
  return { base, kind, softTargets, excluded };
}

/** The checks that need no features (run before a large file is featurized, so that they fail at once). */
export function checkTrainable(ds: Dataset, kind: Prepared['kind'] | 'none' = ds.kind): asserts kind is Prepared['kind'] {
  if (kind === 'none') throw new PrepareError(`${ds.table.name}: nothing to learn from: expected a text column, pixel columns or numeric feature columns (see inspect)`);
  if (ds.roles.label === undefined) throw new PrepareError(`${ds.table.name}: no label column; name it with --label`);
  const K = ds.classes.length;
  if (K < 2) throw new PrepareError(`${ds.table.name}: ${K} class${K === 1 ? '' : 'es'}: expected at least 2 to train a classifier`);
}

/** What the text model hashes: every row's text cell ('' for a damaged row), then the class names when `labelNames`. */
function textInput(ds: Dataset, opts: TrainOptions): { texts: (i: number) => string; rows: number } {
  const col = ds.roles.text!;
  const N = ds.rowCount;
  const extraNames = opts.labelNames ? ds.classes : [];
  return { texts: (i) => (i < N ? (ds.table.index.damaged[i] ? '' : ds.table.cell(i, col)) : extraNames[i - N].replace(/[_-]+/g, ' ')), rows: N + extraNames.length };
}

/**
 * The hashed features of a text dataset, for `prepare`, in slices of 10,000 rows: `onProgress(done,
 * total)` after each, and `check` (which throws to stop) after a turn of the event loop, so that a
 * cancel is heard while a large file is featurized.
 */
export function textRows(ds: Dataset, opts: TrainOptions, onProgress?: (done: number, total: number) => void, check?: () => void): Promise<SparseRows> {
  checkTrainable(ds);
  const { texts, rows } = textInput(ds, opts);
  const N = ds.rowCount;
  return hashTextsAsync(texts, rows, DEFAULT_TEXT_FEATURES, { onProgress: onProgress && ((done) => onProgress(Math.min(done, N), N)), check });
}

/**
 * Epochs for the text model: per-row SGD needs about 15,000 steps per class to converge, so small
 * data or many classes get more epochs (at most 20), large data fewer (at least 6). Measured on the
 * shared datasets with injected noise (bench/RESULTS.md): ag_news (1.5k rows per class) AP 0.878 at
 * 6 epochs, 0.882 at 8–10; sms_spam (2.2k per class) 0.976 at 6–7 in 3.2 s, 0.974 at 10 in 4.0 s;
 * toutiao 20k (1.1k per class) 0.897 at 10, 0.903 at 14 (pair noise 0.733 → 0.713); earlier, toutiao
 * 6k rows 0.62 at 10 epochs, 0.78 at 20, 0.75 at 40.
 */
export function textEpochs(labeled: number, K: number, folds: number): number {
  const perClass = (labeled * (folds - 1)) / folds / K;
  return Math.min(TEXT_MODEL.maxEpochs, Math.max(minTextEpochs(perClass), Math.round(15000 / perClass)));
}

/**
 * The fewest epochs: 6 (the temporal ensemble, the flips and the history need a few snapshots)
 * while that is up to 150,000 steps per class, ten times what convergence needs; above 25,000
 * training rows per class, the epochs that make those 150,000 steps, but never fewer than
 * LARGE_MIN_EPOCHS. 1M toutiao-composed rows (53k a class) train 3 epochs instead of 6; nothing
 * below 27k rows a class changes.
 */
function minTextEpochs(perClass: number): number {
  return Math.min(TEXT_MODEL.minEpochs, Math.max(LARGE_MIN_EPOCHS, Math.round((TEXT_MODEL.minEpochs * 25_000) / perClass)));
}
const LARGE_MIN_EPOCHS = 3;

/**
 * K-fold repeats for the text model: two splits averaged where training is cheap, one where it is
 * not. The work of one repeat grows with features × epochs × (dim + classes) (the wide layer touches
 * every class for every feature); a second repeat added +0.004 AP on ag_news and toutiao (bench/RESULTS.md)
 * for twice the time, and nothing on iflytek (119 classes, 490 features a row: AP 0.662 with two,
 * 0.664 with one, at 25× toutiao's work per repeat).
 */
export function textRepeats(features: number, epochs: number, K: number): number {
  return features * epochs * (TEXT_MODEL.dim + K) <= TEXT_MODEL.repeatWorkMax ? TEXT_MODEL.repeats : 1;
}

function pixelRows(ds: Dataset): DenseRows {
  const px = ds.roles.pixels!;
  const D = px.columns.length;
  const N = ds.rowCount;
  const x = new Float32Array(N * D);
  let max = 0;
  for (let i = 0; i < N; i++) {
    if (ds.table.index.damaged[i]) continue;
    const cells = ds.table.row(i);
    for (let d = 0; d < D; d++) {
      const v = Number(cells[px.columns[d]]);
      const f = Number.isFinite(v) ? v : 0;
      x[i * D + d] = f;
      if (f > max) max = f;
    }
  }
  // Grey levels 0..255 or already 0..1.
  if (max > 1) for (let i = 0; i < x.length; i++) x[i] /= 255;
  return { x, dim: D, image: { width: px.width, height: px.height } };
}

function imageRows(img: DecodedImages): DenseRows {
  const x = new Float32Array(img.pixels.length);
  for (let i = 0; i < x.length; i++) x[i] = img.pixels[i] / 255;
  return { x, dim: img.width * img.height, image: { width: img.width, height: img.height } };
}

/** Each column to mean 0 and standard deviation 1, in place. */
function standardize(x: Float32Array, N: number, D: number): Float32Array {
  const sum = new Float64Array(D);
  const sum2 = new Float64Array(D);
  for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) { const v = x[i * D + d]; sum[d] += v; sum2[d] += v * v; }
  for (let d = 0; d < D; d++) {
    const mean = sum[d] / N;
    const sd = Math.sqrt(Math.max(1e-12, sum2[d] / N - mean * mean));
    for (let i = 0; i < N; i++) x[i * D + d] = (x[i * D + d] - mean) / sd;
  }
  return x;
}

function tabularRows(ds: Dataset): DenseRows {
  const cols = ds.roles.features;
  const D = cols.length;
  const N = ds.rowCount;
  const x = new Float32Array(N * D);
  const present = new Uint8Array(N * D);
  const sum = new Float64Array(D);
  const sum2 = new Float64Array(D);
  const count = new Float64Array(D);
  for (let i = 0; i < N; i++) {
    if (ds.table.index.damaged[i]) continue;
    const cells = ds.table.row(i);
    for (let d = 0; d < D; d++) {
      const t = cells[cols[d]].trim();
      const v = t === '' ? NaN : Number(t);
      if (!Number.isFinite(v)) continue;
      x[i * D + d] = v;
      present[i * D + d] = 1;
      sum[d] += v; sum2[d] += v * v; count[d]++;
    }
  }
  // Standardize; a missing value becomes the column mean (0 after standardizing).
  for (let d = 0; d < D; d++) {
    const mean = count[d] ? sum[d] / count[d] : 0;
    const sd = count[d] ? Math.sqrt(Math.max(1e-12, sum2[d] / count[d] - mean * mean)) : 1;
    for (let i = 0; i < N; i++) x[i * D + d] = present[i * D + d] ? (x[i * D + d] - mean) / sd : 0;
  }
  return { x, dim: D };
}
