/**
 * Bring your own model, in the engine: where a job's probabilities come from.
 * - given (--pred-probs): the user's out-of-sample probabilities replace training; they are scored
 *   as they are (see scoreConsensus).
 * - ensemble (--pred-probs --ensemble): our out-of-fold consensus and the given probabilities,
 *   averaged with equal weight.
 * - embeddings (an embedding column, --embeddings FILE.npy, or --encoder): the dense model learns
 *   from them, and k-NN label agreement on them joins the consensus.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { Dataset } from '../core/table/dataset';
import { predictionTargetOf, readPredictions, type GivenPredictions } from '../core/predictions/read';
import { embeddingsNpy, type EmbeddingRows } from '../core/embeddings';
import { consensusOf } from '../core/signals/score';
import type { CrossValResult } from './crossval';
import { encodeTexts } from './featurize/encoder';
import { cosineKnn, randomProjection, sampleRows, unitRows } from './neighbours';
import { knnLabelDistribution } from '../core/signals/knnAgreement';
import { UserError } from '../core/errors';

export function loadGiven(ds: Dataset, file: string, normalize: boolean): GivenPredictions {
  return readPredictions(file, predictionTargetOf(ds), { normalize });
}

/**
 * The cross-validation result of a run that trained nothing: the given probabilities stand for
 * every model output, with no Π-model passes and no training history.
 */
export function givenAsCrossVal(given: GivenPredictions, N: number, K: number): CrossValResult {
  return {
    K, epochs: 0, student: given.probs, ema: given.probs,
    piDisagree: new Uint8Array(N), piPasses: 0, piSpread: new Float32Array(N), flips: new Uint8Array(N),
    history: new Float32Array(0), foldLoss: [], foldAccuracy: [], backend: 'none', model: `given probabilities (${basename(given.file)})`,
  };
}

export interface EmbeddingRequest {
  /** --embeddings FILE.npy */
  file?: string;
  /** --encoder NAME_OR_PATH */
  encoder?: string;
  modelCache?: string;
  runtimeDir?: string;
  onProgress?: (fraction: number, message: string) => void;
  cancelled?: () => boolean;
}

/** Embeddings from a file or an encoder (an embedding column is read by prepare); undefined for none. */
export async function externalEmbeddings(ds: Dataset, req: EmbeddingRequest): Promise<(EmbeddingRows & { encoder?: string; cached?: boolean; seconds?: number }) | undefined> {
  if (req.file) return embeddingsNpy(req.file, ds.rowCount);
  if (!req.encoder) return undefined;
  const col = ds.roles.text;
  if (col === undefined) throw new UserError('usage', `${ds.table.name}: --encoder embeds text, and no column of text was found (name it with --text)`);
  // Cache key: the file's bytes and the text column, so any edit of the file re-encodes.
  const contentKey = createHash('sha256').update('bytes' in ds.table ? ds.table.bytes : readFileSync(ds.table.path)).update(`\0${ds.table.header[col]}`).digest('hex');
  const e = await encodeTexts((i) => (ds.table.index.damaged[i] ? '' : ds.table.cell(i, col)), ds.rowCount, {
    model: req.encoder, modelCache: req.modelCache, runtimeDir: req.runtimeDir,
    cacheDir: join(dirname(ds.table.path), '.label-lens', 'embeddings'), contentKey, onProgress: req.onProgress, cancelled: req.cancelled,
  });
  return { x: e.x, dim: e.dim, source: `encoder ${req.encoder}`, encoder: req.encoder, cached: e.cached, seconds: +e.seconds.toFixed(3) };
}

/** Neighbours per row for k-NN label agreement. */
export const KNN = { k: 10, maxReference: 4000, maxDim: 128, seed: 7 };

/**
 * The neighbour label distribution (see core/signals/knnAgreement) over dense rows: cosine k-NN
 * among a seeded sample of at most `maxReference` rows, after a random projection to `maxDim`
 * dimensions for wide rows, so the cost stays linear in rows.
 */
export function knnPart(x: Float32Array, dim: number, labels: Int32Array, K: number): Float32Array {
  const N = labels.length;
  const narrow = dim > KNN.maxDim ? randomProjection(x, dim, KNN.maxDim, KNN.seed) : x;
  const d = Math.min(dim, KNN.maxDim);
  const labeled = Int32Array.from({ length: N }, (_, i) => i).filter((i) => labels[i] >= 0);
  const sample = sampleRows(labeled.length, KNN.maxReference, KNN.seed);
  const reference = Int32Array.from(sample, (j) => labeled[j]);
  const knn = cosineKnn(unitRows(narrow, d), d, { k: KNN.k, reference });
  return knnLabelDistribution(labels, K, knn.index, KNN.k);
}

/** Our consensus with the given probabilities (ensemble), the k-NN part and naive Bayes's, each weighted equally. */
export function consensusParts(cv: CrossValResult, given?: Float32Array, knn?: Float32Array, naiveBayes?: Float32Array): Float32Array[] | undefined {
  if (!given && !knn && !naiveBayes) return undefined;
  const parts = [consensusOf([cv.student, cv.ema, cv.teacher, cv.pi].filter((x): x is Float32Array => x !== undefined), cv.K)];
  if (given) parts.push(consensusOf([given], cv.K));
  if (knn) parts.push(knn);
  if (naiveBayes) parts.push(naiveBayes);
  return parts;
}
