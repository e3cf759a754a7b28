/**
 * "Export corrected labels": one line per row, id and current label (edits included), as CSV for
 * people and scripts. A cell a spreadsheet would run as a formula (=, +, -, @ first, not a number)
 * gets a leading apostrophe, the usual guard; ids and labels are otherwise as they are.
 */
import { quoteIfNeeded } from '../table/csv';

const FORMULA = /^[=+\-@\t\r]/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function csvCell(v: string): string {
  const safe = FORMULA.test(v) && !NUMBER.test(v) ? `'${v}` : v;
  return quoteIfNeeded(safe, ',', false);
}

export function correctedLabelsCsv(rows: number, idOf: (i: number) => string, labelOf: (i: number) => string, givenOf: (i: number) => string): string {
  const lines = ['id,label,given_label,changed'];
  for (let i = 0; i < rows; i++) {
    const label = labelOf(i);
    const given = givenOf(i);
    lines.push([csvCell(idOf(i)), csvCell(label), csvCell(given), label !== given ? '1' : '0'].join(','));
  }
  return lines.join('\n') + '\n';
}
