/**
 * Bigger than one machine: `plan` cuts an analysis into jobs, `fold` runs one (on any machine that
 * sees PLAN_DIR: a Kubernetes pod, a batch node, this one), `merge` scores them as `analyze` would.
 * `analyze --jobs-dir PLAN_DIR` runs the jobs as separate processes here. These run in the CLI's own
 * process (a job is a process: there is no editor to keep responsive), with the engine's code.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { inLanes } from '../core/lanes';
import { DirStore } from '../core/storage';
import { resultsDirFor, type Summary } from '../core/results';
import type { Plan } from '../protocol/plan';
import { makePlan } from '../engine/fanout/plan';
import { readPlanForThisBuild, runFoldJob } from '../engine/fanout/foldJob';
import { JobsNotDoneError, mergePlan, ranges } from '../engine/fanout/merge';
import { readJobOutput } from '../engine/fanout/planFiles';
import { workerRunners } from '../engine/foldPool';
import { datasetOptions, datasetOpts, fileArg, parse, toNumber, trainFlags, trainOptionsOf, UsageError } from './args';
import { EXIT_OK, type Io } from './exit';
import { formatSuspects, formatSummary, mapLine } from './engineCommands';

const planOptions = { ...datasetOptions, ...trainFlags, out: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } } as const;

/** `label-lens plan FILE --out PLAN_DIR [training options]`; the last line printed is `jobs: N`. */
async function cmdPlan(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, planOptions);
  const file = resolve(fileArg(positionals, 'plan'));
  if (typeof values.out !== 'string') throw new UsageError('plan needs --out PLAN_DIR (a folder every job can read: a shared volume)');
  const plan = await planInto(file, values, new DirStore(values.out), io);
  if (values.json) { io.out(JSON.stringify({ ...plan, jobSpecs: undefined })); return EXIT_OK; }
  printPlan(plan, values.out, io);
  return EXIT_OK;
}

async function planInto(file: string, values: Record<string, unknown>, store: DirStore, io: Io): Promise<Plan> {
  const log = (l: string) => { if (!values.quiet) io.err(`plan: ${l}`); };
  log(`reading ${file}`);
  return makePlan({ dataset: { file, ...datasetOpts(values) }, options: trainOptionsOf(values) }, store, log);
}

function printPlan(plan: Plan, planDir: string, io: Io): void {
  const o = plan.options;
  io.out(`plan: ${join(resolve(planDir), 'plan.json')} (fingerprint ${plan.fingerprint.slice(0, 12)})`);
  io.out(`${plan.dataset.rows} rows, ${plan.dataset.classes.length} classes, ${plan.dataset.kind} data; ${o.folds}-fold × ${o.repeats} repeat${o.repeats > 1 ? 's' : ''}, ${o.epochs} epochs, seed ${plan.seed}`);
  io.out(`run each job (index 0..${plan.jobs - 1}): label-lens fold ${planDir} --job I   (or JOB_COMPLETION_INDEX=I)`);
  io.out(`then: label-lens merge ${planDir} --out DIR`);
  io.out(`jobs: ${plan.jobs}`);
}

/** The job index: --job, else the one Kubernetes gives each pod of an Indexed Job. */
function jobIndexOf(v: unknown): number {
  const raw = typeof v === 'string' ? v : process.env.JOB_COMPLETION_INDEX;
  const from = typeof v === 'string' ? '--job' : 'JOB_COMPLETION_INDEX';
  if (raw === undefined) throw new UsageError('fold needs --job I (or the environment variable JOB_COMPLETION_INDEX, as Kubernetes Indexed Jobs set it)');
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${from} expects a job number 0, 1, 2…, got "${raw}"`);
  return Number(raw);
}

/** `label-lens fold PLAN_DIR [--job I] [--force]`: one job of a plan, its output written atomically. */
async function cmdFold(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { job: { type: 'string' }, force: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, json: { type: 'boolean' } });
  const planDir = planDirArg(positionals, 'fold');
  const index = jobIndexOf(values.job);
  let last = 0;
  const res = await runFoldJob(new DirStore(planDir), index, workerRunners, {
    force: values.force === true,
    onProgress: (p) => {
      const now = Date.now();
      if (values.quiet || (now - last < 2000 && p.epoch < p.epochs)) return;
      last = now;
      io.err(`job ${index} (repeat ${p.repeat + 1}, fold ${p.fold + 1}): ${p.stage ?? `epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toFixed(3)}, ${Math.round(p.rowsPerSec)} rows/s`}`);
    },
  });
  const job = res.plan.jobSpecs[index];
  if (values.json) io.out(JSON.stringify({ job: index, repeat: job.repeat, fold: job.fold, skipped: res.skipped, seconds: res.seconds, output: res.output }));
  else if (res.skipped) io.out(`job ${index} (repeat ${job.repeat + 1}, fold ${job.fold + 1}): already complete in ${res.output}; nothing to do (--force runs it again)`);
  else io.out(`job ${index} (repeat ${job.repeat + 1}, fold ${job.fold + 1}): ${job.held} rows held out, trained in ${res.seconds.toFixed(1)} s → ${res.output}`);
  return EXIT_OK;
}

function planDirArg(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one PLAN_DIR (the folder label-lens plan wrote), got ${positionals.length}`);
  return resolve(positionals[0]);
}

const mergeOptions = { out: { type: 'string' }, data: { type: 'string' }, top: { type: 'string' }, json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } } as const;

/** `label-lens merge PLAN_DIR [--out DIR] [--data FILE]`: the analysis, once every job is done. */
async function cmdMerge(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, mergeOptions);
  return mergeAndPrint(planDirArg(positionals, 'merge'), values, io);
}

async function mergeAndPrint(planDir: string, values: Record<string, unknown>, io: Io): Promise<number> {
  const store = new DirStore(planDir);
  const plan = await readPlanForThisBuild(store);
  const dataFile = typeof values.data === 'string' ? resolve(values.data) : undefined;
  const outDir = resolve(typeof values.out === 'string' ? values.out : resultsDirFor(dataFile ?? plan.dataset.file));
  const onResult = (r: { summary: Summary }) => {
    const s = r.summary;
    if (values.json) { io.out(JSON.stringify({ ...s, arrays: undefined }, null, 1)); return; }
    io.out(formatSuspects(s, toNumber(values.top, 'top') ?? 20));
    io.out('');
    io.out(formatSummary(s, outDir));
  };
  const res = await mergePlan(store, { outDir, dataFile, log: (l) => io.err(l), onResult, onMapProgress: (f, m) => { if (!values.quiet && !values.json) io.err(`[${(100 * f).toFixed(0).padStart(3)}%] map: ${m}`); } });
  if (values.json) return EXIT_OK;
  io.out(`merged ${plan.jobs} jobs of ${planDir} (their training: ${res.jobSeconds.toFixed(1)} s summed)`);
  if (res.map) io.out(mapLine({ ...res.map, mapPath: res.map.path, type: 'map-ready', jobId: 'merge' }));
  return EXIT_OK;
}

/**
 * `label-lens analyze [FILE] --jobs-dir PLAN_DIR [--parallel P]`: the jobs as separate processes on
 * this machine (P at a time), then the merge. With FILE, plans first; without, runs an existing plan.
 * Jobs already complete are not run again, so a run that was stopped picks up where it was.
 */
async function cmdAnalyzeJobs(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...planOptions, 'jobs-dir': { type: 'string' }, parallel: { type: 'string' }, top: { type: 'string' }, data: { type: 'string' } });
  const planDir = resolve(values['jobs-dir'] as string);
  const store = new DirStore(planDir);
  if (positionals.length > 1) throw new UsageError(`analyze --jobs-dir takes at most one FILE, got ${positionals.length}`);
  let plan: Plan;
  if (positionals.length === 1) {
    plan = await planInto(resolve(positionals[0]), values, store, io);
    if (!values.quiet) io.err(`plan: jobs: ${plan.jobs}`);
  } else plan = await readPlanForThisBuild(store);
  const parallel = toNumber(values.parallel, 'parallel') ?? Math.max(1, availableParallelism());
  if (!Number.isInteger(parallel) || parallel < 1) throw new UsageError(`--parallel expects a whole number ≥ 1, got ${String(values.parallel)}`);
  const todo: number[] = [];
  for (const job of plan.jobSpecs) if ((await readJobOutput(store, plan, job)).state !== 'done') todo.push(job.index);
  if (!values.quiet) io.err(`running ${todo.length} of ${plan.jobs} jobs, ${parallel} at a time${todo.length < plan.jobs ? ` (${plan.jobs - todo.length} already complete)` : ''}`);
  const failed = await runProcesses(planDir, todo, parallel, io, values.quiet === true);
  if (failed.length) throw new JobsNotDoneError(planDir, failed, [], plan.jobs);
  return mergeAndPrint(planDir, values, io);
}

/** Runs `label-lens fold PLAN_DIR --job I` for each index, `parallel` processes at once; returns the failed ones. */
async function runProcesses(planDir: string, jobs: number[], parallel: number, io: Io, quiet: boolean): Promise<number[]> {
  const failed: number[] = [];
  await inLanes(jobs.length, parallel, async (j) => {
    const index = jobs[j];
    const code = await new Promise<number>((done) => {
      const child = spawn(process.execPath, [join(__dirname, 'cli.js'), 'fold', planDir, '--job', String(index), ...(quiet ? ['-q'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
      const relay = (d: Buffer) => { for (const l of d.toString().split('\n')) if (l) io.err(l); };
      child.stdout.on('data', relay);
      child.stderr.on('data', relay);
      child.on('error', () => done(-1));
      child.on('close', (c) => done(c ?? -1));
    });
    if (code !== 0) failed.push(index);
  });
  if (failed.length) io.err(`jobs that failed: ${ranges(failed.sort((a, b) => a - b))}`);
  return failed;
}

/** Wraps `analyze`: with --jobs-dir it runs as separate job processes, else as before. */
export function analyzeWithJobsDir(analyze: (args: string[], io: Io) => Promise<number>): (args: string[], io: Io) => Promise<number> {
  return (args, io) => (args.some((a) => a === '--jobs-dir' || a.startsWith('--jobs-dir=')) ? cmdAnalyzeJobs(args, io) : analyze(args, io));
}

export const PLAN_HELP = `Bigger than one machine (see README "Bigger than one machine")
  plan FILE --out PLAN_DIR [training options]   featurize once, cut the analysis into jobs; prints jobs: N last
  fold PLAN_DIR --job I [--force]              run job I (or JOB_COMPLETION_INDEX) and write its output atomically
  merge PLAN_DIR [--out DIR] [--data FILE]     check every job, then score and write results as analyze does
  analyze [FILE] --jobs-dir PLAN_DIR [--parallel P]   plan (with FILE), run the jobs as processes here, merge`;

export const commands: Record<string, (args: string[], io: Io) => Promise<number>> = { plan: cmdPlan, fold: cmdFold, merge: cmdMerge };
