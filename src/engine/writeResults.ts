/**
 * The write phase: a trained run as the files of its results folder (layout: src/core/results.ts)
 * — arrays.bin, rows.csv, summary.json — and a record in the folder's run history.
 */
import { basename } from 'node:path';
import { prepareResultsDir, writeResultFile } from '../core/labels/writeProtocol';
import { packArrays, recordRun, resultFiles, type ResultArrays, type RunKind, type Summary, type Suspect } from '../core/results';
import { rowsCsv } from '../core/report/rowsCsv';
import { classStats } from '../core/signals/classStats';
import { reasonFor } from '../core/signals/reason';
import type { ProbabilitySource } from './ownModel';
import type { Scores } from '../core/signals/score';
import { optionsOf, type Dataset } from '../core/table/dataset';
import type { Phase, TrainOptions } from '../protocol/engine';
import type { CrossValResult } from './crossval';
import type { DecodedImages } from './images';

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
  /** Where the probabilities came from (ours, the user's, both; embeddings). */
  probabilities?: ProbabilitySource;
}

export interface JobResult {
  summaryPath: string;
  arraysPath: string;
  rowsCsvPath: string;
  summary: Summary;
}

/** What a retrain adds to its summary. */
export type RetrainExtra = Pick<Summary, 'before' | 'fixed'>;

export function resultArraysOf(tr: Pick<Trained, 'ds' | 'cv' | 'scores'>): ResultArrays<ArrayLike<number>> {
  const { cv, scores, ds } = tr;
  return {
    consensus: scores.consensus, student: cv.student, ema: cv.ema, teacher: cv.teacher, pi: cv.pi,
    suspicion: scores.suspicion, selfConfidence: scores.selfConfidence, margin: scores.margin, suggested: scores.suggested,
    flagged: scores.flagged, label: ds.labels, piDisagree: cv.piDisagree, piSpread: cv.piSpread, flips: cv.flips, history: cv.history,
  };
}

export function suspectOf(tr: Pick<Trained, 'ds' | 'cv' | 'scores'>, i: number): Suspect {
  const { ds, cv, scores } = tr;
  const K = cv.K;
  return {
    row: i, id: ds.rowId(i), line: ds.table.index.line[i], given: ds.labelName(i), suggested: ds.classes[scores.suggested[i]],
    suspicion: +scores.suspicion[i].toFixed(4), flagged: scores.flagged[i] === 1,
    reason: reasonFor({ classes: ds.classes, given: ds.labels[i], consensus: scores.consensus.subarray(i * K, i * K + K), teacher: cv.teacher?.subarray(i * K, i * K + K), piDisagree: cv.piDisagree[i], piPasses: cv.piPasses, flips: cv.flips[i], epochs: cv.epochs }),
  };
}

const TOP_SUSPECTS = 100;

export function summarize(kind: RunKind, tr: Trained): Omit<Summary, 'arrays'> {
  const { ds, cv, scores, options } = tr;
  const N = ds.rowCount;
  const labels = ds.labels;
  const stats = classStats({ classes: ds.classes, labels, suggested: scores.suggested, flagged: scores.flagged, thresholds: scores.thresholds });
  const order = Array.from({ length: N }, (_, i) => i).filter((i) => labels[i] >= 0).sort((a, b) => scores.suspicion[b] - scores.suspicion[a] || a - b);
  return {
    kind, file: ds.table.path, readAs: optionsOf(ds), rows: N, labeled: stats.labeled, unlabeled: ds.unlabeled, skipped: ds.skipped,
    classes: ds.classes, counts: ds.counts, flagged: stats.flagged, estimatedNoiseRate: stats.labeled ? stats.flagged / stats.labeled : 0,
    oofAccuracy: stats.accuracy, classStats: stats.classStats,
    matrix: stats.matrix, joint: Array.from(scores.joint), imbalanceRatio: ds.imbalanceRatio(),
    backend: cv.backend, model: cv.model, pruned: tr.pruned, probabilities: tr.probabilities, dataKind: tr.kind, seconds: tr.seconds, options: { ...options }, softTargets: tr.softTargets,
    ranking: scores.ranking, epochs: cv.epochs, piPasses: cv.piPasses,
    topSuspects: order.slice(0, TOP_SUSPECTS).map((i) => suspectOf(tr, i)), createdAt: new Date().toISOString(),
  };
}

/**
 * Writes the run's files into `outDir` and records it in the history. The summary is written
 * last, with the seconds the write itself took: a summary on disk means the arrays beside it are complete.
 */
export function writeResults(outDir: string, kind: RunKind, tr: Trained, extra: RetrainExtra = {}): JobResult {
  const t0 = performance.now();
  // Never through a link planted in the dataset's .label-lens/ (see core/labels/writeProtocol).
  prepareResultsDir(tr.ds.table.path, outDir);
  const files = resultFiles(outDir, kind);
  const { buffer, entries } = packArrays(resultArraysOf(tr), { rows: tr.ds.rowCount, classes: tr.cv.K, epochs: tr.cv.epochs });
  writeResultFile(files.arrays, buffer);
  writeResultFile(files.rowsCsv, rowsCsv(tr.ds, resultArraysOf(tr), tr.cv.piPasses));
  let images: Summary['images'];
  if (tr.images) {
    // Thumbnails from the training decode, for the review editor (and WebP, which it cannot decode itself).
    writeResultFile(files.thumbs, tr.images.pixels);
    images = {
      width: tr.images.width, height: tr.images.height, thumbnails: basename(files.thumbs), decoder: tr.images.decoder,
      unreadable: tr.images.failed.length, unreadableList: tr.images.failed.slice(0, 1000).map(({ id, message }) => ({ id, message })),
    };
  }
  tr.seconds.write = +((performance.now() - t0) / 1000).toFixed(3);
  const summary: Summary = { ...summarize(kind, tr), arrays: entries, ...extra, ...(images ? { images } : {}) };
  writeResultFile(files.summary, JSON.stringify(summary, null, 1));
  recordRun(outDir, summary);
  return { summaryPath: files.summary, arraysPath: files.arrays, rowsCsvPath: files.rowsCsv, summary };
}
