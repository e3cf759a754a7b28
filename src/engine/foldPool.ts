/** Runs folds in worker threads (both cores busy), or in this thread; cancel terminates the workers at once. */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { RunnerFactory } from './job';
import type { FromWorker, ToWorker } from './foldWorker';
import type { FoldInput, FoldOutput } from './trainFold';
import { factoryFor, tabularModels, type ModelKind } from './models/factories';
import { trainFold } from './trainFold';
import { heldOutLoss, type CTask } from './models/regularization';
import type { DuplicateParts, TextDuplicatesTask } from './duplicatesTask';
import type { Outliers } from './findings';
import type { Representation } from './representation';

// Bundled, the worker is dist/foldWorker.js beside dist/engine.js; from sources (tests), the .ts
// file, run by the tsx loader that workers inherit from the parent's execArgv.
const WORKER = __filename.endsWith('.ts') ? join(__dirname, 'foldWorker.ts') : join(__dirname, 'foldWorker.js');

/**
 * Folds this small train in the engine's own thread: starting workers (each compiles the bundle
 * again; 0.1 s idle, more under load) and two threads on two cores cost more than halving the
 * folds saves until the folds take about 1.5 s in one thread. Measured to results (--map none, same
 * results byte for byte, a quiet 2-core machine, session 6) in the thread against on workers:
 * digits (1,797 × 64, rows² × dim 2·10⁸) 2.0–2.2 s against 2.7–3.0 s, synthetic 5,000 × 20 (5·10⁸)
 * 2.3–2.5 s against 2.8–3.3 s; at 10⁹ the folds take about 2 s in one thread, beyond which two
 * workers win.
 */
export const IN_PROCESS_MAX_WORK = 1e9;

/**
 * The least rows² × columns of a table whose in-thread tasks are also given to an idle warm worker
 * (below, every fit takes a few milliseconds, less than a message and a cold worker's first run:
 * measured at load 9, iris's and wine's train phase 0.13–0.19 s in the thread alone, 0.26–0.37 s
 * sharing with the worker). Digits (2·10⁸) and the 5,000-row synthetic table (5·10⁸) share.
 */
export const SHARE_MIN_WORK = 1e8;

export function trainsInProcess(kind: ModelKind, input: Pick<FoldInput, 'labels' | 'dense'> | { labels: ArrayLike<number>; dense: { dim: number } }): boolean {
  const n = input.labels.length;
  const dim = input.dense?.dim ?? 0;
  return kind === 'tabular' && tabularModels(n, dim) === 'logreg+knn' && n * n * dim <= IN_PROCESS_MAX_WORK;
}

/**
 * Workers loaded ahead of need: the engine starts them when it starts (their bundle loads on the
 * other core while the first job reads and featurizes its file), and a job hands its workers back
 * when it ends, so the next job finds them warm. Unref'd: they never keep the engine alive.
 */
const warm: Worker[] = [];

function keepWarm(w: Worker): void {
  w.unref();
  if (!w.listenerCount('exit')) {
    // A warm worker that dies (out of memory, killed, a bundle that does not load) is dropped, not
    // handed to a job; its error is the job's to report only once it runs one.
    w.on('exit', () => { const at = warm.indexOf(w); if (at >= 0) warm.splice(at, 1); });
    w.on('error', () => undefined);
  }
  warm.push(w);
}

export function warmUp(count: number): void {
  while (warm.length < count) keepWarm(new Worker(WORKER));
}

/**
 * Rows from which a job's workers are retired when it ends instead of kept warm: an idle worker does
 * not collect its garbage, so it would go on holding the job's model (1M text rows: hundreds of MB)
 * and, through its views, the job's shared feature buffers while the engine scores and writes. A
 * job this large runs for tens of seconds; a new worker starts in about 0.1 s.
 */
export const RETIRE_ROWS = 50_000;

export const workerRunners: RunnerFactory = (kind, onProgress) => {
  const local = inProcessRunners(kind, onProgress);
  const idle: Worker[] = [];
  const all = new Set<Worker>();
  let closed = false;
  let large = false;
  /**
   * One task on an idle (or warm, or new) worker; `what` names it in an error; `onTick`: a
   * duplicates search's progress; `retire`: the worker is terminated when the task is done.
   */
  const dispatch = (msg: ToWorker, what: string, onTick?: (fraction: number) => void, retire = false) => new Promise<Extract<FromWorker, { type: 'done' | 'loss' | 'duplicates' | 'outliers' }>>((resolve, reject) => {
    if (closed) { reject(new Error('cancelled')); return; }
    const w = idle.pop() ?? warm.pop() ?? new Worker(WORKER);
    w.ref();
    all.add(w);
    const onMessage = (m: FromWorker) => {
      if (m.type === 'progress') { onProgress(m); return; }
      if (m.type === 'tick') { onTick?.(m.fraction); return; }
      cleanup();
      if (m.type === 'failed') reject(new Error(`${what} failed: ${m.message}`));
      else {
        if (retire) { all.delete(w); void w.terminate(); } else { w.unref(); idle.push(w); }
        resolve(m);
      }
    };
    const onExit = (code: number) => { cleanup(); all.delete(w); reject(new Error(closed ? 'cancelled' : `fold worker exited with code ${code}`)); };
    const onError = (err: Error) => { cleanup(); all.delete(w); reject(err); };
    const cleanup = () => { w.off('message', onMessage); w.off('exit', onExit); w.off('error', onError); };
    w.on('message', onMessage);
    w.on('exit', onExit);
    w.on('error', onError);
    w.postMessage(msg);
  });
  // A small table's tasks run in this thread, except that one goes to a warm worker left idle while
  // this thread is busy with another (both cores work; no worker is started for them). Should this
  // thread run out of work while the worker still has its task (a cold or crowded second core), it
  // runs that task too and the first answer wins (a task's answer is a function of its input only):
  // the job never waits on the worker longer than it would have taken here.
  let inThread = 0;
  const freed: (() => void)[] = [];
  const here = async <T>(f: () => Promise<T>): Promise<T> => {
    inThread++;
    try { return await f(); } finally {
      // Once the lanes have taken their next tasks (a macrotask later), is this thread out of work?
      if (--inThread === 0) setImmediate(() => { if (inThread === 0) for (const f of freed.splice(0)) f(); });
    }
  };
  const spare = (n: number, dim: number) => inThread > 0 && idle.length + warm.length > 0 && n * n * dim >= SHARE_MIN_WORK;
  const onWorkerOrHere = <T>(task: Promise<T>, f: () => Promise<T>): Promise<T> => {
    let settled = false;
    // A worker that fails (it died) leaves the task to this thread, as before workers took any.
    const remote = task.catch(() => here(f));
    remote.then(() => { settled = true; }, () => { settled = true; });
    const mine = new Promise<T>((resolve, reject) => freed.push(() => { if (!settled) { settled = true; here(f).then(resolve, reject); } }));
    return Promise.race([remote, mine]);
  };
  /** A small table's task: on the idle warm worker when it can take it (the thread may take it back), else here. */
  const sharedOrHere = <T>(n: number, dim: number, mine: () => Promise<T>, theirs: () => Promise<T>): Promise<T> =>
    spare(n, dim) ? onWorkerOrHere(theirs(), mine) : here(mine);
  const run = async (input: FoldInput): Promise<FoldOutput> => {
    if (trainsInProcess(kind, input)) {
      return sharedOrHere(input.labels.length, input.dense?.dim ?? 0, () => local.run(input),
        () => dispatch({ type: 'train', kind, input }, `fold ${input.fold + 1}`).then((m) => (m as Extract<FromWorker, { type: 'done' }>).output));
    }
    if (input.labels.length >= RETIRE_ROWS) large = true;
    // A large fold's worker is retired after it (see RETIRE_ROWS): the next fold on it would train
    // beside this one's garbage (1M text rows: 60–130 MB a worker, with two lanes twice that).
    const m = await dispatch({ type: 'train', kind, input }, `fold ${input.fold + 1}`, undefined, input.labels.length >= RETIRE_ROWS);
    return (m as Extract<FromWorker, { type: 'done' }>).output;
  };
  // The C search's fits, one per worker (small tables: in this thread, or the idle warm worker, as their folds).
  const lossOfC = async (task: CTask, C: number): Promise<number> => {
    if (trainsInProcess(kind, { labels: task.labels, dense: { dim: task.dim } })) {
      return sharedOrHere(task.labels.length, task.dim, () => local.lossOfC!(task, C),
        () => dispatch({ type: 'lossOfC', task, C }, `the fit at C = ${C}`).then((m) => (m as Extract<FromWorker, { type: 'loss' }>).loss));
    }
    const m = await dispatch({ type: 'lossOfC', task, C }, `the fit at C = ${C}`);
    return (m as Extract<FromWorker, { type: 'loss' }>).loss;
  };
  // A text file's duplicates, on a worker (this thread stays free to hear a cancel, and featurizes meanwhile).
  const textDuplicates = async (task: TextDuplicatesTask, onTick?: (fraction: number) => void): Promise<DuplicateParts> => {
    // The search's garbage (1M rows: hundreds of MB of signatures) goes with its worker.
    if (task.texts.rows >= RETIRE_ROWS) large = true;
    const parts = dispatch({ type: 'duplicates', task }, 'the duplicates search', onTick);
    // The search took the warm worker; the folds follow it on two. The second loads now, beside the
    // search and featurize, instead of when the folds start (SMS: its first fold began 40 ms after
    // the other lane's, the bundle loading on a core both lanes needed).
    warmUp(Math.min(1, availableParallelism() - 1));
    return ((await parts) as Extract<FromWorker, { type: 'duplicates' }>).parts;
  };
  // Outlier scores on a worker, while this thread scores the rows (the representation's rows are
  // copied to it unless shared).
  const outliers = async (rep: Representation, seed: number, onTick?: (fraction: number) => void): Promise<Outliers> => {
    if (rep.x.length / rep.dim >= RETIRE_ROWS) large = true;
    const m = await dispatch({ type: 'outliers', rep, seed }, 'the outlier scores', onTick);
    return (m as Extract<FromWorker, { type: 'outliers' }>).outliers;
  };
  // Idle workers go back to the warm pool (after a large job, one fresh worker instead, its own workers
  // retired with their garbage); busy ones (a cancel) are terminated at once.
  const close = () => {
    closed = true;
    local.close();
    const retired = large;
    let busy = 0;
    for (const w of all) if (idle.includes(w) && !large) keepWarm(w); else { if (!idle.includes(w)) busy++; void w.terminate(); }
    all.clear();
    idle.length = 0;
    // A worker still on a task this thread took back (or a cancelled one's) is replaced, so that the next job finds one warm.
    if (retired || busy > 0) warmUp(1);
  };
  return { run, close, lossOfC, textDuplicates, outliers };
};

/** The same, in this thread (no parallelism): for tests and small jobs. */
export const inProcessRunners: RunnerFactory = (kind, onProgress) => {
  let closed = false;
  return {
    run: async (input) => {
      // A macrotask between folds, so that a cancel message is heard while folds train in this thread.
      await new Promise((r) => setImmediate(r));
      if (closed) throw new Error('cancelled');
      const { factory, backend } = await factoryFor(kind, input);
      return trainFold(input, factory, onProgress, () => closed, backend);
    },
    lossOfC: async (task, C) => {
      await new Promise((r) => setImmediate(r));
      if (closed) throw new Error('cancelled');
      return heldOutLoss(task, C);
    },
    close: () => { closed = true; },
  };
};
