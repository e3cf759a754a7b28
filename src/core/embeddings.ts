/**
 * Embeddings the user brings: a column holding one vector per row (a JSON array "[0.12, -0.3, …]"
 * or whitespace-separated numbers "0.12 -0.3 …", as pandas, FiftyOne and Spotlight exports hold
 * them), or an N×D .npy file in file row order. Read into one N×D Float32Array with every problem
 * named by line.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError, fsUserError } from './errors';
import { readNpy } from './predictions/npy';

export interface EmbeddingRows {
  x: Float32Array;
  dim: number;
  /** Where they came from: `column "emb"`, `emb.npy`. */
  source: string;
}

/** Fewest numbers a cell needs to count as a vector in role inference. */
export const MIN_EMBEDDING_DIM = 4;

/** The numbers of one cell, or undefined when it is not a vector. */
export function parseVector(cell: string): number[] | undefined {
  const t = cell.trim();
  if (t === '') return undefined;
  let parts: string[];
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) return undefined;
    parts = t.slice(1, -1).split(',');
  } else {
    if (!/^[-+.\d]/.test(t)) return undefined;
    parts = t.split(/\s+/);
  }
  const out = new Array<number>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i].trim();
    const v = p === '' ? NaN : Number(p);
    if (!Number.isFinite(v)) return undefined;
    out[i] = v;
  }
  return out;
}

/** Reads the vectors of column `col`; damaged rows (`skip`) get zeros. */
export function embeddingColumn(rows: number, cellOf: (i: number) => string, lineOf: (i: number) => number, skip: (i: number) => boolean, name: string, file: string): EmbeddingRows {
  let dim = 0;
  let x = new Float32Array(0);
  const problems: string[] = [];
  let count = 0;
  let firstLine: number | undefined;
  for (let i = 0; i < rows; i++) {
    if (skip(i)) continue;
    const cell = cellOf(i);
    const v = parseVector(cell);
    const bad = (msg: string) => { count++; firstLine ??= lineOf(i); if (problems.length < 5) problems.push(`  line ${lineOf(i)}: ${msg}`); };
    if (!v) { bad(`${cell.trim() === '' ? 'empty' : JSON.stringify(cell.length > 40 ? cell.slice(0, 40) + '…' : cell)}: expected a vector of numbers ([0.1, -0.2, …] or 0.1 -0.2 …)`); continue; }
    if (!dim) { dim = v.length; x = new Float32Array(rows * dim); }
    if (v.length !== dim) { bad(`${v.length} numbers, the first row has ${dim}: expected every vector to have the same length`); continue; }
    for (let d = 0; d < dim; d++) x[i * dim + d] = v[d];
  }
  if (count) throw new UserError('data', `${basename(file)}: ${count} row${count === 1 ? '' : 's'} of the embedding column ${JSON.stringify(name)} cannot be read:\n${problems.join('\n')}${count > problems.length ? `\n  … and ${count - problems.length} more` : ''}`, { file, line: firstLine });
  if (!dim) throw new UserError('data', `${basename(file)}: the embedding column ${JSON.stringify(name)} holds no vectors`, { file });
  return { x, dim, source: `column "${name}"` };
}

/** Reads an N×D .npy of embeddings, one row per data row in file order. */
export function embeddingsNpy(path: string, rows: number): EmbeddingRows {
  let bytes: Buffer;
  try { bytes = readFileSync(path); } catch (err) { throw fsUserError(err, path, 'read'); }
  const arr = readNpy(bytes, path);
  if (arr.shape[0] !== rows) throw new UserError('data', `${basename(path)}: ${arr.shape[0]} rows, the dataset has ${rows}: expected one embedding per data row, in file order`, { file: path });
  for (let j = 0; j < arr.data.length; j++) {
    if (!Number.isFinite(arr.data[j])) {
      const i = Math.floor(j / arr.shape[1]);
      throw new UserError('data', `${basename(path)}: array row ${i}, column ${j % arr.shape[1]} is ${arr.data[j]}: expected finite numbers`, { file: path });
    }
  }
  return { x: Float32Array.from(arr.data), dim: arr.shape[1], source: basename(path) };
}
