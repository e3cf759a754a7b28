/**
 * The caller's side of the engine: starts `dist/engine.js` as a child process, sends typed requests,
 * and turns every way the child can fail (crash, kill, out of memory, a malformed message) into a
 * rejected promise with a reason, so that nothing waits forever. A dead engine is restarted by the
 * next request. Used by the CLI and the extension host (which passes Electron's Node).
 * A job has two answers: `done` (the results are written) and then `map` (its embedding map is
 * written, or none is made). Between them the engine is only making the map: a new job may start
 * (the engine stops that map first), and `cancel` stops the map.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { UserErrorCode } from '../core/errors';
import { parseEngineMessage, type AnalyzeRequest, type ErrorCode, type ErrorMessage, type ProgressMessage, type MapReadyMessage, type ResultMessage, type RetrainRequest } from '../protocol/engine';

export class EngineError extends Error {
  /** For a 'data' error: what kind of user error it was in the engine (disk full, not writable…). */
  userCode?: UserErrorCode;
  constructor(readonly code: ErrorCode | 'crashed', message: string, readonly details?: string) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface EngineClientOptions {
  enginePath: string;
  /** Node to run it with (in VS Code: process.execPath with ELECTRON_RUN_AS_NODE=1). */
  execPath?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/**
 * The engine's environment: the caller's, with glibc's malloc told to give every allocation of
 * 64 KiB or more its own mapping (unless the caller set it). By default the threshold rises to the
 * largest block freed (up to 32 MiB), after which the engine's typed arrays — fold outputs handed
 * between threads, per-fold arrays, featurize's chunks — come from malloc's heaps, which keep their
 * freed pages: at 1M text rows the engine held 200–300 MiB it no longer used (VmRSS 1,425 MiB at
 * the end of training against 1,107 with the fixed threshold). Other C libraries ignore it.
 */
export function engineEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.MALLOC_MMAP_THRESHOLD_ === undefined ? { ...env, MALLOC_MMAP_THRESHOLD_: String(ENGINE_MMAP_THRESHOLD) } : env;
}

export const ENGINE_MMAP_THRESHOLD = 1 << 16;

function engineError(m: ErrorMessage): EngineError {
  const e = new EngineError(m.code, m.message, m.details);
  e.userCode = m.userCode;
  return e;
}

interface Pending {
  jobId: string;
  /** job: until the result; map: after it, until map-ready (or the map's error). */
  stage: 'job' | 'map';
  resolve: (r: ResultMessage) => void;
  reject: (e: Error) => void;
  resolveMap: (m: MapReadyMessage | undefined) => void;
  rejectMap: (e: Error) => void;
  onProgress?: (p: ProgressMessage) => void;
}

/** Both answers of a job (see the top of this file). */
export interface JobHandle {
  jobId: string;
  done: Promise<ResultMessage>;
  /** The map once written; undefined when none is made (or a newer job took over); rejects when it failed, was cancelled or the engine stopped. */
  map: Promise<MapReadyMessage | undefined>;
}

export class EngineClient {
  private child: ChildProcess | undefined;
  private pending: Pending | undefined;

  constructor(private readonly opts: EngineClientOptions) {}

  get pid(): number | undefined { return this.child?.pid; }
  /** A job is running that has not written its results yet. */
  get busy(): boolean { return this.pending?.stage === 'job'; }
  /** The last job's results are written and its map is being made. */
  get mapping(): boolean { return this.pending?.stage === 'map'; }

  /** Ends the pending job with an error: its result if it had none yet, else its map. */
  private fail(p: Pending, e: Error): void {
    if (p.stage === 'job') { p.reject(e); p.rejectMap(e); } else p.rejectMap(e);
  }

  private start(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    const child = fork(this.opts.enginePath, [], {
      execPath: this.opts.execPath,
      // Not the parent's flags (a test runner's loader, Electron's switches): the engine is plain JS.
      execArgv: [],
      env: engineEnv(this.opts.env ?? process.env),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const log = this.opts.log;
    child.stdout?.on('data', (d: Buffer) => log?.(d.toString().trimEnd()));
    child.stderr?.on('data', (d: Buffer) => log?.(d.toString().trimEnd()));
    child.on('message', (raw) => this.onMessage(raw));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const p = this.pending;
      if (!p) return;
      this.pending = undefined;
      const why = signal === 'SIGKILL' ? 'it was killed (SIGKILL: out of memory, or stopped by hand)' : signal ? `signal ${signal}` : `exit code ${code}`;
      this.fail(p, new EngineError('crashed', `the engine stopped during the ${p.stage === 'job' ? 'job' : 'map'}: ${why}. Run it again to start a new engine.`));
    });
    child.on('error', (err) => {
      const p = this.pending;
      this.pending = undefined;
      if (p) this.fail(p, new EngineError('crashed', `the engine could not run: ${err.message}`));
    });
    this.child = child;
    log?.(`engine started (pid ${child.pid})`);
    return child;
  }

  private onMessage(raw: unknown): void {
    const m = parseEngineMessage(raw);
    const p = this.pending;
    if (!m) {
      this.opts.log?.(`ignored a malformed message from the engine: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    if (m.type === 'ready') return;
    if (!p || m.jobId !== p.jobId) {
      if (m.type === 'error' && !m.jobId && p) { this.pending = undefined; this.fail(p, engineError(m)); }
      return;
    }
    if (m.type === 'progress') p.onProgress?.(m);
    else if (m.type === 'result' && p.stage === 'job') {
      if (m.map === 'pending') p.stage = 'map';
      else { this.pending = undefined; p.resolveMap(undefined); }
      p.resolve(m);
    } else if (m.type === 'map-ready' && p.stage === 'map') { this.pending = undefined; p.resolveMap(m); }
    else if (m.type === 'error') { this.pending = undefined; this.fail(p, engineError(m)); }
  }

  /**
   * Runs one job; `done` rejects with an EngineError on failure, cancel or crash. While the last
   * job only makes its map, a new job supersedes it (that map resolves undefined).
   */
  run(req: Omit<AnalyzeRequest, 'jobId'> | Omit<RetrainRequest, 'jobId'>, onProgress?: (p: ProgressMessage) => void): JobHandle {
    if (this.pending?.stage === 'job') throw new EngineError('bad-request', 'the engine is busy with another job');
    if (this.pending) { const old = this.pending; this.pending = undefined; old.resolveMap(undefined); }
    const jobId = randomUUID();
    const child = this.start();
    let resolveMap!: Pending['resolveMap'], rejectMap!: Pending['rejectMap'];
    const map = new Promise<MapReadyMessage | undefined>((res, rej) => { resolveMap = res; rejectMap = rej; });
    // A caller that stops at `done` (an error, or no interest in the map) leaves no unhandled rejection.
    map.catch(() => {});
    const done = new Promise<ResultMessage>((resolve, reject) => { this.pending = { jobId, stage: 'job', resolve, reject, resolveMap, rejectMap, onProgress }; });
    done.catch(() => {});
    child.send({ ...req, jobId });
    return { jobId, done, map };
  }

  /** Asks the engine to stop the job (or its map); it answers with a 'cancelled' error within a second. */
  cancel(): void {
    if (this.pending && this.child) this.child.send({ type: 'cancel', jobId: this.pending.jobId });
  }

  /** Sends anything (tests use it to check that malformed requests are refused). */
  sendRaw(msg: unknown): void {
    this.start().send(msg as object);
  }

  kill(): void {
    this.child?.kill('SIGKILL');
  }

  dispose(): void {
    const c = this.child;
    this.child = undefined;
    if (c && c.exitCode === null) c.kill();
  }
}
