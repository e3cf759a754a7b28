/**
 * Out-of-fold probabilities written in the three formats `readPredictions` reads (and cleanlab,
 * pandas and NumPy read): CSV/TSV (id + one column per class), JSON Lines ({"id", "pred_probs":
 * {class: p}}) and .npy (N×K float32, file row order, classes in the dataset's order).
 * Values are written as the shortest decimal that reads back to the same float32, so an analysis
 * from an exported file sees bit-identical probabilities.
 */
import { atomicWrite } from '../labels/atomicWrite';
import { quoteIfNeeded } from '../table/csv';
import { UserError } from '../errors';
import { writeNpy } from './npy';
import { predictionFormatOf, type PredictionFormat } from './read';

export interface PredictionSource {
  classes: string[];
  rowCount: number;
  /** The id column's name in the written CSV/TSV ("id" when the dataset has none). */
  idColumn: string;
  rowId(i: number): string;
  /** Damaged rows have no prediction: left out of CSV/TSV/JSONL, uniform in .npy (which needs every row). */
  isSkipped(i: number): boolean;
  /** N×K row-major. */
  probs: Float32Array;
}

/** The shortest decimal text that parses back to the same float32. */
export function float32Text(x: number): string {
  const f = Math.fround(x);
  if (f === 0) return '0';
  for (let p = 6; p < 9; p++) {
    const s = String(Number(f.toPrecision(p)));
    if (Math.fround(Number(s)) === f) return s;
  }
  return String(Number(f.toPrecision(9)));
}

export function formatPredictions(src: PredictionSource, format: PredictionFormat): Buffer {
  const { classes, rowCount: N, probs } = src;
  const K = classes.length;
  if (format === 'npy') {
    const out = new Float32Array(N * K);
    for (let i = 0; i < N; i++) for (let k = 0; k < K; k++) out[i * K + k] = src.isSkipped(i) ? 1 / K : probs[i * K + k];
    return writeNpy([N, K], out, 'float32');
  }
  const lines: string[] = [];
  if (format === 'jsonl') {
    for (let i = 0; i < N; i++) {
      if (src.isSkipped(i)) continue;
      const pp = classes.map((c, k) => `${JSON.stringify(c)}: ${float32Text(probs[i * K + k])}`).join(', ');
      lines.push(`{"id": ${JSON.stringify(src.rowId(i))}, "pred_probs": {${pp}}}`);
    }
  } else {
    const d = format === 'tsv' ? '\t' : ',';
    const q = (s: string) => quoteIfNeeded(s, d, false);
    lines.push([src.idColumn, ...classes].map(q).join(d));
    for (let i = 0; i < N; i++) {
      if (src.isSkipped(i)) continue;
      const row = [q(src.rowId(i))];
      for (let k = 0; k < K; k++) row.push(float32Text(probs[i * K + k]));
      lines.push(row.join(d));
    }
  }
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

/** Writes the probabilities to `path` (format by its extension), atomically. */
export function writePredictions(path: string, src: PredictionSource): PredictionFormat {
  const format = predictionFormatOf(path);
  if (!format) throw new UserError('usage', `${path}: unknown predictions format: expected a file name ending in .csv, .tsv, .jsonl or .npy`, { file: path });
  atomicWrite(path, formatPredictions(src, format));
  return format;
}
