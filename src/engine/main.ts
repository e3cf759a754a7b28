/**
 * The engine child process: one job at a time over IPC (typed in src/protocol/engine.ts).
 * Heavy work runs in fold worker threads, so this loop stays free to hear `cancel`, which
 * terminates the workers at once. A malformed message is answered with an error, never a crash.
 */
import { parseRequest, type EngineMessage, type EngineRequest } from '../protocol/engine';
import { runAnalyze, runRetrain } from './job';
import { availableParallelism } from 'node:os';
import { warmUp, workerRunners } from './foldPool';
import { errorMessage } from './errorCodes';

const send = (m: EngineMessage) => { if (process.send) process.send(m); };

let current: { jobId: string; cancelled: boolean } | undefined;

async function handle(req: Exclude<EngineRequest, { type: 'cancel' }>): Promise<void> {
  const job = { jobId: req.jobId, cancelled: false };
  current = job;
  const emit = (p: Parameters<Parameters<typeof runAnalyze>[1]>[0]) => send({ type: 'progress', jobId: req.jobId, ...p });
  const cancelled = () => job.cancelled;
  let stopRunners: (() => void) | undefined;
  // Wrap the runner factory so that cancel can terminate the workers of this job.
  const runners: typeof workerRunners = (kind, onProgress) => {
    const r = workerRunners(kind, onProgress);
    stopRunners = r.close;
    return r;
  };
  cancelHooks.set(req.jobId, () => stopRunners?.());
  try {
    const res = req.type === 'analyze' ? await runAnalyze(req, emit, cancelled, runners) : await runRetrain(req, emit, cancelled, runners);
    send({ type: 'result', jobId: req.jobId, summaryPath: res.summaryPath, arraysPath: res.arraysPath, rowsCsvPath: res.rowsCsvPath });
  } catch (err) {
    send(errorMessage(req.jobId, err, job.cancelled));
  } finally {
    cancelHooks.delete(req.jobId);
    if (current === job) current = undefined;
  }
}

const cancelHooks = new Map<string, () => void>();

process.on('message', (msg: unknown) => {
  const req = parseRequest(msg);
  if (typeof req === 'string') {
    const jobId = msg && typeof msg === 'object' && typeof (msg as { jobId?: unknown }).jobId === 'string' ? (msg as { jobId: string }).jobId : undefined;
    send({ type: 'error', jobId, code: 'bad-request', message: `malformed request: ${req}` });
    return;
  }
  if (req.type === 'cancel') {
    if (current?.jobId === req.jobId) { current.cancelled = true; cancelHooks.get(req.jobId)?.(); }
    return;
  }
  if (current) {
    send({ type: 'error', jobId: req.jobId, code: 'bad-request', message: `busy with job ${current.jobId}: one job at a time` });
    return;
  }
  void handle(req);
});

process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid });
// One fold worker loads on the other core while the first request is on its way and its file is
// read (a second is started when a job needs it; small tabular jobs train in this thread).
warmUp(Math.min(1, availableParallelism() - 1));
