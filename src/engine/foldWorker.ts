/**
 * A worker thread that trains one fold at a time for the engine (folds run in parallel), fits the
 * C search's models, finds a text file's duplicates (./duplicatesTask) or scores outliers
 * (./findings) off the engine's thread.
 */
import { parentPort } from 'node:worker_threads';
import { factoryFor, type ModelKind } from './models/factories';
import { heldOutLoss, type CTask } from './models/regularization';
import { partsTransfer, runTextDuplicates, type DuplicateParts, type TextDuplicatesTask } from './duplicatesTask';
import { findOutliers, type Outliers } from './findings';
import type { Representation } from './representation';
import { trainFold, type FoldInput, type FoldOutput, type FoldProgress } from './trainFold';

export type ToWorker = { type: 'train'; kind: ModelKind; input: FoldInput } | { type: 'lossOfC'; task: CTask; C: number } | { type: 'duplicates'; task: TextDuplicatesTask } | { type: 'outliers'; rep: Representation; seed: number };
export type FromWorker =
  | ({ type: 'progress' } & Parameters<FoldProgress>[0])
  | { type: 'done'; output: FoldOutput }
  | { type: 'loss'; loss: number }
  | { type: 'tick'; fraction: number }
  | { type: 'duplicates'; parts: DuplicateParts }
  | { type: 'outliers'; outliers: Outliers }
  | { type: 'failed'; message: string; stack?: string };

const port = parentPort!;
port.on('message', async (msg: ToWorker) => {
  try {
    if (msg.type === 'lossOfC') { port.postMessage({ type: 'loss', loss: heldOutLoss(msg.task, msg.C) } satisfies FromWorker); return; }
    if (msg.type === 'duplicates') {
      const parts = runTextDuplicates(msg.task, (fraction) => port.postMessage({ type: 'tick', fraction } satisfies FromWorker));
      port.postMessage({ type: 'duplicates', parts } satisfies FromWorker, partsTransfer(parts));
      return;
    }
    if (msg.type === 'outliers') {
      const outliers = findOutliers(msg.rep, msg.seed, (fraction) => port.postMessage({ type: 'tick', fraction } satisfies FromWorker));
      port.postMessage({ type: 'outliers', outliers } satisfies FromWorker, [outliers.score.buffer, outliers.flagged.buffer] as ArrayBuffer[]);
      return;
    }
    const { factory, backend } = await factoryFor(msg.kind, msg.input);
    const output = await trainFold(msg.input, factory, (p) => port.postMessage({ type: 'progress', ...p } satisfies FromWorker), undefined, backend);
    const rep = output.representation;
    const transfer = [output.held, output.ema, output.student, output.teacher, output.pi, output.history, output.unlabeledProbs, rep?.held, rep?.anchors, rep?.unlabeled]
      .filter((a): a is Float32Array | Int32Array => a !== undefined).map((a) => a.buffer as ArrayBuffer);
    port.postMessage({ type: 'done', output } satisfies FromWorker, transfer);
  } catch (err) {
    port.postMessage({ type: 'failed', message: (err as Error).message, stack: (err as Error).stack } satisfies FromWorker);
  }
});
