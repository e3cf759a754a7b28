/** Which model each data kind trains, with its settings. */
import { initBackend } from '../backend';
import type { FoldInput } from '../trainFold';
import { TEXT_MODEL } from '../trainFold';
import { DENSE_MODEL } from '../prepare';
import { FastText } from './fasttext';
import { Mlp } from './mlp';
import type { ClassifierModel } from './types';

export type ModelFactory = (input: FoldInput, trainRows: number, seed: number) => Promise<ClassifierModel>;

/** EMA decay per step for a teacher horizon given in epochs. */
function teacherAlpha(input: FoldInput, stepsPerEpoch: number): number {
  return input.options.teacherHorizon > 0 ? 1 - 1 / Math.max(1, input.options.teacherHorizon * stepsPerEpoch) : 0;
}

export const textModelFactory: ModelFactory = async (input, trainRows, seed) => {
  const text = input.text!;
  return new FastText({
    dim: TEXT_MODEL.dim, classes: input.classes, buckets: text.buckets, lr: TEXT_MODEL.lr,
    tokenDropout: TEXT_MODEL.tokenDropout, piDropout: TEXT_MODEL.piDropout, initScale: TEXT_MODEL.initScale, wideBuckets: TEXT_MODEL.wideBuckets, wideLr: TEXT_MODEL.wideLr, teacherAlpha: teacherAlpha(input, trainRows), seed,
  }, text);
};

export const denseModelFactory: ModelFactory = async (input, trainRows, seed) => {
  const { tf } = await initBackend();
  const dense = input.dense!;
  return new Mlp(tf, {
    dim: dense.dim, hidden: DENSE_MODEL.hidden, classes: input.classes, dropout: DENSE_MODEL.dropout, inputDropout: 0.1,
    lr: DENSE_MODEL.lr, batch: DENSE_MODEL.batch, teacherAlpha: teacherAlpha(input, Math.ceil(trainRows / DENSE_MODEL.batch)), seed,
  }, dense.x);
};

export async function factoryFor(kind: 'text' | 'dense'): Promise<{ factory: ModelFactory; backend: string }> {
  if (kind === 'text') return { factory: textModelFactory, backend: 'typescript' };
  return { factory: denseModelFactory, backend: (await initBackend()).name };
}
