/**
 * Predicted probabilities from the user's own model, read and checked against the dataset:
 * - CSV / TSV: an id column (named as the dataset's id column, else `id`) and one column per class,
 *   named exactly as the class;
 * - JSON Lines: {"id": …, "pred_probs": {"class": p, …}} or "pred_probs": [p, …] in class order;
 * - NumPy .npy: an N×K float32/float64 array, one row per data row in file order, classes in order.
 * Class order is the dataset's (`sortClasses`: numeric when every class is a number, else by code
 * point), the order `inspect` and summary.json list. Damaged rows of the dataset need no row.
 * Every problem names the file, the line (or array row) and what was expected; up to a few are
 * listed, with the count of the rest, so one pass shows what to fix.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { UserError, fsUserError } from '../errors';
import { openTable } from '../table/table';
import { TableError } from '../table/problems';
import { readNpy } from './npy';
import { SKIPPED } from '../labelCodes';

export type PredictionFormat = 'csv' | 'tsv' | 'jsonl' | 'npy';

/** What the probabilities are checked against: the dataset as opened. */
export interface PredictionTarget {
  classes: string[];
  rowCount: number;
  /** The dataset's id column name, when it has one. */
  idColumn?: string;
  rowId(i: number): string;
  rowOf(id: string): number | undefined;
  /** A damaged row: not analyzed, so it needs no probabilities. */
  isSkipped(i: number): boolean;
}

export interface GivenPredictions {
  /** N×K row-major, in the dataset's row and class order (zeros for damaged rows). */
  probs: Float32Array;
  format: PredictionFormat;
  file: string;
  /** Rows whose probabilities were divided by their sum (--normalize). */
  normalized: number;
}

/** Tolerance of a row's sum. */
export const SUM_TOLERANCE = 1e-3;
const SHOWN = 5;

export function predictionFormatOf(path: string): PredictionFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.npy') return 'npy';
  return undefined;
}

/** Collects the problems of one file, then throws them as one UserError. */
class Problems {
  private readonly list: { where: string; line?: number; message: string }[] = [];
  count = 0;
  constructor(private readonly file: string) {}
  add(where: string, message: string, line?: number): void {
    this.count++;
    if (this.list.length < SHOWN) this.list.push({ where, message, line });
  }
  throwIfAny(hint = ''): void {
    if (!this.count) return;
    const first = this.list[0];
    const more = this.count > this.list.length ? `\n  … and ${this.count - this.list.length} more` : '';
    throw new UserError('data', `${basename(this.file)}: ${this.count} problem${this.count === 1 ? '' : 's'} in the predicted probabilities:\n${this.list.map((p) => `  ${p.where}: ${p.message}`).join('\n')}${more}${hint}`, { file: this.file, line: first.line });
  }
}

const NON_FINITE = /^[+-]?(inf|infinity|nan)$/i;

/** Reads and checks a predictions file; throws a UserError that lists what is wrong. */
export function readPredictions(path: string, target: PredictionTarget, opts: { normalize?: boolean } = {}): GivenPredictions {
  const format = predictionFormatOf(path);
  if (!format) throw new UserError('usage', `${path}: unknown predictions format "${extname(path) || '(no extension)'}": expected .csv, .tsv, .jsonl or .npy`, { file: path });
  const K = target.classes.length;
  const N = target.rowCount;
  const probs = new Float32Array(N * K);
  const problems = new Problems(path);
  /** Row of the dataset → where its probabilities came from (for duplicate and missing checks). */
  const seen = new Int32Array(N).fill(-1);
  let normalized = 0;
  let sumProblems = 0;

  /** Checks one row's K values and stores them at dataset row `row`. */
  const put = (row: number, values: ArrayLike<number>, where: string, line?: number) => {
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const v = values[k];
      if (!Number.isFinite(v)) { problems.add(where, `the probability of class "${target.classes[k]}" is ${String(v)}: expected a finite number`, line); return; }
      if (v < 0) { problems.add(where, `the probability of class "${target.classes[k]}" is negative (${v}): expected 0..1`, line); return; }
      sum += v;
    }
    let scale = 1;
    if (Math.abs(sum - 1) > SUM_TOLERANCE) {
      if (!opts.normalize || sum <= 0) {
        sumProblems++;
        problems.add(where, sum <= 0 ? 'every probability is 0: expected them to sum to 1' : `the probabilities sum to ${+sum.toPrecision(6)}: expected 1 ± ${SUM_TOLERANCE}`, line);
        return;
      }
      scale = 1 / sum;
      normalized++;
    }
    for (let k = 0; k < K; k++) probs[row * K + k] = scale === 1 ? values[k] : values[k] * scale;
  };
  const rowById = (id: string, where: string, line?: number): number | undefined => {
    const row = target.rowOf(id);
    if (row === undefined) { problems.add(where, `id "${id}" is not a row of the dataset (an extra row)`, line); return undefined; }
    if (seen[row] >= 0) { problems.add(where, `id "${id}" appears twice (first on line ${seen[row]})`, line); return undefined; }
    seen[row] = line ?? 0;
    return row;
  };

  let bytes: Buffer;
  try { bytes = readFileSync(path); } catch (err) { throw fsUserError(err, path, 'read'); }

  if (format === 'npy') {
    const arr = readNpy(bytes, path);
    const [rows, cols] = arr.shape;
    if (cols !== K) throw new UserError('data', `${basename(path)}: ${cols} columns, the dataset has ${K} classes (${preview(target.classes)}): expected an N×${K} array, classes in this order`, { file: path });
    if (rows !== N) throw new UserError('data', `${basename(path)}: ${rows} rows, the dataset has ${N}: expected one row per data row, in file order (${rows < N ? 'missing rows' : 'extra rows'})`, { file: path });
    for (let i = 0; i < N; i++) {
      if (target.isSkipped(i)) continue;
      put(i, arr.data.subarray(i * K, i * K + K), `array row ${i} (id "${target.rowId(i)}")`);
    }
  } else if (format === 'jsonl') {
    const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
    let line = 0;
    for (const raw of text.split('\n')) {
      line++;
      const s = raw.trim();
      if (s === '') continue;
      const where = `line ${line}`;
      let obj: unknown;
      try { obj = JSON.parse(s); } catch (err) { problems.add(where, `not valid JSON (${(err as Error).message})`, line); continue; }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) { problems.add(where, 'expected an object {"id": …, "pred_probs": …}', line); continue; }
      const o = obj as Record<string, unknown>;
      if (typeof o.id !== 'string' && typeof o.id !== 'number') { problems.add(where, 'no "id" (a string or number)', line); continue; }
      const pp = o.pred_probs;
      const id = String(o.id);
      let values: number[];
      if (Array.isArray(pp)) {
        if (pp.length !== K) { problems.add(where, `"pred_probs" has ${pp.length} values, the dataset has ${K} classes: expected ${K}, in the order ${preview(target.classes)}`, line); continue; }
        values = pp.map((v) => (typeof v === 'number' ? v : NaN));
        const bad = pp.findIndex((v) => typeof v !== 'number');
        if (bad >= 0) { problems.add(where, `"pred_probs"[${bad}] is ${JSON.stringify(pp[bad])}: expected a number`, line); continue; }
      } else if (pp && typeof pp === 'object') {
        const m = pp as Record<string, unknown>;
        const unknown = Object.keys(m).filter((c) => !target.classes.includes(c));
        if (unknown.length) { problems.add(where, `unknown class ${JSON.stringify(unknown[0])}: expected only the dataset's classes (${preview(target.classes)})`, line); continue; }
        const missing = target.classes.find((c) => !(c in m));
        if (missing !== undefined) { problems.add(where, `no probability for class ${JSON.stringify(missing)}`, line); continue; }
        const bad = target.classes.find((c) => typeof m[c] !== 'number');
        if (bad !== undefined) { problems.add(where, `the probability of class ${JSON.stringify(bad)} is ${JSON.stringify(m[bad])}: expected a number`, line); continue; }
        values = target.classes.map((c) => m[c] as number);
      } else { problems.add(where, 'no "pred_probs" (an object {class: p} or an array in class order)', line); continue; }
      const row = rowById(id, where, line);
      if (row !== undefined) put(row, values, where, line);
    }
  } else {
    let table;
    try { table = openTable(path, { format }); } catch (err) {
      if (err instanceof TableError) throw new UserError('data', `${basename(path)}: ${err.message}`, { file: path });
      throw err;
    }
    const header = table.header.map((h) => h.trim());
    const idName = target.idColumn !== undefined && header.includes(target.idColumn) ? target.idColumn : 'id';
    const idCol = header.indexOf(idName);
    if (idCol < 0) throw new UserError('data', `${basename(path)}: no id column: expected a column named ${JSON.stringify(target.idColumn ?? 'id')}${target.idColumn && target.idColumn !== 'id' ? ' or "id"' : ''}${target.idColumn === undefined ? ' holding "row N" or the 1-based row number (the dataset has no id column)' : ''}`, { file: path, line: 1 });
    const classCol = new Int32Array(K).fill(-1);
    for (let c = 0; c < header.length; c++) {
      if (c === idCol) continue;
      const k = target.classes.indexOf(header[c]);
      if (k < 0) problems.add(`line ${table.headerLine}, column ${c + 1}`, `column ${JSON.stringify(header[c])} is not a class of the dataset (expected the id column and one column per class: ${preview(target.classes)})`, table.headerLine);
      else if (classCol[k] >= 0) problems.add(`line ${table.headerLine}, column ${c + 1}`, `class ${JSON.stringify(header[c])} has two columns`, table.headerLine);
      else classCol[k] = c;
    }
    for (let k = 0; k < K; k++) if (classCol[k] < 0) problems.add(`line ${table.headerLine}`, `no column for class ${JSON.stringify(target.classes[k])}`, table.headerLine);
    problems.throwIfAny();
    const values = new Float64Array(K);
    for (let i = 0; i < table.rowCount; i++) {
      const line = table.index.line[i];
      const where = `line ${line}`;
      if (table.index.damaged[i]) { problems.add(where, 'the row is malformed (see its quoting)', line); continue; }
      const cells = table.row(i);
      let ok = true;
      for (let k = 0; k < K && ok; k++) {
        const t = (cells[classCol[k]] ?? '').trim();
        const v = t === '' ? NaN : Number(t);
        if (Number.isNaN(v) && !NON_FINITE.test(t)) { problems.add(`${where}, column ${classCol[k] + 1}`, `${t === '' ? 'empty' : JSON.stringify(t)}: expected the probability of class ${JSON.stringify(target.classes[k])} as a number`, line); ok = false; }
        values[k] = NON_FINITE.test(t) ? (/nan/i.test(t) ? NaN : t.startsWith('-') ? -Infinity : Infinity) : v;
      }
      if (!ok) continue;
      const row = rowById(cells[idCol].trim(), where, line);
      if (row !== undefined) put(row, values, where, line);
    }
  }

  if (format !== 'npy') {
    let missing = 0;
    const examples: string[] = [];
    for (let i = 0; i < N; i++) {
      if (seen[i] >= 0 || target.isSkipped(i)) continue;
      missing++;
      if (examples.length < SHOWN) examples.push(JSON.stringify(target.rowId(i)));
    }
    if (missing) problems.add('rows', `${missing} row${missing === 1 ? '' : 's'} of the dataset ha${missing === 1 ? 's' : 've'} no probabilities (missing rows), e.g. id ${examples.join(', ')}`);
  }
  problems.throwIfAny(sumProblems && !opts.normalize ? '\n(If the rows are scores rather than probabilities, pass --normalize to divide each row by its sum.)' : '');
  return { probs, format, file: path, normalized };
}

function preview(classes: string[]): string {
  const shown = classes.slice(0, 8).map((c) => JSON.stringify(c)).join(', ');
  return classes.length > 8 ? `${shown}, … (${classes.length})` : shown;
}

/** The dataset as predictions are matched to it. */
export function predictionTargetOf(ds: { classes: string[]; rowCount: number; roles: { id?: number }; table: { header: string[] }; labels: Int32Array; rowId(i: number): string; rowOf(id: string): number | undefined }): PredictionTarget {
  return {
    classes: ds.classes, rowCount: ds.rowCount, idColumn: ds.roles.id !== undefined ? ds.table.header[ds.roles.id] : undefined,
    rowId: (i) => ds.rowId(i), rowOf: (id) => ds.rowOf(id), isSkipped: (i) => ds.labels[i] === SKIPPED,
  };
}
