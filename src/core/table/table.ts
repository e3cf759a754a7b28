/**
 * A data file opened as a table: the bytes as read, the encoding, the header and a row index of
 * byte offsets. Rows are decoded on demand, so opening costs little more memory than the file.
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { fieldSpans, scanDelimited, unquote, type Units } from './csv';
import { decode, detectEncoding, encode, encodingDoubt, firstInvalid, type EncodingInfo, type EncodingName } from './encoding';
import { fsUserError } from '../errors';
import { cellText, scanLines, valueSpans } from './jsonl';
import { TableError, type Problem, type ProblemCode } from './problems';
import type { FieldSpan, RowIndex, RowIndexBuilder } from './rowIndex';

export type Format = 'csv' | 'tsv' | 'jsonl';

export interface OpenOptions {
  encoding?: EncodingName;
  format?: Format;
  /** Name used in problems; defaults to the file's base name. */
  displayName?: string;
}

/** Most problems stored per kind; the counts stay exact. */
const PROBLEMS_KEPT_PER_CODE = 1000;

export function formatOf(path: string, units: Units, from: number): Format {
  const ext = extname(path).toLowerCase();
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv') return 'csv';
  let i = from;
  while (i < units.length && (units[i] === 0x20 || units[i] === 0x0a || units[i] === 0x0d)) i++;
  if (units[i] === 0x7b) return 'jsonl';
  let tabs = 0, commas = 0;
  for (; i < units.length && units[i] !== 0x0a; i++) { if (units[i] === 0x09) tabs++; else if (units[i] === 0x2c) commas++; }
  return tabs > commas ? 'tsv' : 'csv';
}

function unitsOf(bytes: Uint8Array, enc: EncodingInfo): Units {
  if (enc.unit === 1) return bytes;
  const n = bytes.length >> 1;
  if (enc.name === 'utf-16le' && bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, n);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = enc.name === 'utf-16le' ? bytes[2 * i] | (bytes[2 * i + 1] << 8) : (bytes[2 * i] << 8) | bytes[2 * i + 1];
  }
  return out;
}

export class Table {
  readonly name: string;
  readonly encoding: EncodingInfo;
  readonly format: Format;
  readonly delimiter: string;
  readonly header: string[];
  /** Offsets in bytes. */
  readonly index: RowIndex;
  readonly problems: Problem[] = [];
  readonly problemCounts = new Map<ProblemCode, number>();
  /** The line ending most records end with, for anything appended. */
  readonly lineEnding: '\r\n' | '\n' | '\r';
  private readonly units: Units;
  private readonly unit: number;
  /** The file's bytes as a Buffer (ASCII rows are read from it as one string: fieldsOf). */
  private ascii: Buffer | undefined;
  /** JSONL header line: none, the first record is data. */
  readonly headerLine: number;
  /** Why the encoding read may be the wrong one (shown as a problem and in errors that follow from it). */
  readonly encodingDoubt: string | undefined;

  constructor(readonly path: string, readonly bytes: Uint8Array, opts: OpenOptions = {}) {
    this.name = opts.displayName ?? basename(path);
    this.encoding = detectEncoding(bytes, opts.encoding);
    this.unit = this.encoding.unit;
    this.units = unitsOf(bytes, this.encoding);
    const from = this.encoding.bomLength / this.unit;
    this.format = opts.format ?? formatOf(path, this.units, from);
    this.delimiter = this.format === 'tsv' ? '\t' : ',';
    this.lineEnding = this.detectLineEnding(from);
    const doubt = encodingDoubt(bytes, this.encoding, opts.encoding !== undefined);
    this.encodingDoubt = doubt?.message;

    if (this.units.length <= from) {
      throw new TableError({ severity: 'error', code: 'empty-file', file: this.name, line: 1, column: 1, message: 'the file is empty: expected a header line and at least one data row' });
    }
    if (this.format === 'jsonl') {
      const built = scanLines(this.units, from);
      this.headerLine = 0;
      this.index = this.toBytes(built);
      this.header = this.readJsonlHeader();
    } else {
      const scan = scanDelimited(this.units, from, this.delimiter.charCodeAt(0));
      const all = this.toBytes(scan.index);
      if (all.count === 0) {
        throw new TableError({ severity: 'error', code: 'empty-file', file: this.name, line: 1, column: 1, message: 'the file holds only blank lines: expected a header line and data rows' });
      }
      this.headerLine = all.line[0];
      this.header = this.fieldsOf(all.start[0], all.end[0]);
      this.index = {
        count: all.count - 1, start: all.start.subarray(1), end: all.end.subarray(1), line: all.line.subarray(1), damaged: all.damaged.subarray(1),
      };
      for (const issue of scan.issues) {
        const at = issue.at * this.unit;
        const line = issue.line;
        const column = this.columnAt(issue.lineStart * this.unit, at);
        if (issue.record === 0) {
          throw new TableError({ severity: 'error', code: issue.code, file: this.name, line, column, message: `the header line is malformed: ${issue.code === 'unterminated-quote' ? 'a quoted field is never closed (expected a closing ")' : 'text follows a closing quote (expected a delimiter or the end of the line)'}` });
        }
        const row = issue.record - 1;
        this.report({ severity: 'error', code: issue.code, file: this.name, line, column, row,
          message: issue.code === 'unterminated-quote'
            ? 'quoted field is never closed: expected a closing " before the end of the file; the row is skipped and reading resumes on the next line'
            : 'text after a closing quote: expected the delimiter or the end of the line; the row is skipped' });
      }
      this.checkFieldCounts(scan.fieldCounts);
    }
    if (doubt) {
      this.report({ severity: 'error', code: doubt.message.includes('UTF-16') ? 'maybe-utf16' : 'encoding-mismatch', file: this.name, line: 1, column: 1, message: doubt.message });
    }
    this.checkHeader();
    if (this.index.count === 0) {
      throw new TableError({ severity: 'error', code: 'header-only', file: this.name, line: this.headerLine || 1, column: 1, message: 'the file has a header but no data rows: expected at least one row below the header' });
    }
    this.checkDecodable();
  }

  get rowCount(): number { return this.index.count; }

  /** Cells of row `i`, aligned with the header ('' where the row has no such field). */
  row(i: number): string[] {
    const s = this.index.start[i];
    const e = this.index.end[i];
    if (this.format === 'jsonl') {
      const obj = this.parseJsonRow(s, e);
      return this.header.map((h) => (obj ? cellText(obj[h]) : ''));
    }
    const cells = this.fieldsOf(s, e);
    while (cells.length < this.header.length) cells.push('');
    return cells;
  }

  /** Text of one cell. */
  cell(i: number, col: number): string {
    if (this.format === 'jsonl') return this.row(i)[col] ?? '';
    const spans = fieldSpans(this.units, this.index.start[i] / this.unit, this.index.end[i] / this.unit, this.delimiter.charCodeAt(0));
    const f = spans[col];
    return f ? unquote(decode(this.bytes, this.encoding.name, f.start * this.unit, f.end * this.unit), f.quoted) : '';
  }

  /**
   * Where the field of row `i`, column `col` sits, in bytes; undefined when the row has no such field
   * (a short CSV row, a JSON object without that key).
   */
  fieldSpan(i: number, col: number): FieldSpan | undefined {
    const s = this.index.start[i];
    const e = this.index.end[i];
    if (this.format === 'jsonl') {
      const all = this.jsonFieldSpans(i, col);
      // JSON.parse keeps the last of duplicate keys: that is the value read, shown and edited.
      return all.length ? all[all.length - 1] : undefined;
    }
    const spans = fieldSpans(this.units, s / this.unit, e / this.unit, this.delimiter.charCodeAt(0));
    const f = spans[col];
    return f ? { start: f.start * this.unit, end: f.end * this.unit, quoted: f.quoted } : undefined;
  }

  /**
   * Every value of the key of column `col` in JSONL row `i`, in bytes (more than one when the object
   * repeats the key; a write sets them all, so readers that keep the first agree with those that keep the last).
   */
  jsonFieldSpans(i: number, col: number): FieldSpan[] {
    const s = this.index.start[i];
    const text = decode(this.bytes, this.encoding.name, s, this.index.end[i]);
    const out: FieldSpan[] = [];
    for (const span of valueSpans(text) ?? []) {
      if (span.key !== this.header[col]) continue;
      const startByte = s + this.byteLength(text.slice(0, span.start));
      out.push({ start: startByte, end: startByte + this.byteLength(text.slice(span.start, span.end)), quoted: text[span.start] === '"' });
    }
    return out;
  }

  /** Raw JSON value text of a JSONL field (for keeping its type on write). */
  rawText(span: FieldSpan): string {
    return decode(this.bytes, this.encoding.name, span.start, span.end);
  }

  /** 1-based character column of byte `at` in the line starting at byte `lineStart`. */
  columnAt(lineStart: number, at: number): number {
    return [...decode(this.bytes, this.encoding.name, lineStart, at)].length + 1;
  }

  report(p: Problem): void {
    const n = (this.problemCounts.get(p.code) ?? 0) + 1;
    this.problemCounts.set(p.code, n);
    if (n <= PROBLEMS_KEPT_PER_CODE) this.problems.push(p);
    if (p.severity === 'error' && p.row !== undefined) this.index.damaged[p.row] = 1;
  }

  private byteLength(text: string): number {
    if (this.encoding.name === 'utf-8') return Buffer.byteLength(text, 'utf8');
    if (this.unit === 2) return text.length * 2;
    return encode(text, this.encoding.name).length;
  }

  private fieldsOf(s: number, e: number): string[] {
    const spans = fieldSpans(this.units, s / this.unit, e / this.unit, this.delimiter.charCodeAt(0));
    if (this.encoding.name === 'utf-8' && isAscii(this.bytes, s, e)) {
      // An ASCII row (every numeric table's): UTF-8 decodes each byte to the same code unit, so its
      // fields are slices of one string of the row, made once instead of one decode call a field
      // (66 fields × 2,000 sampled rows: a third of a small table's load).
      const line = (this.ascii ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength)).toString('latin1', s, e);
      return spans.map((f) => unquote(line.slice(f.start - s, f.end - s), f.quoted));
    }
    return spans.map((f) => unquote(decode(this.bytes, this.encoding.name, f.start * this.unit, f.end * this.unit), f.quoted));
  }

  private parseJsonRow(s: number, e: number): Record<string, unknown> | undefined {
    try {
      const v: unknown = JSON.parse(decode(this.bytes, this.encoding.name, s, e));
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  private readJsonlHeader(): string[] {
    const keys = new Map<string, true>();
    const { start, end, line, count } = this.index;
    for (let i = 0; i < count; i++) {
      const text = decode(this.bytes, this.encoding.name, start[i], end[i]);
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (err) {
        const m = /position (\d+)/.exec(String((err as Error).message));
        const col = m ? [...text.slice(0, Number(m[1]))].length + 1 : 1;
        this.report({ severity: 'error', code: 'invalid-json', file: this.name, line: line[i], column: col, row: i, message: `invalid JSON: expected one JSON object on this line (${(err as Error).message})` });
        continue;
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        this.report({ severity: 'error', code: 'not-an-object', file: this.name, line: line[i], column: 1, row: i, message: `expected a JSON object ({"text": ..., "label": ...}), found ${Array.isArray(v) ? 'an array' : typeof v}` });
        continue;
      }
      const own = Object.keys(v);
      for (const k of own) keys.set(k, true);
      this.checkDuplicateKeys(text, own.length, i);
    }
    return [...keys.keys()];
  }

  /**
   * A key repeated in one object: JSON.parse keeps the last value, other readers the first. Reported
   * with the column of the repeat; the last is read, and a write sets every copy.
   */
  private checkDuplicateKeys(text: string, distinctKeys: number, row: number): void {
    // Every top-level key is followed by `":`; when there are no more of those than distinct keys,
    // no key repeats and the slower scan is skipped (nested objects or odd strings only cost the scan).
    let colons = 0;
    for (let p = text.indexOf('":'); p >= 0; p = text.indexOf('":', p + 2)) colons++;
    if (colons <= distinctKeys && !/"\s+:/.test(text)) return;
    const spans = valueSpans(text);
    if (!spans || spans.length === distinctKeys) return;
    const first = new Map<string, number>();
    for (const sp of spans) {
      const at = first.get(sp.key);
      if (at === undefined) { first.set(sp.key, sp.keyStart); continue; }
      const col = (pos: number) => [...text.slice(0, pos)].length + 1;
      this.report({
        severity: 'warning', code: 'duplicate-key', file: this.name, line: this.index.line[row], column: col(sp.keyStart), row,
        message: `key ${JSON.stringify(sp.key)} appears again (first at column ${col(at)}): JSON readers disagree on which value counts; Label Lens reads the last, as JSON.parse does, and a relabel writes every copy`,
      });
    }
  }

  private checkFieldCounts(counts: Uint32Array): void {
    const want = this.header.length;
    const { start, end, line, count, damaged } = this.index;
    for (let i = 0; i < count; i++) {
      const got = counts[i + 1];
      if (got === want || damaged[i]) continue;
      const spans = fieldSpans(this.units, start[i] / this.unit, end[i] / this.unit, this.delimiter.charCodeAt(0));
      const at = got > want ? spans[want].start * this.unit : end[i];
      this.report({
        severity: 'error', code: 'ragged-row', file: this.name, line: line[i], column: this.columnAt(start[i], at), row: i,
        message: `expected ${want} fields as in the header, found ${got}${got > want ? ' (an unquoted delimiter inside a value?)' : ''}; the row is skipped`,
      });
    }
  }

  private checkHeader(): void {
    const seen = new Map<string, number>();
    this.header.forEach((h, c) => {
      if (h.trim() === '') this.header[c] = `column ${c + 1}`;
      const prev = seen.get(this.header[c]);
      if (prev !== undefined) {
        this.report({ severity: 'warning', code: 'duplicate-header', file: this.name, line: this.headerLine || 1, column: 1, message: `column ${c + 1} repeats the name "${h}" of column ${prev + 1}; the first one is used for roles` });
      } else seen.set(this.header[c], c);
    });
  }

  private checkDecodable(): void {
    const enc = this.encoding.name;
    // The native whole-file check is fast; rows are examined one by one only when it fails.
    if (enc === 'utf-8' && isUtf8(this.bytes)) return;
    const { start, end, line, count } = this.index;
    for (let i = 0; i < count; i++) {
      const bad = firstInvalid(this.bytes, enc, start[i], end[i]);
      if (bad < 0) continue;
      // Line of the bad byte: count line breaks before it inside the record (quoted fields span lines).
      let l = line[i];
      let ls = start[i];
      for (let p = start[i]; p < bad; p++) {
        const b = this.bytes[p];
        if (b === 0x0a || (b === 0x0d && this.bytes[p + 1] !== 0x0a)) { l++; ls = p + 1; }
      }
      this.report({ severity: 'error', code: 'undecodable', file: this.name, line: l, column: this.columnAt(ls, bad), row: i, message: `byte 0x${this.bytes[bad].toString(16).padStart(2, '0')} is not valid ${enc}: expected text in ${enc} (override the encoding if the file uses another); the row is skipped` });
    }
  }

  private detectLineEnding(from: number): '\r\n' | '\n' | '\r' {
    const u = this.units;
    for (let i = from; i < u.length; i++) {
      if (u[i] === 0x0a) return '\n';
      if (u[i] === 0x0d) return u[i + 1] === 0x0a ? '\r\n' : '\r';
    }
    return '\n';
  }

  private toBytes(b: RowIndexBuilder): RowIndex {
    const idx = b.finish();
    if (this.unit !== 1) {
      for (let i = 0; i < idx.count; i++) { idx.start[i] *= this.unit; idx.end[i] *= this.unit; }
    }
    return idx;
  }
}

export function openTable(path: string, opts: OpenOptions = {}): Table {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw fsUserError(err, path, 'read');
  }
  return new Table(path, bytes, opts);
}

/** Every byte of [s, e) is below 0x80. */
function isAscii(bytes: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (bytes[i] >= 0x80) return false;
  return true;
}
