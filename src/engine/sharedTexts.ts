/**
 * A text column laid out for another thread: every row's UTF-16 code units one after another in a
 * SharedArrayBuffer, with each row's start. A worker reads a row back as the same string (code
 * units copied as they are, lone surrogates too) without a structured-clone copy of a million
 * strings; 1M toutiao rows are about 56 MB of code units.
 */
export interface SharedTexts {
  rows: number;
  /** Row i is units[start[i] .. start[i + 1]). */
  start: Float64Array;
  units: Uint16Array;
}

/** Rows a slice between two yields to the event loop (so a cancel is heard while texts are copied). */
const SLICE = 65_536;

export async function shareTexts(rows: number, text: (i: number) => string, check: () => void = () => {}): Promise<SharedTexts> {
  const start = new Float64Array(new SharedArrayBuffer(8 * (rows + 1)));
  // Two passes over the cells (lengths, then code units): no array of a million strings kept alive.
  for (let i = 0; i < rows; i++) {
    start[i + 1] = start[i] + text(i).length;
    if ((i + 1) % SLICE === 0) { await new Promise((r) => setImmediate(r)); check(); }
  }
  const units = new Uint16Array(new SharedArrayBuffer(2 * Math.max(1, start[rows])), 0, start[rows]);
  for (let i = 0; i < rows; i++) {
    const s = text(i);
    const o = start[i];
    for (let c = 0; c < s.length; c++) units[o + c] = s.charCodeAt(c);
    if ((i + 1) % SLICE === 0) { await new Promise((r) => setImmediate(r)); check(); }
  }
  return { rows, start, units };
}

/** Row i's text, as `shareTexts` read it. */
export function sharedText(t: SharedTexts, i: number): string {
  const a = t.start[i], b = t.start[i + 1];
  // fromCharCode takes its units as arguments: a long text goes in pieces under the engines' argument limit.
  if (b - a <= 8192) return String.fromCharCode.apply(null, t.units.subarray(a, b) as unknown as number[]);
  let s = '';
  for (let o = a; o < b; o += 8192) s += String.fromCharCode.apply(null, t.units.subarray(o, Math.min(b, o + 8192)) as unknown as number[]);
  return s;
}
