/**
 * CSV files written for people (rows.csv, the soft-label export): opened in spreadsheets, so no
 * cell may be read as a formula. OWASP's CSV-injection rule: a cell that starts with = + - @, a tab
 * or a carriage return gets a leading apostrophe, which spreadsheets show as text. A cell that is a
 * plain number (-1, +0.5, 1e-3) is left as it is: a spreadsheet reads it as a number, and labels like
 * -1/+1 stay readable. Machine-readable outputs (summary.json, --json) keep the raw values.
 */
import { quoteIfNeeded } from '../table/csv';

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The cell with a leading `'` when a spreadsheet would otherwise run it as a formula. */
export function neutralizeFormula(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** One comma-separated cell: formula-neutralized, then quoted per RFC 4180 when needed. */
export function csvCell(value: string): string {
  return quoteIfNeeded(neutralizeFormula(value), ',', false);
}

/** A number as a cell: 4 decimals at most, empty when not finite. */
export function csvNumber(x: number): string {
  return Number.isFinite(x) ? String(+x.toFixed(4)) : '';
}

export function csvLine(cells: string[]): string {
  return cells.join(',');
}
