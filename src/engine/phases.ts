/**
 * The phases of a job, each callable on its own (the job runs them in order; a fan-out runs
 * `trainFolds` on other machines and merges): load → featurize → train folds → score; writing is
 * in ./writeResults. No progress, timing or cancellation here: the job adds those.
 */
import { availableParallelism } from 'node:os';
import { readSidecar, type Sidecar } from '../core/labels/sidecar';
import { consensusOf, scoreConsensus, type Scores } from '../core/signals/score';
import { DUPLICATE_LABEL_WEIGHT, withDuplicateLabels } from '../core/signals/duplicateLabels';
import { openDataset, type Dataset } from '../core/table/dataset';
import { DEFAULT_TRAIN_OPTIONS, type DatasetSpec, type TrainOptions } from '../protocol/engine';
import { crossValidate, foldAssignment, type CrossValResult, type FoldRunner } from './crossval';
import { inLanes } from '../core/lanes';
import { C_GRID, chooseCOf, pickC, type CChoice, type CTask } from './models/regularization';
import { TABULAR, tabularModels } from './models/factories';
import { decodeImages, type DecodedImages } from './images';
import { prepare, textRows, type Prepared } from './prepare';
import type { EmbeddingRows } from '../core/embeddings';
import { consensusParts } from './ownModel';
import { textEpochs } from './prepare';
import { DEFAULT_DUPLICATES, redundantCopies, type DuplicateOptions } from './duplicates';
import { findDuplicates, type DuplicateFinding } from './findings';
import { naiveBayesFits, naiveBayesPart } from './models/naiveBayes';

export interface Loaded {
  ds: Dataset;
  /** The options asked for, with defaults (still 0 = by data kind for epochs and repeats). */
  options: TrainOptions;
  sidecar?: Sidecar;
}

/** The request's options with every default filled in (workers 0 = one per core). */
export function resolveOptions(o: Partial<TrainOptions>): TrainOptions {
  const opts = { ...DEFAULT_TRAIN_OPTIONS, ...o };
  if (!opts.workers) opts.workers = Math.max(1, availableParallelism());
  return opts;
}

/** Load: the dataset as the request says to read it, and its sidecar's soft targets when asked. */
export function load(dataset: DatasetSpec, options: Partial<TrainOptions>, useSidecar: boolean): Loaded {
  const { file, ...how } = dataset;
  const ds = openDataset(file, how);
  return { ds, options: resolveOptions(options), sidecar: useSidecar ? readSidecar(file) : undefined };
}

export interface Featurized {
  prep: Prepared;
  /** An image dataset's decode (the model's input, and the thumbnails the editor shows). */
  images?: DecodedImages;
}

/**
 * Featurize: features by data kind (images decoded first, reporting `onImages` and calling `check`
 * between batches; text rows hashed, reporting `onRows`), training targets, the options resolved for the data kind.
 */
export async function featurize(l: Loaded, onImages: (done: number, total: number) => void = () => {}, check: () => void = () => {}, embeddings?: EmbeddingRows, onRows?: (done: number, total: number) => void): Promise<Featurized> {
  const images = l.ds.roles.images ? await decodeImages(l.ds, onImages, check) : undefined;
  const text = !embeddings && l.ds.kind === 'text' ? await textRows(l.ds, l.options, onRows, check) : undefined;
  return { prep: prepare(l.ds, l.options, l.sidecar, embeddings, images, text), images };
}

/**
 * Duplicates: groups of copies among the rows. Unless `splitDuplicates`, the folds will keep each
 * group whole (`prep.group`) and exact copies with the same label are trained on once
 * (`prep.base.exclude`), with the epochs chosen from the rows trained on when they were left to the
 * data (`requestedEpochs` 0): a file repeated 13 times then trains as the file itself does.
 */
export function duplicates(l: Loaded, prep: Prepared, tick?: (fraction: number) => void): DuplicateFinding {
  return withDuplicates(l, prep, findDuplicates(l.ds, prep.kind, prep.base.dense, duplicateOptions(l), prep.embeddings, tick));
}

/** The search's thresholds and seed (from the request: prepare does not change them). */
export function duplicateOptions(l: Loaded): DuplicateOptions {
  return { jaccard: l.options.jaccard, cosine: DEFAULT_DUPLICATES.cosine, seed: l.options.seed };
}

/**
 * Whether the search reads the text only, so that it can run on a worker (engine/duplicatesTask)
 * from the start of featurize: text rows without the user's embeddings (whose cosine joins the
 * text's groups in findDuplicates).
 */
export function searchesTextOnly(l: Loaded, external: unknown): boolean {
  return l.ds.kind === 'text' && l.ds.roles.text !== undefined && !external;
}

/** The rest of the duplicates phase once the groups are found (here, or by a worker). */
export function withDuplicates(l: Loaded, prep: Prepared, found: DuplicateFinding): DuplicateFinding {
  const opts = prep.base.options;
  // The raw vectors served only this; the model learns from the standardised copy.
  prep.embeddings = undefined;
  if (opts.splitDuplicates) return found;
  prep.group = found.groups.group;
  const redundant = redundantCopies(found.copyOf, prep.base.labels);
  let trained = 0, left = 0;
  for (let i = 0; i < redundant.length; i++) { if (redundant[i]) left++; else if (prep.base.labels[i] >= 0) trained++; }
  if (left === 0) return found;
  prep.base.exclude = redundant;
  if (!l.options.epochs && prep.kind === 'text') opts.epochs = textEpochs(trained, l.ds.classes.length, opts.folds);
  return found;
}

/**
 * Model settings chosen from the data, once, before the folds (so every fold and every machine of a
 * plan trains the same model): for tabular rows, the logistic regression's C by held-out log-loss
 * on fold 0 of the first split (models/regularization). Returns what was chosen, for the log.
 */
export function tune(prep: Prepared): string | undefined {
  const task = tuneTask(prep);
  if (!task) return undefined;
  return chosen(prep, chooseCOf(task));
}

/**
 * The same choice, each C of the grid fitted by `lossOf` (the engine's fold workers, in parallel:
 * the grid's five fits otherwise run one after another in this thread while the cores wait).
 */
export async function tuneWith(prep: Prepared, lossOf: (task: CTask, C: number) => Promise<number>): Promise<string | undefined> {
  const task = tuneTask(prep);
  if (!task) return undefined;
  // As many at once as the folds will train (foldLanes): five fits on two workers would leave a core idle.
  const losses = new Array<number>(C_GRID.length);
  await inLanes(C_GRID.length, foldLanes(prep), async (c) => { losses[c] = await lossOf(task, C_GRID[c]); });
  return chosen(prep, pickC(losses));
}

/** The C search of a tabular run whose C is not set yet (logistic regression + k-NN only). */
function tuneTask(prep: Prepared): CTask | undefined {
  if (prep.kind !== 'tabular' || prep.base.linearC !== undefined || tabularModels(prep.base.labels.length, prep.base.dense!.dim) !== 'logreg+knn') return undefined;
  const { dense, classes, labels, targets } = prep.base;
  const fold0 = foldAssignment(prep.base, prep.group)[0];
  return { x: dense!.x, dim: dense!.dim, K: classes, labels, targets, held: Uint8Array.from(fold0, (f) => (f === 0 ? 1 : 0)), fit: { iterations: TABULAR.iterations, memory: TABULAR.lbfgsMemory }, exclude: prep.base.exclude };
}

function chosen(prep: Prepared, choice: CChoice): string {
  prep.base.linearC = choice.C;
  return `logistic regression C = ${choice.C} (held-out log-loss ${choice.losses.map((l, i) => `${C_GRID[i]}: ${l.toFixed(3)}`).join(', ')})`;
}

/** The rows left out of training: the redundant copies and `extra` (rows a first pass flagged). */
function withExcluded(base: Uint8Array | undefined, extra: Uint8Array | undefined): Uint8Array | undefined {
  if (!extra) return base;
  const ex = Uint8Array.from(extra);
  if (base) for (let i = 0; i < ex.length; i++) ex[i] |= base[i];
  return ex;
}

/** Train folds: every fold of every repeat through `run`; `exclude` = rows left out of training (besides the redundant copies). */
export function trainFolds(prep: Prepared, run: FoldRunner, exclude?: Uint8Array): Promise<CrossValResult> {
  return crossValidate({ ...prep.base, exclude: withExcluded(prep.base.exclude, exclude) }, run, foldLanes(prep), prep.group);
}

/**
 * Folds trained at once. One per worker, except for the small tables' logistic regression + k-NN
 * (CPU-bound, a few hundred ms a fold, little memory): five folds on two workers take three rounds,
 * the last with one core idle, so they get one lane more than workers (the threads share the cores
 * and the five finish in the time of two and a half). Text and networks keep one lane per worker
 * (their folds are long, and a fold's model weighs on the memory at scale). Text trained one lane
 * from 500k rows in session 6 to stay under 1.5 GB; since the folds read the shared targets by row,
 * retire their workers after each fold and the engine's malloc hands freed arrays back
 * (client/engineClient.engineEnv), two lanes peak lower at 1M rows (1,235 MiB) than one did (1,286).
 */
export function foldLanes(prep: Prepared): number {
  const { workers, folds, repeats } = prep.base.options;
  const tasks = folds * repeats;
  const small = prep.kind === 'tabular' && tabularModels(prep.base.labels.length, prep.base.dense!.dim) === 'logreg+knn';
  return small && workers > 1 && tasks > workers && tasks % workers !== 0 ? Math.min(tasks, workers + 1) : workers;
}

/**
 * Naive Bayes's out-of-fold distribution on text (models/naiveBayes), on the same folds as the
 * model's, or undefined when it is off, the rows are not text, or its count table is too large.
 * `exclude`: rows left out of training besides the redundant copies (a pruned second pass).
 */
export function naiveBayesOf(prep: Prepared, exclude?: Uint8Array, tick?: (fraction: number) => void): Float32Array | undefined {
  const { text, classes, labels, targets, options } = prep.base;
  if (prep.kind !== 'text' || !options.naiveBayes || !text || !naiveBayesFits(text, classes)) return undefined;
  return naiveBayesPart({ text, classes, labels, targets, exclude: withExcluded(prep.base.exclude, exclude), tick }, foldAssignment(prep.base, prep.group)).probs;
}

/**
 * After the last training pass, the representation and `score` (naive Bayes reads them there): the
 * text features and training targets are not read again (outliers and write use labels, groups and
 * the folds' outputs), so they are dropped for the rest of the job (1M text rows: 39M feature ids
 * and 1M × K targets, about 220 MB).
 */
export function releaseFeatures(prep: Prepared): void {
  prep.base.text = undefined;
  prep.base.targets = new Float32Array(0);
}

/** Score: suspicion, suggestion, flag and soft label of every row from the folds' outputs; `tick`: naive Bayes's progress. */
export function score(prep: Prepared, cv: CrossValResult, own: { given?: Float32Array; knn?: Float32Array } = {}, exclude?: Uint8Array, tick?: (fraction: number) => void): Scores {
  // With the user's probabilities (--ensemble), k-NN agreement on embeddings or naive Bayes on text,
  // each joins the consensus as an equal part.
  // A pruned pass's naive Bayes leaves out the same rows as its folds (`exclude`).
  const ours = consensusParts(cv, own.given, own.knn, naiveBayesOf(prep, exclude, tick));
  const parts = ours ?? [cv.student, cv.ema, cv.teacher, cv.pi].filter((x): x is Float32Array => x !== undefined);
  // The folds kept duplicate groups whole: the copies' labels join as evidence here (core/signals/duplicateLabels).
  // consensusParts' first part is its own temporary: the consensus is summed into it (1M rows: 60 MB less).
  const p = withDuplicateLabels(consensusOf(parts, cv.K, ours !== undefined), prep.base.labels, prep.group, cv.K, DUPLICATE_LABEL_WEIGHT, true);
  return scoreConsensus({ K: cv.K, labels: prep.base.labels }, p);
}
