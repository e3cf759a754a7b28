/**
 * `label-lens fold PLAN_DIR --job I`: one fold of one repeat of a plan, trained exactly as
 * `analyze` trains it (the same FoldInput, trainFold and model, in the same fold worker), its
 * out-of-fold outputs written in one atomic write. Killed half way, it leaves no output; run twice,
 * it leaves one complete output (the runs compute the same bytes); started again after success, it
 * sees the complete output and stops at once (unless forced).
 */
import { UserError } from '../../core/errors';
import type { BlobStore } from '../../core/storage';
import type { Plan } from '../../protocol/plan';
import type { RunnerFactory } from '../job';
import type { FoldProgress } from '../trainFold';
import { modelKindOf } from '../models/factories';
import { packJobOutput, readFolds, readInputs, readJobOutput, readPlan } from './planFiles';
import { codeVersion } from './version';

export interface FoldJobResult {
  plan: Plan;
  index: number;
  /** The output was already complete: nothing was trained. */
  skipped: boolean;
  seconds: number;
  output: string;
}

/** The plan, refused when another build of Label Lens made it (its results would differ). */
export async function readPlanForThisBuild(store: BlobStore): Promise<Plan> {
  const plan = await readPlan(store);
  const mine = codeVersion();
  if (plan.codeVersion !== mine) {
    throw new UserError('data', `${store.describe('plan.json')} was made by Label Lens ${plan.codeVersion}; this is ${mine}. Run plan, fold and merge with one build (one image), or make the plan again with this one`);
  }
  return plan;
}

export function checkJobIndex(plan: Plan, index: number, store: BlobStore): void {
  if (!Number.isInteger(index) || index < 0 || index >= plan.jobs) {
    throw new UserError('usage', `job ${index}: ${store.describe('plan.json')} has jobs 0..${plan.jobs - 1}`);
  }
}

/**
 * `runners`: how the fold trains. The CLI passes the engine's worker-thread runner (the fold runs in
 * dist/foldWorker.js, as each fold of `analyze` does); tests may train in-process.
 */
export async function runFoldJob(store: BlobStore, index: number, runners: RunnerFactory, opts: { force?: boolean; onProgress?: FoldProgress } = {}): Promise<FoldJobResult> {
  const plan = await readPlanForThisBuild(store);
  checkJobIndex(plan, index, store);
  const job = plan.jobSpecs[index];
  const output = store.describe(job.output);
  if (!opts.force && (await readJobOutput(store, plan, job)).state === 'done') return { plan, index, skipped: true, seconds: 0, output };
  const { base } = await readInputs(store, plan);
  const { splits } = await readFolds(store, plan);
  const t0 = performance.now();
  const { run, close } = runners(modelKindOf(plan.dataset.kind), opts.onProgress ?? (() => {}));
  let out;
  try {
    out = await run({ ...base, fold: job.fold, repeat: job.repeat, foldOf: splits[job.repeat] });
  } finally {
    close();
  }
  const seconds = +((performance.now() - t0) / 1000).toFixed(3);
  await store.write(job.output, packJobOutput(plan, job, out, seconds));
  return { plan, index, skipped: false, seconds, output };
}
