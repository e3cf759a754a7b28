/** Which model each data kind trains, with its settings. */
import { initBackend } from '../backend';
import { DENSE_MODEL, TEXT_MODEL } from './settings';
import type { PixelModel } from '../../protocol/engine';
import { FastText } from './fasttext';
import { mlpNetwork } from './mlp';
import { cnnNetwork } from './cnn';
import { TfClassifier } from './tfClassifier';
import type { ModelFactory, ModelInput } from './types';

/** EMA decay per step for a teacher horizon given in epochs. */
function teacherAlpha(input: ModelInput, stepsPerEpoch: number): number {
  return input.options.teacherHorizon > 0 ? 1 - 1 / Math.max(1, input.options.teacherHorizon * stepsPerEpoch) : 0;
}

export const textModelFactory: ModelFactory = async (input, trainRows, seed) => {
  const text = input.text!;
  return new FastText({
    dim: TEXT_MODEL.dim, classes: input.classes, buckets: text.buckets, lr: TEXT_MODEL.lr,
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

export const denseModelFactory: ModelFactory = async (input, trainRows, seed) => {
  const { tf, name: backend } = await initBackend();
  const dense = input.dense!;
  const network = denseNetworkFor(dense.image !== undefined, input.options.pixelModel, backend);
  const cfg = {
    name: network, dim: dense.dim, classes: input.classes, lr: DENSE_MODEL.lr, batch: DENSE_MODEL.batch,
    teacherAlpha: teacherAlpha(input, Math.ceil(trainRows / DENSE_MODEL.batch)), seed,
  };
  return new TfClassifier(tf, cfg, dense.x, (rng) => network === 'cnn'
    ? cnnNetwork(tf, { width: dense.image!.width, height: dense.image!.height, classes: input.classes, dropout: DENSE_MODEL.dropout }, rng)
    : mlpNetwork(tf, { dim: dense.dim, hidden: DENSE_MODEL.hidden, classes: input.classes, dropout: DENSE_MODEL.dropout, inputDropout: 0.1 }, rng));
};

export async function factoryFor(kind: 'text' | 'dense'): Promise<{ factory: ModelFactory; backend: string }> {
  if (kind === 'text') return { factory: textModelFactory, backend: 'typescript' };
  return { factory: denseModelFactory, backend: (await initBackend()).name };
}
