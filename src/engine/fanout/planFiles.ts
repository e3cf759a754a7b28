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
import type { DecodedImages } from '../images';
import type { Prepared } from '../prepare';
import type { FoldOutput } from '../trainFold';
import { packTree, unpackTree } from './packed';

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

/** A packed tree of this plan: refused when it carries another plan's fingerprint. */
async function readTree<T extends { fingerprint: string }>(store: BlobStore, key: string, plan: Plan, what: string): Promise<T> {
  const where = store.describe(key);
  const bytes = await store.read(key);
  if (!bytes) throw new UserError('not-found', `${where}: missing (${what}); make the plan again`, { file: where });
  const t = unpackTree<T>(bytes, where);
  if (t?.fingerprint !== plan.fingerprint) throw new UserError('data', `${where} belongs to another plan (fingerprint ${String(t?.fingerprint).slice(0, 12)}, plan.json has ${plan.fingerprint.slice(0, 12)}); make the plan again`, { file: where });
  return t;
}

/**
 * The featurized run as analyze holds it before training (every field of Prepared: the fold inputs,
 * the data kind, anything a phase adds), typed arrays as arrays, the rest as JSON.
 */
export function packInputs(fingerprint: string, prep: Prepared): Uint8Array {
  // A job trains its one fold in its own process: the planning machine's worker count means nothing there.
  return packTree({ fingerprint, prep: { ...prep, base: { ...prep.base, options: { ...prep.base.options, workers: 1 } } } });
}

export async function readInputs(store: BlobStore, plan: Plan): Promise<Prepared> {
  const where = store.describe(plan.inputs);
  const { prep } = await readTree<{ fingerprint: string; prep: Prepared }>(store, plan.inputs, plan, 'the featurized inputs');
  const base = prep?.base;
  const N = plan.dataset.rows;
  const K = plan.dataset.classes.length;
  if (!(base?.labels instanceof Int32Array) || base.labels.length !== N || !(base.targets instanceof Float32Array) || base.targets.length !== N * K) {
    throw new UserError('data', `${where}: does not hold ${N} rows × ${K} classes of inputs; make the plan again`, { file: where });
  }
  return prep;
}

/** What merge needs of the plan, besides the job outputs (small beside inputs.bin). */
export interface FoldsFile {
  labels: Int32Array;
  /** The fold of each row in each repeat. */
  splits: Int8Array[];
  /** An image dataset's decode: the write phase keeps its thumbnails. */
  images?: DecodedImages;
}

export function packFolds(fingerprint: string, labels: Int32Array, splits: Int8Array[], images?: DecodedImages): Uint8Array {
  return packTree({ fingerprint, labels, splits, images });
}

/** The labels, the fold of each row in every repeat, and the decoded images (if any). */
export async function readFolds(store: BlobStore, plan: Plan): Promise<FoldsFile> {
  const key = plan.foldAssignment.file;
  const where = store.describe(key);
  const t = await readTree<FoldsFile & { fingerprint: string }>(store, key, plan, 'the fold assignment');
  const N = plan.dataset.rows;
  if (!(t.labels instanceof Int32Array) || t.labels.length !== N || !Array.isArray(t.splits) || t.splits.length !== plan.foldAssignment.repeats || !t.splits.every((s) => s instanceof Int8Array && s.length === N)) {
    throw new UserError('data', `${where}: does not hold the ${plan.foldAssignment.repeats} fold assignments of ${N} rows; make the plan again`, { file: where });
  }
  return { labels: t.labels, splits: t.splits, images: t.images };
}

interface JobFile {
  fingerprint: string;
  codeVersion: string;
  index: number;
  /** Wall time of this job's training. */
  seconds: number;
  output: FoldOutput;
}

export function packJobOutput(plan: Plan, job: JobSpec, output: FoldOutput, seconds: number): Uint8Array {
  return packTree({ fingerprint: plan.fingerprint, codeVersion: plan.codeVersion, index: job.index, seconds, output } satisfies JobFile);
}

export type JobState =
  | { state: 'done'; output: FoldOutput; seconds: number }
  | { state: 'missing' }
  /** From another plan, or not what this job should hold; or a file that is not a complete job output. */
  | { state: 'stale'; why: string };

/** Job `job`'s output as merge sees it: complete and this plan's, or why not. */
export async function readJobOutput(store: BlobStore, plan: Plan, job: JobSpec): Promise<JobState> {
  const where = store.describe(job.output);
  const bytes = await store.read(job.output);
  if (!bytes) return { state: 'missing' };
  let f: JobFile;
  try {
    f = unpackTree<JobFile>(bytes, where);
  } catch (err) {
    return { state: 'stale', why: (err as Error).message };
  }
  if (f?.fingerprint !== plan.fingerprint) return { state: 'stale', why: `made for another plan (fingerprint ${String(f?.fingerprint).slice(0, 12)})` };
  const o = f.output;
  if (f.index !== job.index || o?.repeat !== job.repeat || o.fold !== job.fold) return { state: 'stale', why: `holds job ${f.index} (repeat ${o?.repeat}, fold ${o?.fold})` };
  const K = plan.dataset.classes.length;
  if (!(o.held instanceof Int32Array) || o.held.length !== job.held || !(o.student instanceof Float32Array) || o.student.length !== job.held * K) {
    return { state: 'stale', why: `does not hold the ${job.held} rows this job holds out` };
  }
  return { state: 'done', output: o, seconds: f.seconds };
}
