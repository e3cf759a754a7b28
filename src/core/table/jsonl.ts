/**
 * JSON Lines: one JSON object per line. Columns are the top-level keys in the order first seen.
 * To patch one value in place, `valueSpans` finds where each top-level value sits in a line.
 */
import type { Units } from './csv';
import { RowIndexBuilder } from './rowIndex';

const LF = 0x0a;
const CR = 0x0d;

/** Splits into non-blank lines (offsets in units). A JSON Lines record never spans lines. */
export function scanLines(u: Units, from: number): RowIndexBuilder {
  const index = new RowIndexBuilder();
  const n = u.length;
  let pos = from;
  let line = 1;
  while (pos < n) {
    const s = pos;
    while (pos < n && u[pos] !== LF && u[pos] !== CR) pos++;
    const e = pos;
    let blank = true;
    for (let i = s; i < e; i++) { const c = u[i]; if (c !== 0x20 && c !== 0x09) { blank = false; break; } }
    if (!blank) index.push(s, e, line, false);
    if (pos < n) { pos += u[pos] === CR && pos + 1 < n && u[pos + 1] === LF ? 2 : 1; line++; }
  }
  return index;
}

/** The cell text of a JSON value: strings as they are, null as empty, anything else as JSON. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export interface ValueSpan {
  key: string;
  /** Where the key's opening quote is, in UTF-16 string positions of the decoded line. */
  keyStart: number;
  /** [start, end) in UTF-16 string positions of the decoded line. */
  start: number;
  end: number;
}

/** Top-level key → value spans of one JSON object line; undefined when the line is not an object. */
export function valueSpans(text: string): ValueSpan[] | undefined {
  let i = 0;
  const n = text.length;
  const ws = () => { while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r' || text[i] === '\n')) i++; };
  const skipString = () => { i++; while (i < n && text[i] !== '"') { if (text[i] === '\\') i++; i++; } i++; };
  const skipValue = () => {
    const c = text[i];
    if (c === '"') { skipString(); return; }
    if (c === '{' || c === '[') {
      let depth = 0;
      while (i < n) {
        const d = text[i];
        if (d === '"') { skipString(); continue; }
        if (d === '{' || d === '[') depth++;
        else if (d === '}' || d === ']') { depth--; if (depth === 0) { i++; return; } }
        i++;
      }
      return;
    }
    while (i < n && text[i] !== ',' && text[i] !== '}' && text[i] !== ' ' && text[i] !== '\t') i++;
  };
  ws();
  if (text[i] !== '{') return undefined;
  i++;
  const spans: ValueSpan[] = [];
  ws();
  if (text[i] === '}') return spans;
  while (i < n) {
    ws();
    if (text[i] !== '"') return undefined;
    const ks = i;
    skipString();
    const key = JSON.parse(text.slice(ks, i)) as string;
    ws();
    if (text[i] !== ':') return undefined;
    i++;
    ws();
    const vs = i;
    skipValue();
    spans.push({ key, keyStart: ks, start: vs, end: i });
    ws();
    if (text[i] === ',') { i++; continue; }
    if (text[i] === '}') return spans;
    return undefined;
  }
  return undefined;
}
