/**
 * plan.json: the contract between `label-lens plan`, the `fold` jobs (on other machines, maybe
 * another day) and `merge`. Everything that decides the results is in it or in the files it names,
 * and all of that is summed up in `fingerprint`: a job output or an input file carrying another
 * fingerprint belongs to another plan and is never mixed in.
 */
import type { DatasetSpec, TrainOptions } from './engine';

export const PLAN_FORMAT = 'label-lens-plan';
export const PLAN_VERSION = 1;
export const PLAN_FILE = 'plan.json';
export const INPUTS_FILE = 'inputs.bin';
export const FOLDS_FILE = 'folds.bin';

/** One fold of one repeat: train on the other folds, predict this one. */
export interface JobSpec {
  /** 0..jobs−1: the Kubernetes completion index. */
  index: number;
  repeat: number;
  fold: number;
  /** Labeled rows this job holds out (and predicts). */
  held: number;
  /** Key of its output in the plan's store. */
  output: string;
}

export interface Plan {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  /** sha256 of codeVersion, the dataset's and sidecar's bytes, the roles, the options and the seed. */
  fingerprint: string;
  /** The Label Lens build that made the plan; jobs and merge must run the same one. */
  codeVersion: string;
  createdAt: string;
  dataset: {
    /** As given to `plan` (absolute); `merge --data` points elsewhere when mounted at another path. */
    file: string;
    sha256: string;
    bytes: number;
    /** Role and encoding overrides as given. */
    spec: Omit<DatasetSpec, 'file'>;
    /** sha256 of the sidecar (soft targets) read with it, or null when there was none. */
    sidecarSha256: string | null;
    rows: number;
    /** text, pixels or tabular. */
    kind: string;
    classes: string[];
  };
  /** The roles as resolved (column names), the encoding and the format. */
  roles: Record<string, string | undefined>;
  /** Train options as resolved (folds, repeats and epochs for this data). */
  options: TrainOptions;
  seed: number;
  /** Rows whose targets came from the sidecar. */
  softTargets: number;
  /** The featurized rows every job reads. */
  inputs: string;
  /** The fold assignment of every repeat (Int8 per row, −1 = not held out anywhere). */
  foldAssignment: { file: string; function: string; folds: number; repeats: number };
  /** Time of the plan's own phases (load, featurize), for the merged summary. */
  seconds: Record<string, number>;
  jobs: number;
  jobSpecs: JobSpec[];
}

/** The key of job i's output. */
export function jobOutputKey(index: number): string {
  return `jobs/job-${String(index).padStart(5, '0')}.bin`;
}

/** Checks a parsed plan.json; returns the first problem, or undefined. */
export function checkPlan(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return 'not a JSON object';
  const p = v as Partial<Plan>;
  if (p.format !== PLAN_FORMAT) return `format is ${JSON.stringify(p.format)}, expected "${PLAN_FORMAT}"`;
  if (p.version !== PLAN_VERSION) return `version ${JSON.stringify(p.version)}: this Label Lens reads version ${PLAN_VERSION}; make the plan again`;
  for (const k of ['fingerprint', 'codeVersion', 'inputs'] as const) if (typeof p[k] !== 'string' || !p[k]) return `${k} must be a non-empty string`;
  const d = p.dataset;
  if (!d || typeof d.file !== 'string' || typeof d.sha256 !== 'string' || !Number.isInteger(d.rows) || !Array.isArray(d.classes)) return 'dataset must name file, sha256, rows and classes';
  if (!p.options || typeof p.options !== 'object') return 'options must be an object';
  const fa = p.foldAssignment;
  if (!fa || typeof fa.file !== 'string' || !Number.isInteger(fa.folds) || !Number.isInteger(fa.repeats)) return 'foldAssignment must name file, folds and repeats';
  if (!Number.isInteger(p.jobs) || p.jobs! < 1) return 'jobs must be a positive integer';
  if (!Array.isArray(p.jobSpecs) || p.jobSpecs.length !== p.jobs) return `jobSpecs must list ${p.jobs} jobs`;
  for (let i = 0; i < p.jobSpecs.length; i++) {
    const j = p.jobSpecs[i];
    if (!j || j.index !== i || !Number.isInteger(j.repeat) || !Number.isInteger(j.fold) || !Number.isInteger(j.held) || j.output !== jobOutputKey(i)) return `jobSpecs[${i}] is malformed`;
  }
  return undefined;
}
