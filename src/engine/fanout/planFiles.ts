/**
 * The files of a plan in its store, read and written in one place:
 *   plan.json          what to run (src/protocol/plan.ts)
 *   inputs.bin         the featurized rows and training targets every job reads
 *   folds.bin          the labels and the fold assignment of every repeat (small: merge reads only this)
 *   jobs/job-NNNNN.bin one fold's out-of-fold outputs
 * Every binary file carries the plan's fingerprint; a file with another belongs to another plan.
 */
import { UserError } from '../../core/errors';
import type { BlobStore } from '../../core/storage';
import { checkPlan, PLAN_FILE, type JobSpec, type Plan } from '../../protocol/plan';
import type { TrainOptions } from '../../protocol/engine';
import type { FoldInput, FoldOutput } from '../trainFold';
import { need, pack, unpack, type Unpacked } from './packed';

/** What every fold of the plan shares: FoldInput without fold, repeat and foldOf. */
export type FoldBase = Omit<FoldInput, 'fold' | 'repeat' | 'foldOf'>;

export async function readPlan(store: BlobStore): Promise<Plan> {
  const where = store.describe(PLAN_FILE);
  const bytes = await store.read(PLAN_FILE);
  if (!bytes) throw new UserError('not-found', `${where}: no plan here; make one with label-lens plan FILE --out ${store.location}`, { file: where });
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new UserError('data', `${where}: not JSON (${(err as Error).message}); make the plan again`, { file: where });
  }
  const bad = checkPlan(v);
  if (bad) throw new UserError('data', `${where}: not a Label Lens plan: ${bad}`, { file: where });
  return v as Plan;
}

export async function writePlan(store: BlobStore, plan: Plan): Promise<void> {
  await store.write(PLAN_FILE, JSON.stringify(plan, null, 1) + '\n');
}

async function readPacked<M extends { fingerprint: string }>(store: BlobStore, key: string, plan: Plan, what: string): Promise<Unpacked<M>> {
  const where = store.describe(key);
  const bytes = await store.read(key);
  if (!bytes) throw new UserError('not-found', `${where}: missing (${what}); make the plan again`, { file: where });
  const u = unpack<M>(bytes, where);
  if (u.meta?.fingerprint !== plan.fingerprint) throw new UserError('data', `${where} belongs to another plan (fingerprint ${String(u.meta?.fingerprint).slice(0, 12)}, plan.json has ${plan.fingerprint.slice(0, 12)}); make the plan again`, { file: where });
  return u;
}

interface InputsMeta {
  fingerprint: string;
  classes: number;
  options: TrainOptions;
  text?: { rows: number; buckets: number };
  dense?: { dim: number; image?: { width: number; height: number } };
}

export function packInputs(fingerprint: string, base: FoldBase): Uint8Array {
  const meta: InputsMeta = {
    // A job trains its one fold in its own process: the planning machine's worker count means nothing there.
    fingerprint, classes: base.classes, options: { ...base.options, workers: 1 },
    text: base.text && { rows: base.text.rows, buckets: base.text.buckets },
    dense: base.dense && { dim: base.dense.dim, image: base.dense.image },
  };
  return pack(meta, {
    labels: base.labels, targets: base.targets, exclude: base.exclude,
    textIndptr: base.text?.indptr, textIndices: base.text?.indices, textIdf: base.text?.idf,
    denseX: base.dense?.x, extraRows: base.extraRows, extraLabels: base.extraLabels,
  });
}

export async function readInputs(store: BlobStore, plan: Plan): Promise<FoldBase> {
  const where = store.describe(plan.inputs);
  const u = await readPacked<InputsMeta>(store, plan.inputs, plan, 'the featurized inputs');
  const m = u.meta;
  const base: FoldBase = {
    classes: m.classes, options: m.options,
    labels: need(u, 'labels', Int32Array, where), targets: need(u, 'targets', Float32Array, where),
  };
  if (u.arrays.has('exclude')) base.exclude = need(u, 'exclude', Uint8Array, where);
  if (m.text) {
    base.text = { rows: m.text.rows, buckets: m.text.buckets, indptr: need(u, 'textIndptr', Uint32Array, where), indices: need(u, 'textIndices', Uint32Array, where) };
    if (u.arrays.has('textIdf')) base.text.idf = need(u, 'textIdf', Float32Array, where);
  }
  if (m.dense) base.dense = { dim: m.dense.dim, image: m.dense.image, x: need(u, 'denseX', Float32Array, where) };
  if (u.arrays.has('extraRows')) {
    base.extraRows = need(u, 'extraRows', Int32Array, where);
    base.extraLabels = need(u, 'extraLabels', Int32Array, where);
  }
  return base;
}

export function packFolds(fingerprint: string, labels: Int32Array, splits: Int8Array[]): Uint8Array {
  return pack({ fingerprint, repeats: splits.length }, { labels, ...Object.fromEntries(splits.map((s, r) => [`repeat${r}`, s])) });
}

/** The labels and the fold of each row in every repeat. */
export async function readFolds(store: BlobStore, plan: Plan): Promise<{ labels: Int32Array; splits: Int8Array[] }> {
  const key = plan.foldAssignment.file;
  const where = store.describe(key);
  const u = await readPacked<{ fingerprint: string; repeats: number }>(store, key, plan, 'the fold assignment');
  const splits = Array.from({ length: plan.foldAssignment.repeats }, (_, r) => need(u, `repeat${r}`, Int8Array, where));
  return { labels: need(u, 'labels', Int32Array, where), splits };
}

export interface JobMeta {
  fingerprint: string;
  codeVersion: string;
  index: number;
  repeat: number;
  fold: number;
  epochLoss: number[];
  epochAccuracy: number[];
  backend: string;
  model: string;
  /** Wall time of this job's training. */
  seconds: number;
}

export function packJobOutput(plan: Plan, job: JobSpec, out: FoldOutput, seconds: number): Uint8Array {
  const meta: JobMeta = {
    fingerprint: plan.fingerprint, codeVersion: plan.codeVersion, index: job.index, repeat: out.repeat, fold: out.fold,
    epochLoss: out.epochLoss, epochAccuracy: out.epochAccuracy, backend: out.backend, model: out.model, seconds,
  };
  return pack(meta, {
    held: out.held, ema: out.ema, student: out.student, teacher: out.teacher, pi: out.pi, piDisagree: out.piDisagree,
    piSpread: out.piSpread, history: out.history, flips: out.flips, unlabeled: out.unlabeled, unlabeledProbs: out.unlabeledProbs,
  });
}

export type JobState =
  | { state: 'done'; output: FoldOutput; seconds: number }
  | { state: 'missing' }
  /** From another plan, or not what this job should hold. */
  | { state: 'stale'; why: string }
  | { state: 'damaged'; why: string };

/** Job `job`'s output as merge sees it: complete and this plan's, or why not. */
export async function readJobOutput(store: BlobStore, plan: Plan, job: JobSpec): Promise<JobState> {
  const where = store.describe(job.output);
  const bytes = await store.read(job.output);
  if (!bytes) return { state: 'missing' };
  let u: Unpacked<JobMeta>;
  try {
    u = unpack<JobMeta>(bytes, where);
  } catch (err) {
    return { state: 'damaged', why: (err as Error).message };
  }
  const m = u.meta;
  if (m?.fingerprint !== plan.fingerprint) return { state: 'stale', why: `made for another plan (fingerprint ${String(m?.fingerprint).slice(0, 12)})` };
  if (m.index !== job.index || m.repeat !== job.repeat || m.fold !== job.fold) return { state: 'stale', why: `holds job ${m.index} (repeat ${m.repeat}, fold ${m.fold})` };
  try {
    const opt = (name: string) => (u.arrays.has(name) ? need(u, name, Float32Array, where) : undefined);
    const held = need(u, 'held', Int32Array, where);
    if (held.length !== job.held) return { state: 'stale', why: `holds out ${held.length} rows, the plan says ${job.held}` };
    const output: FoldOutput = {
      fold: m.fold, repeat: m.repeat, held,
      ema: need(u, 'ema', Float32Array, where), student: need(u, 'student', Float32Array, where),
      teacher: opt('teacher'), pi: opt('pi'),
      piDisagree: need(u, 'piDisagree', Uint8Array, where), piSpread: need(u, 'piSpread', Float32Array, where),
      history: need(u, 'history', Float32Array, where), flips: need(u, 'flips', Uint8Array, where),
      unlabeled: need(u, 'unlabeled', Int32Array, where), unlabeledProbs: need(u, 'unlabeledProbs', Float32Array, where),
      epochLoss: m.epochLoss, epochAccuracy: m.epochAccuracy, backend: m.backend, model: m.model,
    };
    return { state: 'done', output, seconds: m.seconds };
  } catch (err) {
    return { state: 'damaged', why: (err as Error).message };
  }
}
