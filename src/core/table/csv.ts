/**
 * CSV and TSV per RFC 4180, scanned as code units: quoted fields may hold delimiters, doubled
 * quotes and line breaks; records end in CRLF, LF or a lone CR, with or without a final newline.
 * Lenient where real files are (a quote inside an unquoted field is data; blank lines are skipped),
 * strict where data would be lost (an unclosed quote or text after a closing quote damages the row).
 */
import type { FieldSpan } from './rowIndex';
import { RowIndexBuilder } from './rowIndex';

export type Units = Uint8Array | Uint16Array;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

export interface ScanIssue {
  code: 'unterminated-quote' | 'text-after-quote';
  /** Unit offset where the problem is. */
  at: number;
  line: number;
  lineStart: number;
  /** Index of the record it damaged (in the builder). */
  record: number;
}

export interface ScanResult {
  index: RowIndexBuilder;
  /** Number of fields in each record, parallel to the index. */
  fieldCounts: Uint32Array;
  issues: ScanIssue[];
}

/**
 * Scans records from `from` (in units). Offsets stored in the index are in units; the caller
 * converts them to bytes. Blank lines are not records.
 */
export function scanDelimited(u: Units, from: number, delim: number): ScanResult {
  const n = u.length;
  const index = new RowIndexBuilder();
  let counts = new Uint32Array(1024);
  const issues: ScanIssue[] = [];
  let pos = from;
  let line = 1;
  let lineStart = from;

  while (pos < n) {
    // Blank line: not a record.
    const c0 = u[pos];
    if (c0 === LF) { pos++; line++; lineStart = pos; continue; }
    if (c0 === CR) { pos += pos + 1 < n && u[pos + 1] === LF ? 2 : 1; line++; lineStart = pos; continue; }

    const recStart = pos;
    const recLine = line;
    let fields = 0;
    let damaged = false;
    let issue: ScanIssue | undefined;
    let restartAt = -1;

    for (;;) {
      if (pos < n && u[pos] === QUOTE) {
        const openAt = pos;
        const openLine = line;
        const openLineStart = lineStart;
        pos++;
        let closed = false;
        while (pos < n) {
          const c = u[pos];
          if (c === QUOTE) {
            if (pos + 1 < n && u[pos + 1] === QUOTE) { pos += 2; continue; }
            pos++;
            closed = true;
            break;
          }
          if (c === LF) { line++; lineStart = pos + 1; } else if (c === CR) {
            if (!(pos + 1 < n && u[pos + 1] === LF)) { line++; lineStart = pos + 1; }
          }
          pos++;
        }
        if (!closed) {
          // The quote runs to the end of the file. Rather than swallow every later row, damage
          // this record only, end it at the end of its first line and read on from the next.
          damaged = true;
          issue = { code: 'unterminated-quote', at: openAt, line: openLine, lineStart: openLineStart, record: -1 };
          let p = openAt;
          while (p < n && u[p] !== LF && u[p] !== CR) p++;
          pos = p;
          line = openLine;
          lineStart = openLineStart;
          restartAt = p;
          fields++;
          break;
        }
        if (pos < n && u[pos] !== delim && u[pos] !== LF && u[pos] !== CR) {
          damaged = true;
          issue ??= { code: 'text-after-quote', at: pos, line, lineStart, record: -1 };
          while (pos < n && u[pos] !== delim && u[pos] !== LF && u[pos] !== CR) pos++;
        }
      } else {
        while (pos < n) {
          const c = u[pos];
          if (c === delim || c === LF || c === CR) break;
          pos++;
        }
      }
      fields++;
      if (pos < n && u[pos] === delim) { pos++; continue; }
      break;
    }
    const recEnd = restartAt >= 0 ? restartAt : pos;
    const rec = index.push(recStart, recEnd, recLine, damaged);
    if (rec >= counts.length) { const c = new Uint32Array(counts.length * 2); c.set(counts); counts = c; }
    counts[rec] = fields;
    if (issue) { issue.record = rec; issues.push(issue); }
    // Line terminator.
    if (pos < n) {
      if (u[pos] === CR) pos += pos + 1 < n && u[pos + 1] === LF ? 2 : 1;
      else if (u[pos] === LF) pos++;
      line++;
      lineStart = pos;
    }
  }
  return { index, fieldCounts: counts, issues };
}

/** Field spans of one record [start, end) in units. */
export function fieldSpans(u: Units, start: number, end: number, delim: number): FieldSpan[] {
  const spans: FieldSpan[] = [];
  let pos = start;
  for (;;) {
    if (pos < end && u[pos] === QUOTE) {
      const s = pos;
      pos++;
      while (pos < end) {
        if (u[pos] === QUOTE) {
          if (pos + 1 < end && u[pos + 1] === QUOTE) { pos += 2; continue; }
          pos++;
          break;
        }
        pos++;
      }
      // Damaged records may carry text after the closing quote; it stays part of the field.
      while (pos < end && u[pos] !== delim) pos++;
      spans.push({ start: s, end: pos, quoted: true });
    } else {
      const s = pos;
      while (pos < end && u[pos] !== delim) pos++;
      spans.push({ start: s, end: pos, quoted: false });
    }
    if (pos < end && u[pos] === delim) { pos++; if (pos === end) { spans.push({ start: pos, end: pos, quoted: false }); break; } continue; }
    break;
  }
  return spans;
}

/** The text of a field: quotes stripped and doubled quotes undone. */
export function unquote(raw: string, quoted: boolean): string {
  if (!quoted) return raw;
  const close = raw.lastIndexOf('"');
  const inner = close > 0 ? raw.slice(1, close) : raw.slice(1);
  return inner.replace(/""/g, '"');
}

/** A value as it must be written in a field: quoted when it holds the delimiter, a quote, CR, LF or edge spaces. */
export function quoteIfNeeded(value: string, delimiter: string, forceQuote: boolean): string {
  const needs = forceQuote || value.includes(delimiter) || value.includes('"') || value.includes('\n') || value.includes('\r') ||
    (value.length > 0 && (value[0] === ' ' || value[value.length - 1] === ' '));
  return needs ? `"${value.replace(/"/g, '""')}"` : value;
}
