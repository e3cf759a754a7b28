/**
 * "Export corrected labels": one line per row, id and current label (edits included) and the
 * reviewer's note, as CSV for people and scripts, formula-neutralized like every CSV written for
 * people (core/report/csvForPeople).
 */
import { csvCell } from '../report/csvForPeople';

export function correctedLabelsCsv(rows: number, idOf: (i: number) => string, labelOf: (i: number) => string, givenOf: (i: number) => string, noteOf: (i: number) => string | undefined = () => undefined): string {
  const lines = ['id,label,given_label,changed,note'];
  for (let i = 0; i < rows; i++) {
    const label = labelOf(i);
    const given = givenOf(i);
    lines.push([csvCell(idOf(i)), csvCell(label), csvCell(given), label !== given ? '1' : '0', csvCell(noteOf(i) ?? '')].join(','));
  }
  return lines.join('\n') + '\n';
}
