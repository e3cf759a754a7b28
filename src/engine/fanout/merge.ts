/**
 * `label-lens merge PLAN_DIR`: every job's out-of-fold outputs gathered, scored and written exactly
 * as `analyze` does after its own folds (the same gatherFolds, score and writeResults), so the
 * results are the same bit for bit. Nothing is merged unless every job is there and belongs to this
 * plan; the error names the jobs to run again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../../core/errors';
import { sidecarPath } from '../../core/labels/sidecar';
import type { BlobStore } from '../../core/storage';
import { openDataset } from '../../core/table/dataset';
import type { Plan } from '../../protocol/plan';
import { gatherFolds } from '../crossval';
import { duplicates, score } from '../phases';
import { conflictRows, conflictsOf, findOutliers } from '../findings';
import { representationFor } from '../representation';
import type { MapOption } from '../projection';
import { mapFileEntry, writeMapAfter, type MapWritten } from '../mapResults';
import type { FoldOutput } from '../trainFold';
import { writeResults, type JobResult } from '../writeResults';
import { readFolds, readInputs, readJobOutput } from './planFiles';
import { readPlanForThisBuild } from './foldJob';
import { dataSha256, sha256 } from './version';

/** Jobs that merge cannot use yet: run these again (`label-lens fold PLAN_DIR --job I`). */
export class JobsNotDoneError extends UserError {
  constructor(readonly planDir: string, readonly missing: number[], readonly stale: { index: number; why: string }[], jobs: number) {
    const parts = [];
    if (missing.length) parts.push(`missing ${ranges(missing)}`);
    if (stale.length) parts.push(`not usable ${stale.map((s) => `${s.index} (${s.why})`).join(', ')}`);
    const redo = [...missing, ...stale.map((s) => s.index)].sort((a, b) => a - b);
    super('data', `${redo.length} of ${jobs} jobs are not complete: ${parts.join('; ')}. Run them again (label-lens fold ${planDir} --job I for each), then merge`);
    this.name = 'JobsNotDoneError';
  }
}

/** 0,1,2,5,7,8 → "0–2, 5, 7–8". */
export function ranges(xs: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length; i++) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    out.push(j > i ? `${xs[i]}–${xs[j]}` : String(xs[i]));
    i = j;
  }
  return out.join(', ');
}

export interface MergeOptions {
  outDir: string;
  /** The data file, when it is mounted at another path than the plan recorded. */
  dataFile?: string;
  log?: (line: string) => void;
  /** Called once the results are written, before the map is made (the CLI prints the table then). */
  onResult?: (res: JobResult) => void;
  onMapProgress?: (fraction: number, message: string) => void;
}

export async function mergePlan(store: BlobStore, o: MergeOptions): Promise<JobResult & { plan: Plan; jobSeconds: number; map?: MapWritten }> {
  const t0 = performance.now();
  const plan = await readPlanForThisBuild(store);
  const states = await Promise.all(plan.jobSpecs.map((j) => readJobOutput(store, plan, j)));
  const missing: number[] = [];
  const stale: { index: number; why: string }[] = [];
  const outputs: FoldOutput[] = [];
  let jobSeconds = 0;
  states.forEach((s, i) => {
    if (s.state === 'done') { outputs.push(s.output); jobSeconds += s.seconds; } else if (s.state === 'missing') missing.push(i); else stale.push({ index: i, why: s.why });
  });
  if (missing.length || stale.length) throw new JobsNotDoneError(store.location, missing, stale, plan.jobs);

  // The rows are named (ids, lines, given labels) from the data file: it must be the file planned.
  const file = o.dataFile ?? plan.dataset.file;
  const ds = openDataset(file, plan.dataset.spec);
  if (dataSha256(ds.table.path, 'bytes' in ds.table ? ds.table.bytes : undefined) !== plan.dataset.sha256) {
    throw new UserError('data', `${file} is not the file this plan was made from (its bytes changed since, sha256 differs): make the plan again`, { file });
  }
  const side = sidecarPath(file);
  const sidecarNow = existsSync(side) ? sha256(readFileSync(side)) : null;
  if (sidecarNow !== plan.dataset.sidecarSha256) o.log?.(`note: ${side} changed since the plan was made; the jobs trained on the soft targets as they were then`);

  const { images } = await readFolds(store, plan);
  const prep = await readInputs(store, plan);
  const base = prep.base;
  // The duplicates phase again (pure: the same groups as the plan found), for its findings.
  const dups = duplicates({ ds, options: plan.options }, prep);
  const cv = gatherFolds(base, outputs);
  const scores = score(prep, cv);
  const conflicts = conflictsOf(dups.groups, base.labels, ds.classes, scores.consensus, prep.kind === 'text' ? 'texts' : 'rows');
  // The jobs' outputs carry the folds' learned vectors (packTree packs FoldOutput whole), so the merge's
  // representation, outliers and map are analyze's.
  const representation = representationFor(prep.kind, base, cv.representation, ds.rowCount);
  const outliers = findOutliers(representation, base.options.seed);
  const tScore = performance.now();
  const res = writeResults(o.outDir, 'analysis', {
    ds, cv, scores, options: plan.options, kind: prep.kind, softTargets: prep.softTargets, images, probabilities: { kind: 'model' },
    excluded: prep.excluded, duplicates: dups, conflicts, conflict: conflictRows(dups.groups, conflicts), outliers, representation,
    // train: the jobs' own times summed (the machine-time of training, on however many machines).
    seconds: { ...plan.seconds, train: +jobSeconds.toFixed(3), score: secs(tScore - t0) }, // score: reading the job outputs, gathering and scoring
  }, mapFileEntry('analysis', base.options.map as MapOption, ds.rowCount));
  o.onResult?.(res);
  // Then the map, as analyze makes it (the same representation and seed: the same points).
  const map = await writeMapAfter(o.outDir, 'analysis', res.summary, representation, base.options.map as MapOption, base.options.seed, o.onMapProgress);
  return { ...res, plan, jobSeconds, map };
}

const secs = (ms: number) => +(ms / 1000).toFixed(3);
