/**
 * The one typed contract between a caller (the extension host, the CLI) and the engine child process.
 * Large arrays never cross this channel: the engine writes them to files and sends their paths.
 */

export type Backend = 'tensorflow' | 'wasm' | 'cpu' | 'typescript';
export type ImbalanceRemedy = 'none' | 'class-weights' | 'logit-adjustment' | 'focal';
/** Network for pixel images: auto = a CNN on the native tfjs-node backend, else the MLP. */
export type PixelModel = 'auto' | 'mlp' | 'cnn';

/** How a dataset is read: the same overrides as the CLI's. */
export interface DatasetSpec {
  file: string;
  label?: string;
  text?: string;
  id?: string;
  features?: string;
  encoding?: string;
  /** The embedding column, or "none". */
  embedding?: string;
}

export interface TrainOptions {
  folds: number;
  /**
   * K-fold repeats with different splits and seeds, averaged: every row gets `repeats` out-of-fold
   * predictions (a bagged ensemble; costs `repeats` times the training). 0 = by data kind.
   */
  repeats: number;
  epochs: number;
  seed: number;
  /** Stochastic passes at the end of training for the Π-model signal. */
  piPasses: number;
  /** Temporal-ensemble decay α of Z ← αZ + (1−α)z. */
  emaDecay: number;
  /** Mean teacher: EMA horizon of the weights, in epochs. */
  teacherHorizon: number;
  /** Weight of the training-time consistency loss (0 = off); ramped up with a sigmoid. */
  consistency: number;
  /** Global label smoothing ε (per-row targets from the sidecar win). */
  labelSmoothing: number;
  imbalance: ImbalanceRemedy;
  /** Add each class's name as a training example of that class (text data). */
  labelNames: boolean;
  /** Parallel fold workers (default: cores). */
  workers: number;
  /**
   * Train twice: the second K-fold pass leaves out of training the rows the first flagged, and its
   * predictions rank the rows. For systematic (class-to-class) noise, which a model otherwise learns.
   */
  prune: boolean;
  pixelModel: PixelModel;
  /** The user's out-of-sample predicted probabilities (CSV/TSV/JSONL/.npy): training is skipped. '' = none. */
  predProbs: string;
  /** Divide each row of predProbs by its sum (scores that do not sum to 1). */
  normalize: boolean;
  /** Average predProbs with our own out-of-fold predictions instead of skipping training. */
  ensemble: boolean;
  /** An N×D .npy of embeddings, one row per data row in file order. '' = none. */
  embeddings: string;
  /** A pretrained text encoder (Hugging Face id or local folder) to embed the text with. '' = none. */
  encoder: string;
  /** k-NN label agreement on embeddings joins the consensus. */
  knn: boolean;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  folds: 5,
  repeats: 0, // 0 = chosen per data kind
  epochs: 0, // 0 = chosen per data kind
  seed: 1,
  piPasses: 5,
  emaDecay: 0.9,
  teacherHorizon: 1,
  consistency: 0,
  labelSmoothing: 0,
  imbalance: 'none',
  labelNames: false,
  workers: 0,
  prune: false,
  pixelModel: 'auto',
  predProbs: '',
  normalize: false,
  ensemble: false,
  embeddings: '',
  encoder: '',
  knn: true,
};

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

export type Phase = 'load' | 'featurize' | 'train' | 'score' | 'write';

export interface ProgressMessage {
  type: 'progress';
  jobId: string;
  phase: Phase;
  /** 0..1 of the whole job. */
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
}

export type ErrorCode = 'cancelled' | 'data' | 'bad-request' | 'internal';

export interface ErrorMessage {
  type: 'error';
  jobId?: string;
  code: ErrorCode;
  message: string;
  details?: string;
}

export interface ReadyMessage {
  type: 'ready';
  pid: number;
}

export type EngineMessage = ProgressMessage | ResultMessage | ErrorMessage | ReadyMessage;

const REMEDIES: readonly ImbalanceRemedy[] = ['none', 'class-weights', 'logit-adjustment', 'focal'];
const PIXEL_MODELS: readonly PixelModel[] = ['auto', 'mlp', 'cnn'];

type Check = (v: unknown) => boolean;
const isInt = (lo: number, hi: number): Check => (v) => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const isNum = (lo: number, hi: number): Check => (v) => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;
const OPTION_CHECKS: Record<keyof TrainOptions, Check> = {
  folds: isInt(2, 20),
  repeats: isInt(0, 5),
  epochs: isInt(0, 500),
  seed: isInt(0, 2 ** 31),
  piPasses: isInt(0, 50),
  emaDecay: isNum(0, 0.999),
  teacherHorizon: isNum(0, 100),
  consistency: isNum(0, 100),
  labelSmoothing: isNum(0, 0.999),
  imbalance: (v) => REMEDIES.includes(v as ImbalanceRemedy),
  labelNames: (v) => typeof v === 'boolean',
  workers: isInt(0, 64),
  prune: (v) => typeof v === 'boolean',
  pixelModel: (v) => PIXEL_MODELS.includes(v as PixelModel),
  predProbs: (v) => typeof v === 'string' && v.length < 4096,
  normalize: (v) => typeof v === 'boolean',
  ensemble: (v) => typeof v === 'boolean',
  embeddings: (v) => typeof v === 'string' && v.length < 4096,
  encoder: (v) => typeof v === 'string' && v.length < 4096,
  knn: (v) => typeof v === 'boolean',
};

/** Checks train options; returns the first problem or undefined. */
export function checkOptions(o: unknown): string | undefined {
  if (o === null || typeof o !== 'object') return 'options must be an object';
  for (const [k, v] of Object.entries(o)) {
    const check = OPTION_CHECKS[k as keyof TrainOptions];
    if (!check) return `unknown option "${k}"`;
    if (!check(v)) return `option "${k}" has an invalid value ${JSON.stringify(v)}`;
  }
  return undefined;
}

const isStr = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length < 4096;

/** Validates a message from a caller; returns the request or a description of what is wrong. */
export function parseRequest(msg: unknown): EngineRequest | string {
  if (msg === null || typeof msg !== 'object') return 'message is not an object';
  const m = msg as Record<string, unknown>;
  if (!isStr(m.jobId)) return 'jobId must be a non-empty string';
  if (m.type === 'cancel') return { type: 'cancel', jobId: m.jobId as string };
  if (m.type !== 'analyze' && m.type !== 'retrain') return `unknown message type ${JSON.stringify(m.type)}`;
  const d = m.dataset as Record<string, unknown> | undefined;
  if (!d || typeof d !== 'object' || !isStr(d.file)) return 'dataset.file must be a path';
  for (const k of ['label', 'text', 'id', 'features', 'encoding', 'embedding']) if (d[k] !== undefined && !isStr(d[k])) return `dataset.${k} must be a string`;
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
    case 'result': return typeof m.jobId === 'string' && isStr(m.summaryPath) && isStr(m.arraysPath) ? (m as unknown as ResultMessage) : undefined;
    case 'error': return typeof m.code === 'string' && typeof m.message === 'string' ? (m as unknown as ErrorMessage) : undefined;
    default: return undefined;
  }
}
