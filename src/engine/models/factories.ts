/** Which model each data kind trains, with its settings. */
import { initBackend } from '../backend';
import { DENSE_MODEL, TEXT_MODEL } from './settings';
import type { PixelModel } from '../../protocol/engine';
import { FastText } from './fasttext';
import { MlpModel } from './mlp';
import { cnnNetwork } from './cnn';
import { TfClassifier } from './tfClassifier';
import { LinearModel } from './linear';
import { KnnModel } from './knn';
import { AverageModel } from './average';
import type { ModelFactory, ModelInput } from './types';

/** EMA decay per step for a teacher horizon given in epochs. */
function teacherAlpha(input: ModelInput, stepsPerEpoch: number): number {
  return input.options.teacherHorizon > 0 ? 1 - 1 / Math.max(1, input.options.teacherHorizon * stepsPerEpoch) : 0;
}

export const textModelFactory: ModelFactory = async (input, trainRows, seed) => {
  const text = input.text!;
  return new FastText({
    dim: TEXT_MODEL.dim, classes: input.classes, features: text.features, lr: TEXT_MODEL.lr,
    tokenDropout: TEXT_MODEL.tokenDropout, piDropout: TEXT_MODEL.piDropout, initScale: TEXT_MODEL.initScale, wideBuckets: TEXT_MODEL.wideBuckets, wideLr: TEXT_MODEL.wideLr, teacherAlpha: teacherAlpha(input, trainRows), seed,
  }, text);
};

/**
 * The network for dense rows: for pixel images a CNN when asked, or by default when the native
 * backend runs it (on wasm a CNN trains at about a tenth of the MLP's speed: measured 240 vs 2.5k
 * rows/s), else the MLP.
 */
export function denseNetworkFor(hasImage: boolean, pixelModel: PixelModel, backend: string): 'mlp' | 'cnn' {
  if (!hasImage || pixelModel === 'mlp') return 'mlp';
  return pixelModel === 'cnn' || backend === 'tensorflow' ? 'cnn' : 'mlp';
}

/**
 * The dense network of a fold and what runs it: the MLP in TypeScript (models/mlp: faster than
 * tfjs-wasm at this size, and no backend to start), or the CNN on TensorFlow.js. Only pixel images
 * left to `auto` start the backend to choose.
 */
async function denseNetwork(input: Pick<ModelInput, 'dense' | 'options'>): Promise<{ network: 'mlp' | 'cnn'; backend: string }> {
  const image = input.dense?.image !== undefined;
  if (!image || input.options.pixelModel === 'mlp') return { network: 'mlp', backend: 'typescript' };
  const { name } = await initBackend();
  const network = denseNetworkFor(true, input.options.pixelModel, name);
  return { network, backend: network === 'mlp' ? 'typescript' : name };
}

export const denseModelFactory: ModelFactory = async (input, trainRows, seed) => {
  const dense = input.dense!;
  const { network } = await denseNetwork(input);
  const teacher = teacherAlpha(input, Math.ceil(trainRows / DENSE_MODEL.batch));
  if (network === 'mlp') {
    return new MlpModel({ dim: dense.dim, hidden: DENSE_MODEL.hidden, classes: input.classes, dropout: DENSE_MODEL.dropout, inputDropout: DENSE_MODEL.inputDropout, lr: DENSE_MODEL.lr, batch: DENSE_MODEL.batch, teacherAlpha: teacher, seed }, dense.x);
  }
  const { tf } = await initBackend();
  const cfg = { name: network, dim: dense.dim, classes: input.classes, lr: DENSE_MODEL.lr, batch: DENSE_MODEL.batch, teacherAlpha: teacher, seed };
  return new TfClassifier(tf, cfg, dense.x, (rng) => cnnNetwork(tf, { width: dense.image!.width, height: dense.image!.height, classes: input.classes, dropout: DENSE_MODEL.dropout }, rng));
};

/**
 * Tabular rows (numeric features, no image): standardised logistic regression (the peer's model)
 * averaged with k-NN label agreement, both
 * in plain TypeScript, so no TensorFlow.js backend starts. Measured on five tables with 20% uniform
 * noise (bench/RESULTS.md, ablation): the pair beats either alone and the MLP (digits AP: MLP 0.992,
 * logreg 0.983, k-NN 0.992, both 0.997; breast cancer 0.939 / 0.904 / 0.893 / 0.951). k-NN's exact
 * search costs rows² × dim, so above TABULAR.knnMaxWork the MLP takes its place beside the
 * logistic regression. 30 L-BFGS iterations: AP equal to 100 at a third of the time (early stopping).
 */
export const TABULAR = { knnMaxWork: 1e10, k: 20, C: 1, iterations: 30, lbfgsMemory: 10 };

export function tabularModels(rows: number, dim: number): 'logreg+knn' | 'logreg+mlp' {
  return rows * rows * dim <= TABULAR.knnMaxWork ? 'logreg+knn' : 'logreg+mlp';
}

export const tabularModelFactory: ModelFactory = async (input, trainRows, seed) => {
  const dense = input.dense!;
  const linear = new LinearModel({ dim: dense.dim, classes: input.classes, C: input.linearC ?? TABULAR.C, iterations: TABULAR.iterations, epochs: input.options.epochs, memory: TABULAR.lbfgsMemory }, dense.x);
  const other = tabularModels(dense.x.length / dense.dim, dense.dim) === 'logreg+knn'
    ? new KnnModel({ dim: dense.dim, classes: input.classes, k: TABULAR.k }, dense.x)
    : await denseModelFactory(input, trainRows, seed);
  return new AverageModel([linear, other]);
};

/**
 * Embedding rows (standardised in prepare): the standardised logistic regression of tabular data
 * (the same LinearModel and settings; the default), the MLP, or the two averaged
 * (`--embedding-model`). On LSA embeddings (bench/byom.ts) the linear model ranked best: AP ag_news
 * 0.855 / MLP 0.845 / both 0.855, sms_spam 0.943 / 0.927 / 0.939, at a third of the MLP's time. k-NN label agreement on embeddings is not a fold model here: it needs no
 * training and joins the consensus as its own part (engine/ownModel.ts).
 */
export const embeddingModelFactory: ModelFactory = async (input, trainRows, seed) => {
  const dense = input.dense!;
  const which = input.options.embeddingModel;
  const linear = () => new LinearModel({ dim: dense.dim, classes: input.classes, C: TABULAR.C, iterations: TABULAR.iterations, epochs: input.options.epochs, memory: TABULAR.lbfgsMemory }, dense.x);
  if (which === 'logreg') return linear();
  const mlp = await denseModelFactory(input, trainRows, seed);
  return which === 'mlp' ? mlp : new AverageModel([linear(), mlp]);
};

/**
 * Which trainer a kind of data gets: text → fastText; tabular → the pair above; embeddings → the
 * choice above; pixels and images → the tfjs networks.
 */
export type ModelKind = 'text' | 'dense' | 'tabular' | 'embedding';

export function modelKindOf(dataKind: string): ModelKind {
  return dataKind === 'text' ? 'text' : dataKind === 'tabular' ? 'tabular' : dataKind === 'embedding' ? 'embedding' : 'dense';
}

/** The factory for a kind of data, and the backend it runs on (tfjs starts only for its networks). */
export async function factoryFor(kind: ModelKind, input: { labels: ArrayLike<number>; dense?: ModelInput['dense']; options: ModelInput['options'] }): Promise<{ factory: ModelFactory; backend: string }> {
  if (kind === 'text') return { factory: textModelFactory, backend: 'typescript' };
  if (kind === 'tabular') return { factory: tabularModelFactory, backend: tabularModels(input.labels.length, input.dense?.dim ?? 0) === 'logreg+knn' ? 'typescript' : (await denseNetwork(input)).backend };
  if (kind === 'embedding') return { factory: embeddingModelFactory, backend: input.options.embeddingModel === 'logreg' ? 'typescript' : (await denseNetwork(input)).backend };
  return { factory: denseModelFactory, backend: (await denseNetwork(input)).backend };
}
