/**
 * rows.csv: one line per row of the data file with its scores, for people and scripts
 * (formula-neutralized: see csvForPeople). Written by the engine beside summary.json.
 */
import type { ResultArrays } from '../results';
import { SKIPPED, type Dataset } from '../table/dataset';
import { csvCell, csvLine, csvNumber } from './csvForPeople';
import { softJsonOf } from './softLabels';

export const ROWS_CSV_HEADER = 'id,given_label,suggested_label,suspicion,flagged,self_confidence,normalized_margin,pi_disagreement,ema_confidence,teacher_confidence,soft_label,duplicate_group,duplicate_of,conflict,outlier_score';

/** Rows per piece of rows.csv handed to the writer: a few MB of text, whatever the row count. */
const ROWS_PER_PIECE = 16384;

/**
 * rows.csv a piece at a time (the header first, then `rowsPerPiece` lines per call, each piece
 * ending in a newline), so a million rows are never one string in memory.
 */
export function eachRowsCsvPiece(ds: Dataset, a: ResultArrays<ArrayLike<number>>, piPasses: number, each: (text: string) => void, rowsPerPiece = ROWS_PER_PIECE, onRows?: (done: number) => void): void {
  const K = ds.classes.length;
  const soft = softJsonOf(ds.classes);
  each(ROWS_CSV_HEADER + '\n');
  for (let start = 0; start < ds.rowCount; start += rowsPerPiece) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(ds.rowCount, start + rowsPerPiece); i++) {
      const y = ds.labels[i];
      const damaged = y === SKIPPED;
      const labeled = y >= 0;
      lines.push(csvLine([
        csvCell(ds.rowId(i)), csvCell(ds.labelName(i)), damaged ? '' : csvCell(ds.classes[a.suggested[i]]),
        labeled ? csvNumber(a.suspicion[i]) : '', labeled ? String(a.flagged[i]) : '',
        labeled ? csvNumber(a.selfConfidence[i]) : '', labeled ? csvNumber(a.margin[i]) : '',
        labeled && piPasses ? csvNumber(a.piDisagree[i] / piPasses) : '',
        labeled ? csvNumber(a.ema[i * K + y]) : '', labeled && a.teacher ? csvNumber(a.teacher[i * K + y]) : '',
        damaged ? '' : csvCell(soft(a.consensus, i)),
        // Duplicate group 1-based; duplicate_of names the group's first row (empty for that row itself).
        a.duplicateGroup && a.duplicateGroup[i] >= 0 ? String(a.duplicateGroup[i] + 1) : '',
        a.duplicateFirst && a.duplicateFirst[i] >= 0 && a.duplicateFirst[i] !== i ? csvCell(ds.rowId(a.duplicateFirst[i])) : '',
        a.conflict ? String(a.conflict[i]) : '',
        a.outlier ? csvNumber(a.outlier[i]) : '',
      ]));
    }
    each(lines.join('\n') + '\n');
    onRows?.(Math.min(ds.rowCount, start + rowsPerPiece));
  }
}

/** rows.csv as one string (small runs and tests; the engine streams it with eachRowsCsvPiece). */
export function rowsCsv(ds: Dataset, a: ResultArrays<ArrayLike<number>>, piPasses: number): string {
  const pieces: string[] = [];
  eachRowsCsvPiece(ds, a, piPasses, (t) => pieces.push(t));
  return pieces.join('');
}
