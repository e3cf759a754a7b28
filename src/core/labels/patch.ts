/**
 * The minimal byte patch of label fields: every byte outside the changed fields is kept as it was
 * (encoding, BOM, line endings, quoting of other fields, trailing newline or none).
 */
import { UserError } from '../errors';
import { quoteIfNeeded } from '../table/csv';
import { encode } from '../table/encoding';
import type { Table } from '../table/table';

export class PatchError extends UserError {
  constructor(message: string) {
    super('data', message);
    this.name = 'PatchError';
  }
}

interface Splice {
  start: number;
  end: number;
  bytes: Uint8Array;
}

/** How a new label is written in a CSV/TSV field. */
function csvValue(table: Table, value: string, wasQuoted: boolean): string {
  if (table.delimiter === '\t' && /[\t\r\n]/.test(value)) {
    // A TSV label with a tab or line break could be quoted, but many TSV readers do not unquote.
    throw new PatchError(`the label ${JSON.stringify(value)} holds a tab or line break, which a TSV file cannot carry safely`);
  }
  return quoteIfNeeded(value, table.delimiter, wasQuoted);
}

/** How a new label is written as a JSON value: keeps numbers numbers when the old value was one. */
function jsonValue(oldRaw: string | undefined, value: string): string {
  if (oldRaw !== undefined && /^-?\d/.test(oldRaw.trim()) && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(value)) return value;
  return JSON.stringify(value);
}

/**
 * Returns the file's bytes with the label field of each changed row replaced.
 * `changes` maps a row index to its new label text ('' = unlabeled).
 */
export function patchLabels(table: Table, labelCol: number, changes: ReadonlyMap<number, string>): Buffer {
  const splices: Splice[] = [];
  const enc = table.encoding.name;
  for (const [row, value] of changes) {
    if (row < 0 || row >= table.rowCount) throw new PatchError(`row ${row + 1} does not exist (the file has ${table.rowCount} rows)`);
    if (table.index.damaged[row]) throw new PatchError(`line ${table.index.line[row]} is damaged (see the problems list) and is left untouched`);
    const span = table.fieldSpan(row, labelCol);
    if (table.format === 'jsonl') {
      if (span) {
        // Every copy of a repeated key gets the new value: whichever copy a reader keeps, it reads the edit.
        const bytes = encode(jsonValue(table.rawText(span), value), enc);
        for (const s of table.jsonFieldSpans(row, labelCol)) splices.push({ start: s.start, end: s.end, bytes });
      } else {
        // The key is absent (an unlabeled row): add it before the object's closing brace.
        const rowText = table.rawText({ start: table.index.start[row], end: table.index.end[row], quoted: false });
        const close = rowText.lastIndexOf('}');
        const open = rowText.indexOf('{');
        const empty = rowText.slice(open + 1, close).trim() === '';
        const insert = `${empty ? '' : ', '}${JSON.stringify(table.header[labelCol])}: ${JSON.stringify(value)}`;
        const at = table.index.start[row] + encode(rowText.slice(0, close), enc).length;
        splices.push({ start: at, end: at, bytes: encode(insert, enc) });
      }
      continue;
    }
    if (!span) throw new PatchError(`line ${table.index.line[row]} has no field ${labelCol + 1}`);
    splices.push({ start: span.start, end: span.end, bytes: encode(csvValue(table, value, span.quoted), enc) });
  }
  splices.sort((a, b) => a.start - b.start);
  const parts: Uint8Array[] = [];
  let at = 0;
  const src = table.bytes;
  for (const s of splices) {
    parts.push(src.subarray(at, s.start), s.bytes);
    at = s.end;
  }
  parts.push(src.subarray(at));
  return Buffer.concat(parts);
}
