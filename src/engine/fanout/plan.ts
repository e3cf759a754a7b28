/**
 * `label-lens plan`: the load and featurize phases of an analysis, done once, and its K-fold ×
 * repeats training cut into independent jobs that any runner can start (Kubernetes Indexed Jobs,
 * xargs -P, the local runner). The inputs, the fold assignment and the options are those `analyze`
 * would use for the same file, options and seed, so the merged result is the same bit for bit.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { UserError } from '../../core/errors';
import type { BlobStore } from '../../core/storage';
import { sidecarPath } from '../../core/labels/sidecar';
import { optionsOf } from '../../core/table/dataset';
import type { DatasetSpec, TrainOptions } from '../../protocol/engine';
import { FOLDS_FILE, INPUTS_FILE, jobOutputKey, PLAN_FORMAT, PLAN_VERSION, type JobSpec, type Plan } from '../../protocol/plan';
import { foldAssignment } from '../crossval';
import { duplicates, featurize, load, tune } from '../phases';
import { packFolds, packInputs, writePlan } from './planFiles';
import { canonicalJson, codeVersion, dataSha256, sha256 } from './version';

export interface PlanRequest {
  dataset: DatasetSpec;
  options: Partial<TrainOptions>;
}

export async function makePlan(req: PlanRequest, store: BlobStore, log: (line: string) => void = () => {}): Promise<Plan> {
  const t0 = performance.now();
  const { file, ...spec } = req.dataset;
  // The phases analyze runs before training, as it runs them (src/engine/phases.ts).
  const loaded = load(req.dataset, req.options, true);
  const { ds } = loaded;
  if (loaded.options.prune) {
    // Its second pass trains without the rows the first pass flagged: the jobs of pass 2 would
    // depend on a merge of pass 1, which one Indexed Job cannot express.
    throw new UserError('usage', '--prune is not available with plan yet (its second pass needs the merged first pass); run analyze --prune on one machine');
  }
  const o = loaded.options;
  // Not yet cut into jobs: the user's probabilities or embeddings (and their k-NN part) enter before
  // and after training in ways a plan does not record yet.
  const byom = o.predProbs ? '--pred-probs' : o.embeddings ? '--embeddings' : o.encoder ? '--encoder' : ds.kind === 'embedding' ? 'an embedding column' : undefined;
  if (byom) throw new UserError('usage', `${byom} is not available with plan yet; run analyze on one machine`);
  const sidecarFile = sidecarPath(file);
  const sidecarSha256 = existsSync(sidecarFile) ? sha256(readFileSync(sidecarFile)) : null;
  const tLoad = performance.now();
  log(`featurizing ${ds.rowCount} rows (${ds.kind})`);
  const { prep, images } = await featurize(loaded, (done, total) => { if (done === total || done % 5000 === 0) log(`decoding images: ${done} of ${total}`); });
  log(`finding duplicates among ${ds.rowCount} rows`);
  // As analyze: groups of copies kept whole in the folds, redundant exact copies not trained on.
  duplicates(loaded, prep);
  tune(prep);
  const base = prep.base;
  const opts = base.options;
  const splits = foldAssignment(base, prep.group);
  const tFeaturize = performance.now();

  const { workers: _workers, ...decisive } = opts;
  const datasetSha256 = dataSha256(ds.table.path, 'bytes' in ds.table ? ds.table.bytes : undefined);
  const roles = { ...optionsOf(ds), kind: prep.kind };
  const version = codeVersion();
  const fingerprint = sha256(canonicalJson({ version, datasetSha256, sidecarSha256, spec, roles, options: decisive, seed: opts.seed }));

  const jobSpecs: JobSpec[] = [];
  for (let repeat = 0; repeat < opts.repeats; repeat++) {
    const counts = new Array<number>(opts.folds).fill(0);
    for (const f of splits[repeat]) if (f >= 0) counts[f]++;
    for (let fold = 0; fold < opts.folds; fold++) {
      const index = jobSpecs.length;
      jobSpecs.push({ index, repeat, fold, held: counts[fold], output: jobOutputKey(index) });
    }
  }
  const plan: Plan = {
    format: PLAN_FORMAT, version: PLAN_VERSION, fingerprint, codeVersion: version, createdAt: new Date().toISOString(),
    dataset: { file, sha256: datasetSha256, bytes: 'bytes' in ds.table ? ds.table.bytes.length : statSync(ds.table.path).size, spec, sidecarSha256, rows: ds.rowCount, kind: prep.kind, classes: ds.classes },
    roles, options: opts, seed: opts.seed, softTargets: prep.softTargets,
    inputs: INPUTS_FILE,
    foldAssignment: { file: FOLDS_FILE, function: 'crossval.foldAssignment', folds: opts.folds, repeats: opts.repeats },
    seconds: { load: secs(tLoad - t0), featurize: secs(tFeaturize - tLoad) },
    jobs: jobSpecs.length, jobSpecs,
  };
  log(`writing ${store.describe(INPUTS_FILE)}`);
  await store.write(INPUTS_FILE, packInputs(fingerprint, prep));
  await store.write(FOLDS_FILE, packFolds(fingerprint, base.labels, splits, images));
  // plan.json last: once it names this fingerprint, the files it points to are complete.
  await writePlan(store, plan);
  return plan;
}

const secs = (ms: number) => +(ms / 1000).toFixed(3);
