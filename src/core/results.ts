/**
 * The results of an analysis on disk: `arrays.bin` (Float32 arrays, N×K and N) described by
 * `summary.json`, and `rows.csv` for people and scripts. Large arrays never cross IPC.
 */
import { readFileSync } from 'node:fs';

export interface ArrayEntry {
  name: string;
  /** Offset in Float32 elements. */
  offset: number;
  length: number;
  shape: number[];
}

export interface ClassStat {
  name: string;
  given: number;
  predicted: number;
  /** Given labels with every flagged row's suggestion applied. */
  corrected: number;
  precision: number;
  recall: number;
  threshold: number;
  flagged: number;
}

export interface Suspect {
  row: number;
  id: string;
  line: number;
  given: string;
  suggested: string;
  suspicion: number;
  flagged: boolean;
  reason: string;
}

/** An image dataset's decode: the model's input size, the thumbnails file, the images that failed. */
export interface ImageResults {
  width: number;
  height: number;
  /** File beside summary.json: N × width × height grey levels (uint8), the model's input. */
  thumbnails: string;
  decoder: string;
  unreadable: number;
  /** At most 1000 of them, by id (path). */
  unreadableList: { id: string; message: string }[];
}

export interface Summary {
  kind: 'analysis' | 'retrain';
  file: string;
  rows: number;
  labeled: number;
  unlabeled: number;
  skipped: number;
  classes: string[];
  counts: number[];
  flagged: number;
  estimatedNoiseRate: number;
  /** Out-of-fold accuracy against the given labels. */
  oofAccuracy: number;
  classStats: ClassStat[];
  /** given × predicted counts, K×K row-major. */
  matrix: number[];
  /** Calibrated confident joint, K×K row-major, [given][true]. */
  joint: number[];
  imbalanceRatio: number;
  backend: string;
  /** Image datasets: how the images were decoded and which could not be. */
  images?: ImageResults;
  /** The model trained (fasttext, mlp, cnn); absent in summaries written before it was recorded. */
  model?: string;
  /** With the prune option: rows the first pass flagged, left out of the second pass's training. */
  pruned?: number;
  dataKind: string;
  seconds: Record<string, number>;
  options: Record<string, unknown>;
  softTargets: number;
  /** How rows were ranked (see core/signals/score). */
  ranking: string;
  epochs: number;
  piPasses: number;
  arrays: ArrayEntry[];
  topSuspects: Suspect[];
  createdAt: string;
  /** For a retrain: the run it is compared with. */
  before?: Pick<Summary, 'oofAccuracy' | 'flagged' | 'classStats' | 'createdAt' | 'options'>;
}

/** Packs named Float32 arrays into one buffer and their table of contents. */
export function packArrays(arrays: { name: string; data: ArrayLike<number>; shape: number[] }[]): { buffer: Buffer; entries: ArrayEntry[] } {
  const total = arrays.reduce((s, a) => s + a.data.length, 0);
  const out = new Float32Array(total);
  const entries: ArrayEntry[] = [];
  let at = 0;
  for (const a of arrays) {
    out.set(a.data, at);
    entries.push({ name: a.name, offset: at, length: a.data.length, shape: a.shape });
    at += a.data.length;
  }
  return { buffer: Buffer.from(out.buffer, out.byteOffset, out.byteLength), entries };
}

export function readArrays(path: string, entries: ArrayEntry[]): Map<string, Float32Array> {
  const buf = readFileSync(path);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return new Map(entries.map((e) => [e.name, all.subarray(e.offset, e.offset + e.length)]));
}
