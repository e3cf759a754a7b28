/**
 * One analysis or retrain, start to finish: read the dataset, featurize, K-fold train, score,
 * write the results files. Reports progress through `emit`; stops when `cancelled()` turns true.
 */
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { openDataset, type DatasetOptions } from '../core/table/dataset';
import { parseEncodingName } from '../core/table/encoding';
import { readSidecar } from '../core/labels/sidecar';
import { scoreRows, type Scores } from '../core/signals/score';
import { classMetrics } from '../core/signals/metrics';
import { reasonFor } from '../core/signals/reason';
import { packArrays, type Summary, type Suspect } from '../core/results';
import { quoteIfNeeded } from '../core/table/csv';
import { DEFAULT_TRAIN_OPTIONS, type AnalyzeRequest, type ProgressMessage, type RetrainRequest, type TrainOptions } from '../protocol/engine';
import { prepare } from './prepare';
import { decodeImages, type DecodedImages } from './images';
import { crossValidate, type CrossValResult } from './crossval';
import type { FoldRunner } from './crossval';
import type { FoldProgress } from './trainFold';
import { modelKindOf, type ModelKind } from './models/factories';
import type { Dataset } from '../core/table/dataset';

export class CancelledError extends Error {
  constructor() { super('cancelled'); this.name = 'CancelledError'; }
}

export type Emit = (p: Omit<ProgressMessage, 'type' | 'jobId'>) => void;

/** Runs the folds of one job; implemented with worker threads by the engine, in-process by tests. */
export type RunnerFactory = (kind: ModelKind, onProgress: FoldProgress) => { run: FoldRunner; close: () => void };

export interface JobResult {
  summaryPath: string;
  arraysPath: string;
  rowsCsvPath: string;
  summary: Summary;
}

export function resolveOptions(o: Partial<TrainOptions>): TrainOptions {
  const opts = { ...DEFAULT_TRAIN_OPTIONS, ...o };
  if (!opts.workers) opts.workers = Math.max(1, availableParallelism());
  return opts;
}

export function datasetOptionsOf(spec: AnalyzeRequest['dataset']): DatasetOptions {
  const encoding = spec.encoding ? parseEncodingName(spec.encoding) : undefined;
  if (spec.encoding && !encoding) throw new Error(`unknown encoding "${spec.encoding}"`);
  return { label: spec.label, text: spec.text, id: spec.id, features: spec.features, encoding };
}

interface Trained {
  ds: Dataset;
  cv: CrossValResult;
  scores: Scores;
  options: TrainOptions;
  kind: string;
  softTargets: number;
  seconds: Record<string, number>;
  /** Rows left out of the second pass's training (prune). */
  pruned?: number;
  /** The decoded images of an image dataset (for thumbnails and the unreadable list). */
  images?: DecodedImages;
}

async function train(req: AnalyzeRequest | RetrainRequest, emit: Emit, cancelled: () => boolean, runners: RunnerFactory, useSidecar: boolean): Promise<Trained> {
  const seconds: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => { const now = performance.now(); seconds[name] = +((now - t) / 1000).toFixed(3); t = now; };
  const check = () => { if (cancelled()) throw new CancelledError(); };

  emit({ phase: 'load', fraction: 0, message: `reading ${req.dataset.file}` });
  const ds = openDataset(req.dataset.file, datasetOptionsOf(req.dataset));
  const options = resolveOptions(req.options);
  const sidecar = useSidecar ? readSidecar(req.dataset.file) : undefined;
  lap('load');
  check();
  emit({ phase: 'featurize', fraction: 0.02, message: `featurizing ${ds.rowCount} rows (${ds.kind})` });
  let images: DecodedImages | undefined;
  if (ds.roles.images) {
    images = await decodeImages(ds, (done, total) => emit({ phase: 'featurize', fraction: 0.02 + 0.03 * (done / total), message: `decoding images: ${done} of ${total}` }), check);
    if (images.failed.length) emit({ phase: 'featurize', fraction: 0.05, message: `${images.failed.length} images could not be decoded and are skipped: ${images.failed.slice(0, 3).map((f) => `${f.id} (${f.message})`).join('; ')}${images.failed.length > 3 ? '; …' : ''}` });
  }
  // Text hashing reports as it goes (sent while it runs: an IPC write goes out at once when the pipe is free).
  const prep = prepare(ds, options, sidecar, undefined, images, (done, total) => emit({ phase: 'featurize', fraction: 0.02 + 0.03 * (done / total), message: `featurizing: ${done} of ${total} rows` }));
  const opts = prep.base.options;
  lap('featurize');
  check();

  const passes = opts.prune ? 2 : 1;
  const total = passes * opts.repeats * opts.folds * opts.epochs;
  const done = new Map<number, number>();
  const started = performance.now();
  let pass = 0;
  const { run, close } = runners(modelKindOf(prep.kind), (p) => {
    done.set((pass * opts.repeats + p.repeat) * opts.folds + p.fold, p.epoch);
    const steps = [...done.values()].reduce((a, b) => a + b, 0);
    const elapsed = (performance.now() - started) / 1000;
    const eta = steps ? (elapsed / steps) * (total - steps) : undefined;
    emit({
      phase: 'train', fraction: 0.05 + 0.9 * (steps / total), fold: p.fold + 1, folds: opts.folds, epoch: p.epoch, epochs: p.epochs,
      rowsPerSec: Math.round(p.rowsPerSec), loss: +p.loss.toFixed(4), etaSeconds: eta !== undefined ? Math.round(eta) : undefined,
      message: `${passes > 1 ? `pass ${pass + 1}/2, ` : ''}${opts.repeats > 1 ? `repeat ${p.repeat + 1}/${opts.repeats}, ` : ''}fold ${p.fold + 1}/${opts.folds}, epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toFixed(3)}, ${Math.round(p.rowsPerSec)} rows/s`,
    });
  });
  const score = (cv: CrossValResult) => scoreRows({ K: cv.K, labels: prep.base.labels, student: cv.student, ema: cv.ema, teacher: cv.teacher, pi: cv.pi, piDisagree: cv.piDisagree, piPasses: cv.piPasses });
  const runChecked = async (input: Parameters<FoldRunner>[0]) => { check(); return run(input); };
  let cv: CrossValResult;
  let pruned: number | undefined;
  try {
    cv = await crossValidate(prep.base, runChecked, opts.workers);
    if (opts.prune) {
      // Pass 2: a model that never trains on the rows pass 1 flagged cannot have learned their
      // (systematic) errors; it predicts every row again, held out as before.
      pass = 1;
      const exclude = Uint8Array.from(score(cv).flagged);
      pruned = exclude.reduce((a, b) => a + b, 0);
      cv = await crossValidate({ ...prep.base, exclude }, runChecked, opts.workers);
    }
  } finally {
    close();
  }
  check();
  lap('train');
  emit({ phase: 'score', fraction: 0.96, message: 'scoring rows' });
  const scores = score(cv);
  lap('score');
  return { ds, cv, scores, options: opts, kind: prep.kind, softTargets: prep.softTargets, seconds, pruned, images };
}

function summarize(kind: Summary['kind'], tr: Trained): Omit<Summary, 'arrays'> {
  const { ds, cv, scores, options } = tr;
  const K = cv.K;
  const N = ds.rowCount;
  const labels = ds.labels;
  const metrics = classMetrics(labels, scores.suggested, K);
  const predicted = new Array<number>(K).fill(0);
  const corrected = new Array<number>(K).fill(0);
  const flaggedPerClass = new Array<number>(K).fill(0);
  let flagged = 0;
  let labeled = 0;
  for (let i = 0; i < N; i++) {
    if (labels[i] < 0) continue;
    labeled++;
    predicted[scores.suggested[i]]++;
    if (scores.flagged[i]) { flagged++; flaggedPerClass[labels[i]]++; corrected[scores.suggested[i]]++; } else corrected[labels[i]]++;
  }
  const order = Array.from({ length: N }, (_, i) => i).filter((i) => labels[i] >= 0).sort((a, b) => scores.suspicion[b] - scores.suspicion[a] || a - b);
  const topSuspects = order.slice(0, 100).map((i) => suspectOf(tr, i));
  return {
    kind, file: ds.table.path, rows: N, labeled, unlabeled: ds.unlabeled, skipped: ds.skipped,
    classes: ds.classes, counts: ds.counts, flagged, estimatedNoiseRate: labeled ? flagged / labeled : 0,
    oofAccuracy: metrics.accuracy,
    classStats: ds.classes.map((name, k) => ({ name, given: ds.counts[k], predicted: predicted[k], corrected: corrected[k], precision: metrics.precision[k], recall: metrics.recall[k], threshold: scores.thresholds[k], flagged: flaggedPerClass[k] })),
    matrix: metrics.matrix, joint: Array.from(scores.joint), imbalanceRatio: ds.imbalanceRatio(),
    backend: cv.backend, model: cv.model, pruned: tr.pruned, dataKind: tr.kind, seconds: tr.seconds, options: { ...options }, softTargets: tr.softTargets,
    ranking: scores.ranking,
    epochs: cv.epochs, piPasses: cv.piPasses, topSuspects, createdAt: new Date().toISOString(),
  };
}

export function suspectOf(tr: Pick<Trained, 'ds' | 'cv' | 'scores' | 'options'>, i: number): Suspect {
  const { ds, cv, scores } = tr;
  const K = cv.K;
  return {
    row: i, id: ds.rowId(i), line: ds.table.index.line[i], given: ds.labelName(i), suggested: ds.classes[scores.suggested[i]],
    suspicion: +scores.suspicion[i].toFixed(4), flagged: scores.flagged[i] === 1,
    reason: reasonFor({ classes: ds.classes, given: ds.labels[i], consensus: scores.consensus.subarray(i * K, i * K + K), teacher: cv.teacher?.subarray(i * K, i * K + K), piDisagree: cv.piDisagree[i], piPasses: cv.piPasses, flips: cv.flips[i], epochs: cv.epochs }),
  };
}

const num = (x: number) => (Number.isFinite(x) ? String(+x.toFixed(4)) : '');

function rowsCsv(tr: Trained): string {
  const { ds, cv, scores } = tr;
  const K = cv.K;
  const lines = ['id,given_label,suggested_label,suspicion,flagged,self_confidence,normalized_margin,pi_disagreement,ema_confidence,teacher_confidence,soft_label'];
  for (let i = 0; i < ds.rowCount; i++) {
    const y = ds.labels[i];
    const soft: Record<string, number> = {};
    if (y !== -2) for (let k = 0; k < K; k++) { const v = scores.consensus[i * K + k]; if (v >= 0.001) soft[ds.classes[k]] = +v.toFixed(4); }
    const q = (s: string) => quoteIfNeeded(s, ',', false);
    lines.push([
      q(ds.rowId(i)), q(ds.labelName(i)), y === -2 ? '' : q(ds.classes[scores.suggested[i]]),
      y >= 0 ? num(scores.suspicion[i]) : '', y >= 0 ? String(scores.flagged[i]) : '',
      y >= 0 ? num(scores.selfConfidence[i]) : '', y >= 0 ? num(scores.margin[i]) : '',
      y >= 0 && cv.piPasses ? num(cv.piDisagree[i] / cv.piPasses) : '',
      y >= 0 ? num(cv.ema[i * K + y]) : '', y >= 0 && cv.teacher ? num(cv.teacher[i * K + y]) : '',
      y === -2 ? '' : q(JSON.stringify(soft)),
    ].join(','));
  }
  return lines.join('\n') + '\n';
}

function writeResults(outDir: string, kind: Summary['kind'], tr: Trained, before?: Summary['before']): JobResult {
  mkdirSync(outDir, { recursive: true });
  const { cv, scores, ds } = tr;
  const N = ds.rowCount;
  const K = cv.K;
  const arrays = [
    { name: 'consensus', data: scores.consensus, shape: [N, K] },
    { name: 'student', data: cv.student, shape: [N, K] },
    { name: 'ema', data: cv.ema, shape: [N, K] },
    ...(cv.teacher ? [{ name: 'teacher', data: cv.teacher, shape: [N, K] }] : []),
    ...(cv.pi ? [{ name: 'pi', data: cv.pi, shape: [N, K] }] : []),
    { name: 'suspicion', data: scores.suspicion, shape: [N] },
    { name: 'selfConfidence', data: scores.selfConfidence, shape: [N] },
    { name: 'margin', data: scores.margin, shape: [N] },
    { name: 'suggested', data: scores.suggested, shape: [N] },
    { name: 'flagged', data: scores.flagged, shape: [N] },
    { name: 'label', data: ds.labels, shape: [N] },
    { name: 'piDisagree', data: cv.piDisagree, shape: [N] },
    { name: 'piSpread', data: cv.piSpread, shape: [N] },
    { name: 'flips', data: cv.flips, shape: [N] },
    { name: 'history', data: cv.history, shape: [cv.epochs, N] },
  ];
  const { buffer, entries } = packArrays(arrays);
  const prefix = kind === 'analysis' ? '' : 'retrain-';
  const arraysPath = join(outDir, `${prefix}arrays.bin`);
  const summaryPath = join(outDir, `${prefix}summary.json`);
  const rowsCsvPath = join(outDir, `${prefix}rows.csv`);
  writeFileSync(arraysPath, buffer);
  writeFileSync(rowsCsvPath, rowsCsv(tr));
  const summary: Summary = { ...summarize(kind, tr), arrays: entries, before };
  if (tr.images) {
    // Thumbnails from the training decode, for the review editor (and WebP, which it cannot decode itself).
    writeFileSync(join(outDir, `${prefix}thumbs.bin`), tr.images.pixels);
    summary.images = {
      width: tr.images.width, height: tr.images.height, thumbnails: `${prefix}thumbs.bin`, decoder: tr.images.decoder,
      unreadable: tr.images.failed.length, unreadableList: tr.images.failed.slice(0, 1000).map(({ id, message }) => ({ id, message })),
    };
  }
  writeFileSync(summaryPath, JSON.stringify(summary, null, 1));
  return { summaryPath, arraysPath, rowsCsvPath, summary };
}

export async function runAnalyze(req: AnalyzeRequest, emit: Emit, cancelled: () => boolean, runners: RunnerFactory): Promise<JobResult> {
  const tr = await train(req, emit, cancelled, runners, true);
  emit({ phase: 'write', fraction: 0.98, message: `writing results to ${req.outDir}` });
  const t0 = performance.now();
  const res = writeResults(req.outDir, 'analysis', tr);
  tr.seconds.write = +((performance.now() - t0) / 1000).toFixed(3);
  return res;
}

/**
 * Retrain on the current labels, the sidecar's soft targets and the chosen imbalance remedy. The
 * "before" is the last analysis in `outDir` when there is one, else a plain run on the same labels.
 */
export async function runRetrain(req: RetrainRequest, emit: Emit, cancelled: () => boolean, runners: RunnerFactory): Promise<JobResult> {
  const beforePath = join(req.outDir, 'summary.json');
  let before: Omit<Summary, 'arrays'>;
  if (existsSync(beforePath)) before = JSON.parse(readFileSync(beforePath, 'utf8')) as Summary;
  else {
    const plain = { ...req, options: { ...req.options, imbalance: 'none' as const, labelSmoothing: 0 } };
    before = summarize('analysis', await train(plain, (p) => emit({ ...p, fraction: p.fraction / 2, message: `before: ${p.message}` }), cancelled, runners, false));
  }
  const tr = await train(req, (p) => emit({ ...p, message: `retrain: ${p.message}` }), cancelled, runners, true);
  emit({ phase: 'write', fraction: 0.98, message: `writing results to ${req.outDir}` });
  const { oofAccuracy, flagged, classStats, createdAt, options } = before;
  return writeResults(req.outDir, 'retrain', tr, { oofAccuracy, flagged, classStats, createdAt, options });
}
