/**
 * One analysis or retrain, start to finish. This module orchestrates only: it runs the phases
 * (./phases: load → featurize → train folds → score; ./writeResults: write) in order, times each
 * one, reports progress through `emit` and stops when `cancelled()` turns true. Once the results
 * are written it hands them to `onResult` (the engine reports the job's result then) and makes the
 * embedding map after them (./mapResults: phase `map`, its own file), which is cancellable too.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { scoreConsensus } from '../core/signals/score';
import type { Dataset } from '../core/table/dataset';
import { PrepareError } from './prepare';
import { externalEmbeddings, givenAsCrossVal, KNN, knnPart, loadGiven } from './ownModel';
import { readRun, readSummary, resultFiles, type ProbabilitySource, type Summary } from '../core/results';
import type { AnalyzeRequest, Phase, ProgressMessage, RetrainRequest } from '../protocol/engine';
import type { FoldRunner } from './crossval';
import type { CrossValResult } from './crossval';
import { duplicateOptions, duplicates, featurize, load, releaseFeatures, score, searchesTextOnly, trainFolds, tune, tuneWith, withDuplicates, type Loaded } from './phases';
import { shareTexts } from './sharedTexts';
import type { CTask } from './models/regularization';
import { fromParts, type DuplicateParts, type TextDuplicatesTask } from './duplicatesTask';
import { conflictRows, conflictsOf, duplicateText, findOutliers, type DuplicateFinding, type Outliers } from './findings';
import { representationFor, type Representation } from './representation';
import type { MapOption } from './projection';
import { mapFileEntry, writeMapAfter, type MapWritten } from './mapResults';
import type { FoldProgress } from './trainFold';
import { modelKindOf, type ModelKind } from './models/factories';
import type { Prepared } from './prepare';
import { summarize, writeResults, type JobResult, type Trained } from './writeResults';

export { resolveOptions } from './phases';
export type { JobResult } from './writeResults';

export class CancelledError extends Error {
  constructor() { super('cancelled'); this.name = 'CancelledError'; }
}

export type Emit = (p: Omit<ProgressMessage, 'type' | 'jobId'>) => void;

/** Runs the folds of one job; implemented with worker threads by the engine, in-process by tests. */
export type RunnerFactory = (kind: ModelKind, onProgress: FoldProgress) => {
  run: FoldRunner;
  close: () => void;
  lossOfC?: (task: CTask, C: number) => Promise<number>;
  /** The text duplicates search on a worker (without it, the job searches in its own thread). */
  textDuplicates?: (task: TextDuplicatesTask, onTick?: (fraction: number) => void) => Promise<DuplicateParts>;
  /** Outlier scores on a worker (without it, in the job's thread). */
  outliers?: (rep: Representation, seed: number, onTick?: (fraction: number) => void) => Promise<Outliers>;
};

/** Seconds per phase, laps of one clock. */
function stopwatch(): { seconds: Partial<Record<Phase, number>>; lap: (p: Phase) => void } {
  const seconds: Partial<Record<Phase, number>> = {};
  let t = performance.now();
  return { seconds, lap: (p) => { const now = performance.now(); seconds[p] = +((now - t) / 1000).toFixed(3); t = now; } };
}

/** A text duplicates search running on a worker: its result, the runner to close, and where its progress goes. */
interface Search { parts: Promise<DuplicateParts>; close: () => void; tick: { to?: (fraction: number) => void } }

/**
 * Starts the duplicates search of a text file on a worker: it reads only the texts (shared, see
 * ./sharedTexts), so it runs on the second core while this thread featurizes, and this thread stays
 * free to hear a cancel (which terminates the worker). Undefined when the runners have no workers.
 */
async function startSearch(l: Loaded, runners: RunnerFactory, check: () => void): Promise<Search | undefined> {
  const r = runners(modelKindOf('text'), () => {});
  if (!r.textDuplicates) { r.close(); return undefined; }
  try {
    const texts = await shareTexts(l.ds.rowCount, duplicateText(l.ds), check);
    const tick: Search['tick'] = {};
    const parts = r.textDuplicates({ texts, opts: duplicateOptions(l) }, (f) => tick.to?.(f));
    // Awaited in the duplicates phase; a failure before then (a cancel) must not count as unhandled.
    parts.catch(() => undefined);
    return { parts, close: r.close, tick };
  } catch (err) {
    r.close();
    throw err;
  }
}

async function train(req: AnalyzeRequest | RetrainRequest, emit: Emit, cancelled: () => boolean, runners: RunnerFactory, useSidecar: boolean): Promise<Trained> {
  const atEnd: (() => void)[] = [];
  try {
    return await trainWith(req, emit, cancelled, runners, useSidecar, atEnd);
  } finally {
    for (const f of atEnd) f();
  }
}

/** `atEnd`: what the job must close however it ends (the duplicates search's worker). */
async function trainWith(req: AnalyzeRequest | RetrainRequest, emit: Emit, cancelled: () => boolean, runners: RunnerFactory, useSidecar: boolean, atEnd: (() => void)[]): Promise<Trained> {
  const { seconds, lap } = stopwatch();
  const check = () => { if (cancelled()) throw new CancelledError(); };

  emit({ phase: 'load', fraction: 0, message: `reading ${req.dataset.file}` });
  const loaded = load(req.dataset, req.options, useSidecar);
  const { ds, options } = loaded;
  const given = options.predProbs ? loadGiven(ds, options.predProbs, options.normalize) : undefined;
  lap('load');
  check();
  const source: ProbabilitySource = given ? { kind: options.ensemble ? 'ensemble' : 'given', file: given.file, format: given.format, normalized: given.normalized } : { kind: 'model' };
  emit({ phase: 'featurize', fraction: 0.02, message: `featurizing ${ds.rowCount} rows (${ds.kind})` });
  const external = await externalEmbeddings(ds, {
    file: options.embeddings || undefined, encoder: options.encoder || undefined,
    onProgress: (f, message) => emit({ phase: 'featurize', fraction: 0.02 + 0.03 * f, message }), cancelled,
  });
  check();
  const search = searchesTextOnly(loaded, external) ? await startSearch(loaded, runners, check) : undefined;
  if (search) atEnd.push(search.close);
  // Text hashing reports as it goes: its messages go out while it runs (an IPC write is sent at once when the pipe is free).
  const { prep, images } = await featurize(loaded, (done, total) => emit({ phase: 'featurize', fraction: 0.02 + 0.03 * (done / total), message: `decoding images: ${done} of ${total}` }), check, external,
    (done, total) => emit({ phase: 'featurize', fraction: 0.02 + 0.03 * (done / total), message: `featurizing: ${done} of ${total} rows` }));
  if (prep.kind === 'embedding') source.embeddings = external ? { source: external.source, dim: external.dim, encoder: external.encoder, cached: external.cached, seconds: external.seconds } : { source: `column "${ds.table.header[ds.roles.embedding!]}"`, dim: prep.base.dense!.dim };
  if (prep.kind === 'embedding' && options.knn) emit({ phase: 'featurize', fraction: 0.05, message: `k-NN label agreement on ${prep.base.dense!.dim}-d embeddings` });
  const knn = prep.kind === 'embedding' && options.knn ? knnPart(prep.base.dense!.x, prep.base.dense!.dim, prep.base.labels, prep.base.classes) : undefined;
  if (knn) source.knn = KNN.k;
  const own = { given: given?.probs, knn };
  if (images?.failed.length) emit({ phase: 'featurize', fraction: 0.05, message: `${images.failed.length} images could not be decoded and are skipped: ${images.failed.slice(0, 3).map((f) => `${f.id} (${f.message})`).join('; ')}${images.failed.length > 3 ? '; …' : ''}` });
  const opts = prep.base.options;
  const ahead = !given || options.ensemble ? startOutliers(prep, runners, ds.rowCount, opts.seed, atEnd) : undefined;
  lap('featurize');
  check();
  emit({ phase: 'duplicates', fraction: 0.05, message: `finding duplicates among ${ds.rowCount} rows` });
  // Text: reported as it goes (in this thread, sync work: each message is written to the pipe at once).
  const dupTick = (f: number) => emit({ phase: 'duplicates', fraction: 0.05, message: `finding duplicates among ${ds.rowCount} rows: ${Math.round(100 * f)}%` });
  let dups: DuplicateFinding;
  if (search) {
    search.tick.to = dupTick;
    dups = withDuplicates(loaded, prep, fromParts(await search.parts));
    search.close();
  } else dups = duplicates(loaded, prep, dupTick);
  const tuned = given && !options.ensemble ? undefined : await tuneOn(prep, runners);
  if (tuned) emit({ phase: 'duplicates', fraction: 0.05, message: tuned });
  lap('duplicates');
  check();
  if (given && !options.ensemble) {
    // The user's model stands in for ours: nothing to train. Duplicates, conflicts and outliers
    // come from the data, so they are found as in a trained run.
    checkScorable(ds);
    const cv = givenAsCrossVal(given, ds.rowCount, ds.classes.length);
    emit({ phase: 'score', fraction: 0.9, message: `scoring rows from ${given.file}` });
    const scores = scoreConsensus({ K: cv.K, labels: ds.labels }, given.probs);
    const conflicts = conflictsOf(dups.groups, prep.base.labels, ds.classes, scores.consensus, prep.kind === 'text' ? 'texts' : 'rows');
    const representation = representationFor(prep.kind, prep.base, undefined, ds.rowCount);
    const outliers = findOutliers(representation, opts.seed);
    lap('score');
    return {
      ds, cv, scores, options, kind: prep.kind, softTargets: 0, seconds, images, probabilities: source,
      excluded: prep.excluded, duplicates: dups, conflicts, conflict: conflictRows(dups.groups, conflicts), outliers, representation,
    };
  }

  const passes = opts.prune ? 2 : 1;
  const total = passes * opts.repeats * opts.folds * opts.epochs;
  const done = new Map<number, number>();
  const started = performance.now();
  let pass = 0;
  const { run, close } = runners(modelKindOf(prep.kind), (p) => {
    done.set((pass * opts.repeats + p.repeat) * opts.folds + p.fold, p.epoch + (p.partial ?? 0));
    const steps = [...done.values()].reduce((a, b) => a + b, 0);
    const elapsed = (performance.now() - started) / 1000;
    const eta = steps ? (elapsed / steps) * (total - steps) : undefined;
    emit({
      phase: 'train', fraction: 0.05 + 0.9 * (steps / total), fold: p.fold + 1, folds: opts.folds, epoch: p.epoch, epochs: p.epochs,
      rowsPerSec: Math.round(p.rowsPerSec), loss: +p.loss.toFixed(4), etaSeconds: eta !== undefined ? Math.round(eta) : undefined,
      message: `${passes > 1 ? `pass ${pass + 1}/2, ` : ''}${opts.repeats > 1 ? `repeat ${p.repeat + 1}/${opts.repeats}, ` : ''}fold ${p.fold + 1}/${opts.folds}, ${p.stage ? p.stage : p.partial !== undefined ? `epoch ${p.epoch + 1}/${p.epochs} ${Math.round(100 * p.partial)}%` : `epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toFixed(3)}`}${p.stage ? '' : `, ${Math.round(p.rowsPerSec)} rows/s`}`,
    });
  });
  const runChecked: FoldRunner = async (input) => { check(); return run(input); };
  let cv: CrossValResult;
  let pruned: number | undefined;
  let exclude: Uint8Array | undefined;
  try {
    cv = await trainFolds(prep, runChecked);
    if (opts.prune) {
      // Pass 2: a model that never trains on the rows pass 1 flagged cannot have learned their
      // (systematic) errors; it predicts every row again, held out as before.
      pass = 1;
      exclude = Uint8Array.from(score(prep, cv, own).flagged);
      pruned = exclude.reduce((a, b) => a + b, 0);
      cv = await trainFolds(prep, runChecked, exclude);
    }
  } finally {
    close();
  }
  check();
  lap('train');
  emit({ phase: 'score', fraction: 0.96, message: 'scoring rows' });
  const representation = ahead?.representation ?? shared(representationFor(prep.kind, prep.base, cv.representation, ds.rowCount));
  // The shared copy is the one kept (1M rows × 23-d: 92 MB each).
  cv.representation = undefined;
  const outlierTick = (f: number) => emit({ phase: 'score', fraction: 0.96, message: `outlier scores: ${Math.round(100 * f)}% of ${ds.rowCount} rows` });
  // Outliers read only the representation: on a worker, where a cancel is heard through them (a
  // table's started before its folds: startOutliers).
  const find = ahead ? undefined : outlierWorker(prep.kind, runners, atEnd);
  const findOn = () => find?.(representation, opts.seed, outlierTick);
  // Below SCORE_BESIDE_ROWS the worker finds them while this thread runs naive Bayes (SMS: 70 ms
  // of naive Bayes, then 100 ms of outliers, one after the other with a core idle). Above, not beside
  // naive Bayes: at 1M rows, with the two together (and the representation held twice), the
  // engine went from 1,376 MiB at the end of training to 1,482 MiB in score; after the features are
  // dropped the worker adds to less.
  const beside = ahead !== undefined || ds.rowCount < SCORE_BESIDE_ROWS;
  const early = ahead ? ahead.outliers : beside ? findOn() : undefined;
  // Naive Bayes (in score) is the features' last reader. A pruned run's naive Bayes part leaves
  // out the rows its second pass did. It is a sync loop here (1M rows: tens of seconds), so it
  // reports as it goes.
  const scores = score(prep, cv, own, exclude, (f) => emit({ phase: 'score', fraction: 0.96, message: `naive Bayes: ${Math.round(100 * f)}% of ${ds.rowCount} rows` }));
  releaseFeatures(prep);
  const outliersFound = beside ? early : findOn();
  const conflicts = conflictsOf(dups.groups, prep.base.labels, ds.classes, scores.consensus, prep.kind === 'text' ? 'texts' : 'rows');
  const outliers = outliersFound ? await outliersFound : findOutliers(representation, opts.seed, outlierTick);
  check();
  lap('score');
  if (given) cv = { ...cv, model: `${cv.model} + given probabilities (${basename(given.file)})` };
  return {
    ds, cv, scores, options: opts, kind: prep.kind, softTargets: prep.softTargets, seconds, pruned, images, probabilities: source,
    excluded: prep.excluded, duplicates: dups, conflicts, conflict: conflictRows(dups.groups, conflicts), outliers, representation,
  };
}

/**
 * Rows below which the outlier scores run on a worker beside naive Bayes and the consensus (the
 * score phase's two halves at once); above, after them, for the engine's peak memory (see train).
 */
export const SCORE_BESIDE_ROWS = 100_000;

/**
 * Rows up to which a table's outliers are scored from the start of the duplicates phase: beside the
 * training, its copy of the features (standardised) is held through the folds, which at this size
 * weighs nothing.
 */
export const EARLY_OUTLIERS_ROWS = 50_000;

/**
 * A table's (or embeddings') representation is its standardised features, known before any fold
 * trains: its outlier scores start on the warm worker now and are ready by the score phase, where
 * otherwise this thread waited for them after the folds (digits: 0.1–0.2 s). The worker goes back
 * to the pool as soon as they are done, for the folds (foldPool: a small table's fit or fold goes to
 * an idle warm worker). Undefined for other kinds, large tables and runners without workers (the
 * score phase then finds the outliers as before).
 */
function startOutliers(prep: Prepared, runners: RunnerFactory, rows: number, seed: number, atEnd: (() => void)[]): { representation: Representation; outliers: Promise<Outliers> } | undefined {
  if ((prep.kind !== 'tabular' && prep.kind !== 'embedding') || rows >= EARLY_OUTLIERS_ROWS) return undefined;
  const find = outlierWorker(prep.kind, runners, atEnd);
  if (!find) return undefined;
  const representation = shared(representationFor(prep.kind, prep.base, undefined, rows));
  return { representation, outliers: find(representation, seed) };
}

/**
 * Outlier scores on a worker of their own runner (closed with the job, and as soon as they are
 * done, so the worker goes back to the pool), or undefined when the runners have no workers (this
 * thread then finds them). A failure before the scores are awaited (a cancel) is not unhandled.
 */
function outlierWorker(kind: Prepared['kind'], runners: RunnerFactory, atEnd: (() => void)[]): ((rep: Representation, seed: number, tick?: (fraction: number) => void) => Promise<Outliers>) | undefined {
  const r = runners(modelKindOf(kind), () => {});
  const outliers = r.outliers;
  if (!outliers) { r.close(); return undefined; }
  atEnd.push(r.close);
  return (rep, seed, tick) => {
    const found = outliers(rep, seed, tick);
    found.catch(() => undefined);
    found.finally(r.close).catch(() => undefined);
    return found;
  };
}

/** The representation with its rows in a SharedArrayBuffer, so that a worker reads them without a copy. */
function shared(rep: Representation): Representation {
  if (rep.x.buffer instanceof SharedArrayBuffer) return rep;
  const x = new Float32Array(new SharedArrayBuffer(rep.x.byteLength));
  x.set(rep.x);
  return { ...rep, x };
}

/** Called once the results are on disk, before the map is made. */
export type OnResult = (res: JobResult) => void;

/** A job's outcome: its results, and its map once written (absent with --map none). */
export type JobDone = JobResult & { map?: MapWritten };

/** The map phase of a written run (see ./mapResults): progress as phase `map`, cancellable. */
async function mapPhase(outDir: string, kind: 'analysis' | 'retrain', res: JobResult, tr: Trained, emit: Emit, cancelled: () => boolean, prefix = ''): Promise<MapWritten | undefined> {
  if (!res.summary.mapFile || !tr.representation) return undefined;
  const check = () => { if (cancelled()) throw new CancelledError(); };
  emit({ phase: 'map', fraction: 0, message: `${prefix}projecting ${tr.ds.rowCount.toLocaleString('en-US')} rows` });
  // The phase says "map" already (the CLI prints "map: …"; the Map tab "Computing the map… 40% · …").
  return writeMapAfter(outDir, kind, res.summary, tr.representation, tr.options.map as MapOption, tr.options.seed, (fraction, message) => emit({ phase: 'map', fraction, message: prefix + message.replace(/^map: /, '') }), check);
}

/** The C search on the runner's workers when it has them (their idle workers then train the folds), else here. */
async function tuneOn(prep: Parameters<typeof tune>[0], runners: RunnerFactory): Promise<string | undefined> {
  if (prep.kind !== 'tabular') return undefined;
  const r = runners('tabular', () => {});
  try {
    return r.lossOfC ? await tuneWith(prep, r.lossOfC) : tune(prep);
  } finally {
    r.close();
  }
}

/** What scoring needs of a dataset when no model is trained (prepare checks the same for training). */
function checkScorable(ds: Dataset): void {
  if (ds.roles.label === undefined) throw new PrepareError(`${ds.table.name}: no label column; name it with --label`);
  if (ds.classes.length < 2) throw new PrepareError(`${ds.table.name}: ${ds.classes.length} class${ds.classes.length === 1 ? '' : 'es'}: expected at least 2`);
}

export async function runAnalyze(req: AnalyzeRequest, emit: Emit, cancelled: () => boolean, runners: RunnerFactory, onResult: OnResult = () => {}): Promise<JobDone> {
  const tr = await train(req, emit, cancelled, runners, true);
  emit({ phase: 'write', fraction: 0.98, message: `writing results to ${req.outDir}` });
  const res = writeResults(req.outDir, 'analysis', tr, mapFileEntry('analysis', tr.options.map as MapOption, tr.ds.rowCount), (message) => emit({ phase: 'write', fraction: 0.98, message }));
  onResult(res);
  return { ...res, map: await mapPhase(req.outDir, 'analysis', res, tr, emit, cancelled) };
}

/** Rows the analysis flagged whose label in the file now differs from the label it analysed. */
function fixedSince(analysis: ReturnType<typeof readRun>, tr: Trained): number | undefined {
  if (!analysis || analysis.summary.rows !== tr.ds.rowCount) return undefined;
  const { flagged, label } = analysis.arrays;
  const classes = analysis.summary.classes;
  let n = 0;
  for (let i = 0; i < flagged.length; i++) if (flagged[i] === 1 && label[i] >= 0 && classes[label[i]] !== tr.ds.labelName(i)) n++;
  return n;
}

/**
 * Retrain on the current labels, the sidecar's soft targets and the chosen imbalance remedy. The
 * "before" is the last analysis in `outDir` when there is one, else a plain run on the same labels.
 */
export async function runRetrain(req: RetrainRequest, emit: Emit, cancelled: () => boolean, runners: RunnerFactory, onResult: OnResult = () => {}): Promise<JobDone> {
  const analysisSummary = resultFiles(req.outDir, 'analysis').summary;
  let before: Omit<Summary, 'arrays'>;
  if (existsSync(analysisSummary)) before = readSummary(analysisSummary);
  else {
    // Only its summary is kept: no map.
    const plain = { ...req, options: { ...req.options, imbalance: 'none' as const, labelSmoothing: 0, map: 'none' as const } };
    before = summarize('analysis', await train(plain, (p) => emit({ ...p, fraction: p.fraction / 2, message: `before: ${p.message}` }), cancelled, runners, false));
  }
  const tr = await train(req, (p) => emit({ ...p, message: `retrain: ${p.message}` }), cancelled, runners, true);
  emit({ phase: 'write', fraction: 0.98, message: `writing results to ${req.outDir}` });
  let fixed: number | undefined;
  try { fixed = fixedSince(readRun(req.outDir, 'analysis'), tr); } catch { fixed = undefined; }
  const { oofAccuracy, flagged, classStats, createdAt, options, foldAccuracy } = before;
  const res = writeResults(req.outDir, 'retrain', tr, { before: { oofAccuracy, flagged, classStats, createdAt, options, ...(foldAccuracy ? { foldAccuracy } : {}) }, fixed, ...mapFileEntry('retrain', tr.options.map as MapOption, tr.ds.rowCount) }, (message) => emit({ phase: 'write', fraction: 0.98, message: `retrain: ${message}` }));
  onResult(res);
  return { ...res, map: await mapPhase(req.outDir, 'retrain', res, tr, emit, cancelled, 'retrain: ') };
}
