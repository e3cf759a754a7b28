/**
 * The engine child process: one job at a time over IPC (typed in src/protocol/engine.ts).
 * Heavy work runs in fold worker threads, so this loop stays free to hear `cancel`, which
 * terminates the workers at once. A malformed message is answered with an error, never a crash.
 * A job answers `result` as soon as its results are written, then makes its map and answers
 * `map-ready`; a new job asked for while a map is made stops that map (the newer run's results
 * will want their own) and starts once it has.
 */
import { parseRequest, type EngineMessage, type EngineRequest } from '../protocol/engine';
import { runAnalyze, runRetrain } from './job';
import { availableParallelism } from 'node:os';
import { warmUp, workerRunners } from './foldPool';
import { errorMessage } from './errorCodes';

const send = (m: EngineMessage) => { if (process.send) process.send(m); };

interface Current { jobId: string; cancelled: boolean; mapping: boolean; finished: Promise<void> }
let current: Current | undefined;

async function handle(req: Exclude<EngineRequest, { type: 'cancel' }>): Promise<void> {
  let finish!: () => void;
  const job: Current = { jobId: req.jobId, cancelled: false, mapping: false, finished: new Promise<void>((r) => { finish = r; }) };
  current = job;
  const emit = (p: Parameters<Parameters<typeof runAnalyze>[1]>[0]) => send({ type: 'progress', jobId: req.jobId, ...p });
  const cancelled = () => job.cancelled;
  // Wrap the runner factory so that cancel terminates every worker of this job: a job asks for
  // several runners (the duplicates search, the C search, the folds, the outlier scores), and more
  // than one can be at work when the cancel comes. Closing a finished runner again is harmless.
  const closers: Array<() => void> = [];
  const runners: typeof workerRunners = (kind, onProgress) => {
    const r = workerRunners(kind, onProgress);
    closers.push(r.close);
    return r;
  };
  cancelHooks.set(req.jobId, () => { for (const close of closers) close(); });
  const onResult = (res: Parameters<NonNullable<Parameters<typeof runAnalyze>[4]>>[0]) => {
    send({ type: 'result', jobId: req.jobId, summaryPath: res.summaryPath, arraysPath: res.arraysPath, rowsCsvPath: res.rowsCsvPath, map: res.summary.mapFile ? 'pending' : 'none' });
    job.mapping = true;
  };
  try {
    const res = req.type === 'analyze' ? await runAnalyze(req, emit, cancelled, runners, onResult) : await runRetrain(req, emit, cancelled, runners, onResult);
    if (res.map) send({ type: 'map-ready', jobId: req.jobId, mapPath: res.map.path, method: res.map.method, sample: res.map.sample, rows: res.map.rows, seconds: res.map.seconds });
  } catch (err) {
    // After the result, an error is the map's (the caller keeps the results).
    send(errorMessage(req.jobId, err, job.cancelled));
  } finally {
    cancelHooks.delete(req.jobId);
    if (current === job) current = undefined;
    finish();
  }
}

const cancelHooks = new Map<string, () => void>();
/**
 * A job asked for while the last one's map is being stopped: it runs once that map has given way.
 * Until then it is this engine's job as much as `current` is (a cancel for it is heard, and a third
 * request is refused as busy rather than started beside the stopping map).
 */
let queued: { req: Exclude<EngineRequest, { type: 'cancel' }>; cancelled: boolean } | undefined;
const busy = (jobId: string, other: string) => send({ type: 'error', jobId, code: 'bad-request', message: `busy with job ${other}: one job at a time` });

process.on('message', (msg: unknown) => {
  const req = parseRequest(msg);
  if (typeof req === 'string') {
    const jobId = msg && typeof msg === 'object' && typeof (msg as { jobId?: unknown }).jobId === 'string' ? (msg as { jobId: string }).jobId : undefined;
    send({ type: 'error', jobId, code: 'bad-request', message: `malformed request: ${req}` });
    return;
  }
  if (req.type === 'cancel') {
    if (current?.jobId === req.jobId) { current.cancelled = true; cancelHooks.get(req.jobId)?.(); }
    else if (queued?.req.jobId === req.jobId) queued.cancelled = true;
    return;
  }
  if (queued) { busy(req.jobId, queued.req.jobId); return; }
  if (current?.mapping) {
    // Only the last job's map is left: stop it, then run this one.
    const was = current;
    was.cancelled = true;
    current = undefined;
    const next = { req, cancelled: false };
    queued = next;
    void was.finished.then(() => {
      queued = undefined;
      if (next.cancelled) send(errorMessage(req.jobId, undefined, true));
      else void handle(req);
    });
    return;
  }
  if (current) { busy(req.jobId, current.jobId); return; }
  void handle(req);
});

process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid });
// One fold worker loads on the other core while the first request is on its way and its file is
// read (a second is started when a job needs it; small tabular jobs train in this thread).
warmUp(Math.min(1, availableParallelism() - 1));
