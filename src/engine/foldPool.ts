/** Runs folds in worker threads (both cores busy), or in this thread; cancel terminates the workers at once. */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { RunnerFactory } from './job';
import type { FromWorker, ToWorker } from './foldWorker';
import type { FoldOutput } from './trainFold';
import { factoryFor } from './models/factories';
import { trainFold } from './trainFold';

// Bundled, the worker is dist/foldWorker.js beside dist/engine.js; from sources (tests), the .ts
// file, run by the tsx loader that workers inherit from the parent's execArgv.
const WORKER = __filename.endsWith('.ts') ? join(__dirname, 'foldWorker.ts') : join(__dirname, 'foldWorker.js');

export const workerRunners: RunnerFactory = (kind, onProgress) => {
  const idle: Worker[] = [];
  const all = new Set<Worker>();
  let closed = false;
  const run = (input: Parameters<ReturnType<RunnerFactory>['run']>[0]) => new Promise<FoldOutput>((resolve, reject) => {
    if (closed) { reject(new Error('cancelled')); return; }
    const w = idle.pop() ?? new Worker(WORKER);
    all.add(w);
    const onMessage = (m: FromWorker) => {
      if (m.type === 'progress') { onProgress(m); return; }
      cleanup();
      if (m.type === 'done') { idle.push(w); resolve(m.output); } else reject(new Error(`fold ${input.fold + 1} failed: ${m.message}`));
    };
    const onExit = (code: number) => { cleanup(); all.delete(w); reject(new Error(closed ? 'cancelled' : `fold worker exited with code ${code}`)); };
    const onError = (err: Error) => { cleanup(); all.delete(w); reject(err); };
    const cleanup = () => { w.off('message', onMessage); w.off('exit', onExit); w.off('error', onError); };
    w.on('message', onMessage);
    w.on('exit', onExit);
    w.on('error', onError);
    w.postMessage({ type: 'train', kind, input } satisfies ToWorker);
  });
  const close = () => {
    closed = true;
    for (const w of all) void w.terminate();
    all.clear();
  };
  return { run, close };
};

/** The same, in this thread (no parallelism): for tests and small jobs. */
export const inProcessRunners: RunnerFactory = (kind, onProgress) => {
  let closed = false;
  return {
    run: async (input) => {
      const { factory, backend } = await factoryFor(kind);
      return trainFold(input, factory, onProgress, () => closed, backend);
    },
    close: () => { closed = true; },
  };
};
