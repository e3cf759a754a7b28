/**
 * The one typed contract between a caller (the extension host, the CLI) and the engine child process.
 * Large arrays never cross this channel: the engine writes them to files and sends their paths.
 */
import type { UserErrorCode } from '../core/errors';
import type { DatasetOptions } from '../core/table/dataset';
import { parseEncodingName } from '../core/table/encoding';
import { checkTrainOptions, type TrainOptions } from './trainOptions';

export { DEFAULT_TRAIN_OPTIONS, type ImbalanceRemedy, type PixelModel, type TrainOptions } from './trainOptions';

export type Backend = 'tensorflow' | 'wasm' | 'cpu' | 'typescript';

/** Which file, read how: the same overrides as the CLI's and the editor's (one type, DatasetOptions). */
export interface DatasetSpec extends DatasetOptions {
  file: string;
}

export interface AnalyzeRequest {
  type: 'analyze';
  jobId: string;
  dataset: DatasetSpec;
  options: Partial<TrainOptions>;
  /** Folder for the results (arrays, summary, rows.csv). */
  outDir: string;
}

export interface RetrainRequest {
  type: 'retrain';
  jobId: string;
  dataset: DatasetSpec;
  options: Partial<TrainOptions>;
  outDir: string;
}

export interface CancelRequest {
  type: 'cancel';
  jobId: string;
}

export type EngineRequest = AnalyzeRequest | RetrainRequest | CancelRequest;

/** `map` comes after the job's result: the results are written and reported, then the map is made. */
export type Phase = 'load' | 'featurize' | 'duplicates' | 'train' | 'score' | 'write' | 'map';

export interface ProgressMessage {
  type: 'progress';
  jobId: string;
  phase: Phase;
  /** 0..1 of the whole job; in phase `map`, 0..1 of the map (the rest of the job is done). */
  fraction: number;
  fold?: number;
  folds?: number;
  epoch?: number;
  epochs?: number;
  rowsPerSec?: number;
  loss?: number;
  etaSeconds?: number;
  message: string;
}

export interface ResultMessage {
  type: 'result';
  jobId: string;
  summaryPath: string;
  arraysPath: string;
  rowsCsvPath: string;
  /**
   * pending: the engine now makes the embedding map and answers `map-ready` (or an error, e.g.
   * cancelled) for this job; the job is over only then. none: no map for this run (--map none).
   */
  map: 'pending' | 'none';
}

/** The map of a job whose result was sent: written to `mapPath` (core/results: the map file). */
export interface MapReadyMessage {
  type: 'map-ready';
  jobId: string;
  mapPath: string;
  method: 'umap' | 'pca';
  /** Rows UMAP embedded itself (all rows for PCA). */
  sample: number;
  rows: number;
  seconds: number;
}

export type ErrorCode = 'cancelled' | 'data' | 'bad-request' | 'internal';

export interface ErrorMessage {
  type: 'error';
  jobId?: string;
  code: ErrorCode;
  /** With code 'data': the UserError's own code (not-writable, disk-full…), for callers that act on it. */
  userCode?: UserErrorCode;
  message: string;
  details?: string;
}

export interface ReadyMessage {
  type: 'ready';
  pid: number;
}

export type EngineMessage = ProgressMessage | ResultMessage | MapReadyMessage | ErrorMessage | ReadyMessage;

/** Checks train options (see the table in ./trainOptions); returns the first problem or undefined. */
export function checkOptions(o: unknown): string | undefined {
  return checkTrainOptions(o)?.message;
}

const isStr = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length < 4096;
const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Validates a message from a caller; returns the request or a description of what is wrong. */
export function parseRequest(msg: unknown): EngineRequest | string {
  if (msg === null || typeof msg !== 'object') return 'message is not an object';
  const m = msg as Record<string, unknown>;
  if (!isStr(m.jobId)) return 'jobId must be a non-empty string';
  if (m.type === 'cancel') return { type: 'cancel', jobId: m.jobId as string };
  if (m.type !== 'analyze' && m.type !== 'retrain') return `unknown message type ${JSON.stringify(m.type)}`;
  const d = m.dataset as Record<string, unknown> | undefined;
  if (!d || typeof d !== 'object' || !isStr(d.file)) return 'dataset.file must be a path';
  for (const k of ['label', 'text', 'id', 'features', 'encoding', 'format', 'embedding']) if (d[k] !== undefined && !isStr(d[k])) return `dataset.${k} must be a string`;
  // The encoding travels by its canonical name (the CLI parses "gbk" to gb18030 before sending).
  if (d.encoding !== undefined && parseEncodingName(d.encoding as string) !== d.encoding) return `dataset.encoding ${JSON.stringify(d.encoding)} is not one of utf-8, utf-16le, utf-16be, gb18030`;
  if (!isStr(m.outDir)) return 'outDir must be a path';
  const bad = checkOptions(m.options ?? {});
  if (bad) return bad;
  return { type: m.type, jobId: m.jobId as string, dataset: d as unknown as DatasetSpec, options: (m.options ?? {}) as Partial<TrainOptions>, outDir: m.outDir as string };
}

/** Validates a message from the engine (the caller trusts nothing that crosses a process boundary). */
export function parseEngineMessage(msg: unknown): EngineMessage | undefined {
  if (msg === null || typeof msg !== 'object') return undefined;
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case 'ready': return typeof m.pid === 'number' ? (m as unknown as ReadyMessage) : undefined;
    case 'progress': return typeof m.jobId === 'string' && typeof m.fraction === 'number' && typeof m.message === 'string' ? (m as unknown as ProgressMessage) : undefined;
    case 'result': return typeof m.jobId === 'string' && isStr(m.summaryPath) && isStr(m.arraysPath) && (m.map === 'pending' || m.map === 'none') ? (m as unknown as ResultMessage) : undefined;
    case 'map-ready': return typeof m.jobId === 'string' && isStr(m.mapPath) && (m.method === 'umap' || m.method === 'pca') && isCount(m.sample) && isCount(m.rows) && typeof m.seconds === 'number' && m.seconds >= 0 ? (m as unknown as MapReadyMessage) : undefined;
    case 'error': return typeof m.code === 'string' && typeof m.message === 'string' && (m.userCode === undefined || typeof m.userCode === 'string') ? (m as unknown as ErrorMessage) : undefined;
    default: return undefined;
  }
}
