/** Unsaved edits carried over to a file changed on disk: re-applied on untouched rows, never on others. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocumentState } from '../../src/core/labels/documentState';
import { pendingEdits, reapplyEdits } from '../../src/core/reapplyEdits';
import { dataset, tempDir } from '../helpers';

test('merge after an outside change: edits on rows the other change did not touch are re-applied by id; the rest are reported', (t) => {
  const path = join(tempDir(t), 'sms.csv');
  writeFileSync(path, readFileSync(dataset('sms_spam'))); // writable: the shared data are read-only
  const st = new DocumentState(path);
  const ds = st.dataset;
  const [a, b, c, d] = [10, 20, 30, 40];
  const flip = (r: number) => (ds.labelName(r) === 'ham' ? 'spam' : 'ham');
  const want = new Map([a, b, c].map((r) => [ds.rowId(r), flip(r)]));
  st.apply(st.change('edit', [a, b, c], (r, s) => ({ ...s, label: flip(r) })));
  // Elsewhere: a row inserted at the top (every row moves down one), row b's text edited, row d's label changed.
  const lines = readFileSync(path, 'utf8').split('\n');
  const idOf = (r: number) => ds.rowId(r);
  const at = (r: number) => lines.findIndex((l) => l.startsWith(`${idOf(r)},`));
  lines[at(b)] = lines[at(b)].replace(/,(ham|spam)(\r?)$/, ' (edited elsewhere),$1$2');
  lines[at(d)] = lines[at(d)].replace(/,(ham|spam)(\r?)$/, (_, l: string, cr: string) => `,${l === 'ham' ? 'spam' : 'ham'}${cr}`);
  lines.splice(1, 0, '99999,a new first row,ham');
  const elsewhere = lines.join('\n');
  writeFileSync(path, elsewhere);
  const edits = pendingEdits(st);
  st.reload();
  const r = reapplyEdits(st, edits);
  assert.deepEqual(r.dropped.map((x) => [x.id, x.why]), [[idOf(b), 'changed']]);
  st.apply(r.batch);
  const now = st.dataset;
  for (const id of [idOf(a), idOf(c)]) {
    const row = now.rowOf(id)!;
    assert.equal(st.state(row).label, want.get(id), `${id} re-applied at its new position ${row}`);
  }
  assert.equal(st.edited(now.rowOf(idOf(b))!), false, 'the row changed elsewhere keeps the other change');
  assert.deepEqual(st.changedRows.sort((x, y) => x - y), [now.rowOf(idOf(a))!, now.rowOf(idOf(c))!]);
  st.save('tester');
  const saved = readFileSync(path, 'utf8').split('\n');
  assert.equal(saved.length, lines.length);
  const diff = saved.map((l, i) => (l !== lines[i] ? i : -1)).filter((i) => i >= 0);
  assert.equal(diff.length, 2, 'only the two re-applied labels differ from the other change');
  assert.ok(readFileSync(path, 'utf8').includes('(edited elsewhere)'));
  void elsewhere;
});
