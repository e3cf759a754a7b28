/**
 * One analysis or retrain, start to finish: read the dataset, featurize, K-fold train, score,
 * write the results files. Reports progress through `emit`; stops when `cancelled()` turns true.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { openDataset, type DatasetOptions } from '../core/table/dataset';
import { parseEncodingName } from '../core/table/encoding';
import { readSidecar } from '../core/labels/sidecar';
import { prepareResultsDir, writeResultFile } from '../core/labels/writeProtocol';
import { scoreRows, type Scores } from '../core/signals/score';
import { classMetrics } from '../core/signals/metrics';
import { reasonFor } from '../core/signals/reason';
import { packArrays, type Summary, type Suspect } from '../core/results';
import { quoteIfNeeded } from '../core/table/csv';
import { DEFAULT_TRAIN_OPTIONS, type AnalyzeRequest, type ProgressMessage, type RetrainRequest, type TrainOptions } from '../protocol/engine';
import { prepare, textEpochs } from './prepare';
import { redundantCopies } from './duplicates';
import { decodeImages, type DecodedImages } from './images';
import { crossValidate, type CrossValResult } from './crossval';
import type { FoldRunner } from './crossval';
import type { FoldProgress } from './trainFold';
import type { Dataset } from '../core/table/dataset';
import { conflictRows, conflictsOf, duplicateSummary, findDuplicates, findOutliers, type ConflictFinding, type DuplicateFinding, type Outliers } from './findings';

export class CancelledError extends Error {
  constructor() { super('cancelled'); this.name = 'CancelledError'; }
}

export type Emit = (p: Omit<ProgressMessage, 'type' | 'jobId'>) => void;

/** Runs the folds of one job; implemented with worker threads by the engine, in-process by tests. */
export type RunnerFactory = (kind: 'text' | 'dense', onProgress: FoldProgress) => { run: FoldRunner; close: () => void };

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
  excluded: number;
  duplicates: DuplicateFinding;
  conflicts: ConflictFinding[];
  /** 1 where the row's duplicate group has conflicting labels. */
  conflict: Uint8Array;
  outliers: Outliers;
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
  const prep = prepare(ds, options, sidecar, undefined, images);
  const opts = prep.base.options;
  lap('featurize');
  check();
  emit({ phase: 'featurize', fraction: 0.03, message: `finding duplicates among ${ds.rowCount} rows` });
  const duplicates = findDuplicates(ds, prep.kind, prep.base.dense, { jaccard: opts.jaccard, cosine: 0.99, seed: opts.seed });
  const group = opts.groupFolds ? duplicates.groups.group : undefined;
  if (opts.groupFolds) {
    const redundant = redundantCopies(duplicates.copyOf, prep.base.labels);
    let n = 0;
    for (const v of redundant) n += v;
    if (n > 0) {
      prep.base.exclude = redundant;
      // Epochs by the rows trained on: the copies left out would otherwise cut the epochs as they grow.
      if (!options.epochs && prep.kind === 'text') {
        let labeled = 0;
        for (let i = 0; i < ds.rowCount; i++) if (prep.base.labels[i] >= 0 && !redundant[i]) labeled++;
        opts.epochs = textEpochs(labeled, ds.classes.length, opts.folds);
      }
    }
  }
  lap('duplicates');
  check();

  const passes = opts.prune ? 2 : 1;
  const total = passes * opts.repeats * opts.folds * opts.epochs;
  const done = new Map<number, number>();
  const started = performance.now();
  let pass = 0;
  const { run, close } = runners(prep.kind === 'text' ? 'text' : 'dense', (p) => {
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
    cv = await crossValidate(prep.base, runChecked, opts.workers, group);
    if (opts.prune) {
      // Pass 2: a model that never trains on the rows pass 1 flagged cannot have learned their
      // (systematic) errors; it predicts every row again, held out as before.
      pass = 1;
      const exclude = Uint8Array.from(score(cv).flagged);
      pruned = exclude.reduce((a, b) => a + b, 0);
      const redundant = prep.base.exclude;
      if (redundant) for (let i = 0; i < exclude.length; i++) exclude[i] |= redundant[i];
      cv = await crossValidate({ ...prep.base, exclude }, runChecked, opts.workers, group);
    }
  } finally {
    close();
  }
  check();
  lap('train');
  emit({ phase: 'score', fraction: 0.96, message: 'scoring rows' });
  const scores = score(cv);
  const conflicts = conflictsOf(duplicates.groups, prep.base.labels, ds.classes, scores.consensus, prep.kind === 'text' ? 'texts' : 'rows');
  const conflict = conflictRows(duplicates.groups, conflicts);
  const outliers = findOutliers(prep.base.text, prep.base.dense, ds.rowCount, opts.seed);
  lap('score');
  return { ds, cv, scores, options: opts, kind: prep.kind, softTargets: prep.softTargets, seconds, pruned, images, excluded: prep.excluded, duplicates, conflicts, conflict, outliers };
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
  // Label conflicts rank first: a copy whose group votes for another label is the most convincing
  // error to show. Then the rest by suspicion.
  const conflicting = conflictSuspects(tr);
  const seen = new Set(conflicting.map((s) => s.row));
  const topSuspects = [...conflicting, ...order.filter((i) => !seen.has(i)).slice(0, 100).map((i) => suspectOf(tr, i))].slice(0, 100);
  const topConflicts = [...tr.conflicts].sort((a, b) => b.size - a.size || a.group - b.group).slice(0, 100).map((c) => ({
    group: c.group + 1, reason: c.reason, suggested: c.suggested >= 0 ? ds.classes[c.suggested] : undefined,
    members: [...tr.duplicates.groups.members(c.group)].map((r) => ({ row: r, id: ds.rowId(r), line: ds.table.index.line[r], given: ds.labelName(r) })),
  }));
  return {
    kind, file: ds.table.path, rows: N, labeled, unlabeled: ds.unlabeled, skipped: ds.skipped,
    classes: ds.classes, counts: ds.counts, flagged, estimatedNoiseRate: labeled ? flagged / labeled : 0,
    oofAccuracy: metrics.accuracy,
    classStats: ds.classes.map((name, k) => ({ name, given: ds.counts[k], predicted: predicted[k], corrected: corrected[k], precision: metrics.precision[k], recall: metrics.recall[k], threshold: scores.thresholds[k], flagged: flaggedPerClass[k] })),
    matrix: metrics.matrix, joint: Array.from(scores.joint), imbalanceRatio: ds.imbalanceRatio(),
    backend: cv.backend, model: cv.model, pruned: tr.pruned, dataKind: tr.kind, seconds: tr.seconds, options: { ...options }, softTargets: tr.softTargets,
    ranking: scores.ranking,
    epochs: cv.epochs, piPasses: cv.piPasses, topSuspects,
    excluded: tr.excluded || undefined,
    duplicates: duplicateSummary(tr.duplicates, tr.conflicts, { jaccard: options.jaccard, groupFolds: options.groupFolds }, tr.outliers), topConflicts,
    createdAt: new Date().toISOString(),
  };
}

/** Rows of conflicting groups whose label is not the group's suggestion, largest groups first. */
function conflictSuspects(tr: Trained): Suspect[] {
  const { ds, scores } = tr;
  const out: Suspect[] = [];
  for (const c of [...tr.conflicts].sort((a, b) => b.size - a.size || a.group - b.group)) {
    if (c.suggested < 0) continue;
    for (const r of tr.duplicates.groups.members(c.group)) {
      if (ds.labels[r] < 0 || ds.labels[r] === c.suggested) continue;
      out.push({ kind: 'conflict', row: r, id: ds.rowId(r), line: ds.table.index.line[r], given: ds.labelName(r), suggested: ds.classes[c.suggested], suspicion: +scores.suspicion[r].toFixed(4), flagged: scores.flagged[r] === 1, reason: c.reason });
    }
  }
  return out;
}

export function suspectOf(tr: Pick<Trained, 'ds' | 'cv' | 'scores' | 'options'>, i: number): Suspect {
  const { ds, cv, scores } = tr;
  const K = cv.K;
  return {
    kind: 'label', row: i, id: ds.rowId(i), line: ds.table.index.line[i], given: ds.labelName(i), suggested: ds.classes[scores.suggested[i]],
    suspicion: +scores.suspicion[i].toFixed(4), flagged: scores.flagged[i] === 1,
    reason: reasonFor({ classes: ds.classes, given: ds.labels[i], consensus: scores.consensus.subarray(i * K, i * K + K), teacher: cv.teacher?.subarray(i * K, i * K + K), piDisagree: cv.piDisagree[i], piPasses: cv.piPasses, flips: cv.flips[i], epochs: cv.epochs }),
  };
}

const num = (x: number) => (Number.isFinite(x) ? String(+x.toFixed(4)) : '');

function rowsCsv(tr: Trained): string {
  const { ds, cv, scores } = tr;
  const K = cv.K;
  const { group, first } = tr.duplicates.groups;
  const lines = ['id,given_label,suggested_label,suspicion,flagged,self_confidence,normalized_margin,pi_disagreement,ema_confidence,teacher_confidence,soft_label,duplicate_group,duplicate_of,conflict,outlier_score'];
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
      group[i] >= 0 ? String(group[i] + 1) : '', first[i] >= 0 && first[i] !== i ? q(ds.rowId(first[i])) : '',
      String(tr.conflict[i]), num(tr.outliers.score[i]),
    ].join(','));
  }
  return lines.join('\n') + '\n';
}

function writeResults(outDir: string, kind: Summary['kind'], tr: Trained, before?: Summary['before']): JobResult {
  const { cv, scores, ds } = tr;
  prepareResultsDir(ds.table.path, outDir);
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
    // Group numbers are exact in Float32 up to 2^24 groups.
    { name: 'duplicateGroup', data: tr.duplicates.groups.group, shape: [N] },
    { name: 'duplicateFirst', data: tr.duplicates.groups.first, shape: [N] },
    { name: 'duplicateKind', data: tr.duplicates.groups.kind, shape: [N] },
    { name: 'conflict', data: tr.conflict, shape: [N] },
    { name: 'outlier', data: tr.outliers.score, shape: [N] },
    { name: 'outlierFlagged', data: tr.outliers.flagged, shape: [N] },
  ];
  const { buffer, entries } = packArrays(arrays);
  const prefix = kind === 'analysis' ? '' : 'retrain-';
  const arraysPath = join(outDir, `${prefix}arrays.bin`);
  const summaryPath = join(outDir, `${prefix}summary.json`);
  const rowsCsvPath = join(outDir, `${prefix}rows.csv`);
  writeResultFile(arraysPath, buffer);
  writeResultFile(rowsCsvPath, rowsCsv(tr));
  const summary: Summary = { ...summarize(kind, tr), arrays: entries, before };
  if (tr.images) {
    // Thumbnails from the training decode, for the review editor (and WebP, which it cannot decode itself).
    writeResultFile(join(outDir, `${prefix}thumbs.bin`), tr.images.pixels);
    summary.images = {
      width: tr.images.width, height: tr.images.height, thumbnails: `${prefix}thumbs.bin`, decoder: tr.images.decoder,
      unreadable: tr.images.failed.length, unreadableList: tr.images.failed.slice(0, 1000).map(({ id, message }) => ({ id, message })),
    };
  }
  writeResultFile(summaryPath, JSON.stringify(summary, null, 1));
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
