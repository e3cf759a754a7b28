/** Export corrected labels: one CSV line per row, edits included, and no cell a spreadsheet would run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { correctedLabelsCsv } from '../../src/core/formats/exportLabels';
import { csvCell } from '../../src/core/report/csvForPeople';
import { Table } from '../../src/core/table/table';

test('corrected labels CSV: ids and labels as they are, formulas disarmed, numbers kept, changed rows marked, notes kept whole', () => {
  const ids = ['7/img_0042.png', '=HYPERLINK("x")', '-3', '@cmd', 'a,b'];
  const labels = ['1', '+SUM(A1)', 'spam', 'ham', 'say "hi"'];
  const given = ['7', '+SUM(A1)', 'ham', 'ham', 'say "hi"'];
  const notes = ['blurry, could be a 1', undefined, '=cmd|calc', 'line one\nline "two", 体育', undefined];
  const csv = correctedLabelsCsv(5, (i) => ids[i], (i) => labels[i], (i) => given[i], (i) => notes[i]);
  const t = new Table('x.csv', Buffer.from(csv));
  assert.deepEqual(t.header, ['id', 'label', 'given_label', 'changed', 'note']);
  assert.deepEqual(t.row(0), ['7/img_0042.png', '1', '7', '1', 'blurry, could be a 1']);
  assert.deepEqual(t.row(1), ["'=HYPERLINK(\"x\")", "'+SUM(A1)", "'+SUM(A1)", '0', '']);
  assert.deepEqual(t.row(2), ['-3', 'spam', 'ham', '1', "'=cmd|calc"], 'a negative number is not a formula; a note is disarmed too');
  assert.equal(t.row(3)[0], "'@cmd");
  assert.equal(t.row(3)[4], 'line one\nline "two", 体育');
  assert.deepEqual(t.row(4), ['a,b', 'say "hi"', 'say "hi"', '0', '']);
  assert.equal(csvCell('plain'), 'plain');
});
