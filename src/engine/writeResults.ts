/**
 * The write phase: a trained run as the files of its results folder (layout: src/core/results.ts)
 * — arrays.bin, rows.csv, summary.json — and a record in the folder's run history.
 */
import { basename } from 'node:path';
import { prepareResultsDir, writeResultFile, writeResultFileStreamed } from '../core/labels/writeProtocol';
import { arrayEntries, recordRun, writeArrays, resultFiles, type ResultArrays, type RunKind, type Summary, type Suspect } from '../core/results';
import { eachRowsCsvPiece } from '../core/report/rowsCsv';
import { classStats } from '../core/signals/classStats';
import { reasonFor } from '../core/signals/reason';
import type { ProbabilitySource } from '../core/results';
import type { Scores } from '../core/signals/score';
import { optionsOf, type Dataset } from '../core/table/dataset';
import type { Phase, TrainOptions } from '../protocol/engine';
import type { CrossValResult } from './crossval';
import type { DecodedImages } from './images';
import type { Representation } from './representation';
import type { MapProjection } from './projection';
import { duplicateSummary, type ConflictFinding, type DuplicateFinding, type Outliers } from './findings';

/** A run, trained and scored, ready to be written. */
export interface Trained {
  ds: Dataset;
  cv: CrossValResult;
  scores: Scores;
  /** The options as trained (epochs and repeats resolved for the data kind). */
  options: TrainOptions;
  kind: string;
  softTargets: number;
  seconds: Partial<Record<Phase, number>>;
  /** Rows left out of the second pass's training (prune). */
  pruned?: number;
  /** The decoded images of an image dataset (for thumbnails and the unreadable list). */
  images?: DecodedImages;
  /** Rows the sidecar excluded. */
  excluded?: number;
  /** Duplicate groups, label conflicts among them (and per row), outliers: absent in a merged fan-out run. */
  duplicates?: DuplicateFinding;
  conflicts?: ConflictFinding[];
  conflict?: Uint8Array;
  outliers?: Outliers;
  /** Where the probabilities came from (ours, the user's, both; embeddings). */
  probabilities?: ProbabilitySource;
  /** Each row's representation (engine/representation): what outliers were scored in and the map projects. */
  representation?: Representation;
  /** The 2-D embedding map of the representation (engine/projection). */
  map?: MapProjection;
}

export interface JobResult {
  summaryPath: string;
  arraysPath: string;
  rowsCsvPath: string;
  summary: Summary;
}

/** What a retrain adds to its summary; and the map file to follow (engine/mapResults). */
export type RetrainExtra = Pick<Summary, 'before' | 'fixed' | 'mapFile'>;

export function resultArraysOf(tr: Pick<Trained, 'ds' | 'cv' | 'scores'> & Partial<Pick<Trained, 'duplicates' | 'conflict' | 'outliers' | 'map'>>): ResultArrays<ArrayLike<number>> {
  const { cv, scores, ds } = tr;
  const g = tr.duplicates?.groups;
  return {
    // Group numbers and rows are exact in Float32 up to 2^24.
    ...(g ? { duplicateGroup: g.group, duplicateFirst: g.first, duplicateKind: g.kind } : {}),
    ...(tr.conflict ? { conflict: tr.conflict } : {}),
    ...(tr.outliers ? { outlier: tr.outliers.score, outlierFlagged: tr.outliers.flagged } : {}),
    ...(tr.map ? { mapX: tr.map.x, mapY: tr.map.y } : {}),
    consensus: scores.consensus, student: cv.student, ema: cv.ema, teacher: cv.teacher, pi: cv.pi,
    suspicion: scores.suspicion, selfConfidence: scores.selfConfidence, margin: scores.margin, suggested: scores.suggested,
    flagged: scores.flagged, label: ds.labels, piDisagree: cv.piDisagree, piSpread: cv.piSpread, flips: cv.flips, history: cv.history,
  };
}

export function suspectOf(tr: Pick<Trained, 'ds' | 'cv' | 'scores'>, i: number): Suspect {
  const { ds, cv, scores } = tr;
  const K = cv.K;
  return {
    kind: 'label', row: i, id: ds.rowId(i), line: ds.table.index.line[i], given: ds.labelName(i), suggested: ds.classes[scores.suggested[i]],
    suspicion: +scores.suspicion[i].toFixed(4), flagged: scores.flagged[i] === 1,
    reason: reasonFor({ classes: ds.classes, given: ds.labels[i], consensus: scores.consensus.subarray(i * K, i * K + K), teacher: cv.teacher?.subarray(i * K, i * K + K), piDisagree: cv.piDisagree[i], piPasses: cv.piPasses, flips: cv.flips[i], epochs: cv.epochs }),
  };
}

const TOP_SUSPECTS = 100;

/** Rows of conflicting groups whose label is not the group's suggestion, largest groups first. */
function conflictSuspects(tr: Trained): Suspect[] {
  const { ds, scores } = tr;
  const out: Suspect[] = [];
  if (!tr.conflicts || !tr.duplicates) return out;
  for (const c of [...tr.conflicts].sort((a, b) => b.size - a.size || a.group - b.group)) {
    if (c.suggested < 0) continue;
    for (const r of tr.duplicates.groups.members(c.group)) {
      if (ds.labels[r] < 0 || ds.labels[r] === c.suggested || Number.isNaN(scores.suspicion[r])) continue;
      out.push({ kind: 'conflict', row: r, id: ds.rowId(r), line: ds.table.index.line[r], given: ds.labelName(r), suggested: ds.classes[c.suggested], suspicion: +scores.suspicion[r].toFixed(4), flagged: scores.flagged[r] === 1, reason: c.reason });
    }
  }
  return out;
}

/** Each fold model's held-out accuracy after its last epoch, [repeat][fold] (outputs come sorted by repeat, then fold). */
function foldAccuracyOf({ cv, options }: Trained): Pick<Summary, 'foldAccuracy'> {
  const { folds, repeats } = options;
  if (cv.foldAccuracy.length !== folds * repeats || cv.foldAccuracy.some((a) => a.length === 0)) return {};
  return { foldAccuracy: Array.from({ length: repeats }, (_, r) => cv.foldAccuracy.slice(r * folds, (r + 1) * folds).map((a) => +a[a.length - 1].toFixed(6))) };
}

export function summarize(kind: RunKind, tr: Trained): Omit<Summary, 'arrays'> {
  const { ds, cv, scores, options } = tr;
  const N = ds.rowCount;
  const labels = ds.labels;
  const stats = classStats({ classes: ds.classes, labels, suggested: scores.suggested, flagged: scores.flagged, thresholds: scores.thresholds });
  const order = Array.from({ length: N }, (_, i) => i).filter((i) => labels[i] >= 0 && !Number.isNaN(scores.suspicion[i])).sort((a, b) => scores.suspicion[b] - scores.suspicion[a] || a - b);
  // Label conflicts rank first: a copy whose group votes for another label is the most convincing
  // error to show. Then the rest by suspicion.
  const conflicting = conflictSuspects(tr);
  const seen = new Set(conflicting.map((s) => s.row));
  const topSuspects = [...conflicting, ...order.filter((i) => !seen.has(i)).slice(0, TOP_SUSPECTS).map((i) => suspectOf(tr, i))].slice(0, TOP_SUSPECTS);
  const topConflicts = tr.conflicts && tr.duplicates ? [...tr.conflicts].sort((a, b) => b.size - a.size || a.group - b.group).slice(0, 100).map((c) => ({
    group: c.group + 1, reason: c.reason, suggested: c.suggested >= 0 ? ds.classes[c.suggested] : undefined,
    members: [...tr.duplicates!.groups.members(c.group)].map((r) => ({ row: r, id: ds.rowId(r), line: ds.table.index.line[r], given: ds.labelName(r) })),
  })) : undefined;
  return {
    kind, file: ds.table.path, readAs: optionsOf(ds), rows: N, labeled: stats.labeled, unlabeled: ds.unlabeled, skipped: ds.skipped,
    classes: ds.classes, counts: ds.counts, flagged: stats.flagged, estimatedNoiseRate: stats.labeled ? stats.flagged / stats.labeled : 0,
    oofAccuracy: stats.accuracy, classStats: stats.classStats, ...foldAccuracyOf(tr),
    matrix: stats.matrix, joint: Array.from(scores.joint), imbalanceRatio: ds.imbalanceRatio(),
    backend: cv.backend, model: cv.model, pruned: tr.pruned, probabilities: tr.probabilities, dataKind: tr.kind, seconds: tr.seconds, options: { ...options }, softTargets: tr.softTargets,
    ranking: scores.ranking, epochs: cv.epochs, piPasses: cv.piPasses,
    topSuspects,
    ...(tr.excluded ? { excluded: tr.excluded } : {}),
    ...(tr.map && tr.representation ? { map: { method: tr.map.method, sample: tr.map.sample, seconds: tr.map.seconds, representation: { source: tr.representation.source, description: tr.representation.description, dim: tr.representation.dim } } } : {}),
    ...(tr.duplicates && tr.conflicts ? { duplicates: duplicateSummary(tr.duplicates, tr.conflicts, { jaccard: options.jaccard, groupFolds: !options.splitDuplicates }, tr.outliers), topConflicts } : {}),
    createdAt: new Date().toISOString(),
  };
}

/**
 * Writes the run's files into `outDir` and records it in the history. The summary is written
 * last, with the seconds the write itself took: a summary on disk means the arrays beside it are complete.
 */
export function writeResults(outDir: string, kind: RunKind, tr: Trained, extra: RetrainExtra = {}, onProgress?: (message: string) => void): JobResult {
  const t0 = performance.now();
  // Never through a link planted in the dataset's .label-lens/ (see core/labels/writeProtocol).
  prepareResultsDir(tr.ds.table.path, outDir);
  const files = resultFiles(outDir, kind);
  // Both files are streamed into their temp files (1M rows: 400 MB of arrays, 200 MB of text that
  // would otherwise be built whole in memory beside the run's arrays), then renamed into place.
  const arrays = resultArraysOf(tr);
  const entries = arrayEntries(arrays, { rows: tr.ds.rowCount, classes: tr.cv.K, epochs: tr.cv.epochs });
  writeResultFileStreamed(files.arrays, (out) => writeArrays(out, arrays, entries));
  // rows.csv takes most of the phase (1M rows: tens of seconds): reported every tenth of the rows or so.
  const N = tr.ds.rowCount;
  let told = 0;
  const onRows = onProgress && ((done: number) => { if (done - told >= N / 10 || done === N) { told = done; onProgress(`rows.csv: ${Math.round((100 * done) / N)}% of ${N} rows`); } });
  onProgress?.(`${basename(files.arrays)} written; rows.csv`);
  writeResultFileStreamed(files.rowsCsv, (out) => eachRowsCsvPiece(tr.ds, arrays, tr.cv.piPasses, (text) => out.write(Buffer.from(text, 'utf8')), undefined, onRows));
  let images: Summary['images'];
  if (tr.images) {
    // Thumbnails from the training decode, for the review editor (and WebP, which it cannot decode itself).
    writeResultFile(files.thumbs, tr.images.pixels);
    images = {
      width: tr.images.width, height: tr.images.height, thumbnails: basename(files.thumbs), decoder: tr.images.decoder,
      unreadable: tr.images.failed.length, unreadableList: tr.images.failed.slice(0, 1000).map(({ id, message }) => ({ id, message })),
    };
  }
  onProgress?.('summary');
  tr.seconds.write = +((performance.now() - t0) / 1000).toFixed(3);
  const summary: Summary = { ...summarize(kind, tr), arrays: entries, ...extra, ...(images ? { images } : {}) };
  writeResultFile(files.summary, JSON.stringify(summary, null, 1));
  recordRun(outDir, summary);
  return { summaryPath: files.summary, arraysPath: files.arrays, rowsCsvPath: files.rowsCsv, summary };
}
