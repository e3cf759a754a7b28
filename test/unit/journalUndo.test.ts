/**
 * The journal tells undo from edit, and the CLI prints what it wrote: undoing a saved relabel is
 * journaled as an undo naming the edit it reverts; edits that cancel out write nothing and say so.
 * On real sms_spam rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJournal } from '../../src/core/labels/journal';
import { DocumentState } from '../../src/core/labels/documentState';
import { openTable } from '../../src/core/table/table';
import { dataset, runCli, tempDir } from '../helpers';

/** The first 300 rows of sms_spam, writable. */
function smsCopy(dir: string): string {
  const t = openTable(dataset('sms_spam'));
  const file = join(dir, 'sms.csv');
  writeFileSync(file, t.bytes.subarray(0, t.index.end[299] + 1));
  return file;
}

test('undoing a saved bulk relabel is journaled as an undo of each edit it reverts', (t) => {
  const file = smsCopy(tempDir(t));
  const before = readFileSync(file);
  const state = new DocumentState(file);
  const ds = state.dataset;
  const rows = [...Array(ds.rowCount).keys()].filter((i) => ds.labelName(i) === 'ham').slice(0, 25);
  const batch = state.change('apply suggestions', rows, (_i, s) => ({ ...s, label: 'spam' }), () => ({ reason: 'ensemble: spam 0.95', score: 0.9 }));
  state.apply(batch);
  state.save('tester', 'editor');
  state.undo(batch);
  state.save('tester', 'editor');
  assert.ok(readFileSync(file).equals(before), 'the undo restores the file byte for byte');

  const journal = readJournal(file).filter((e) => e.status === 'committed');
  const edits = journal.slice(0, 25);
  const undos = journal.slice(25);
  assert.equal(undos.length, 25);
  assert.ok(edits.every((e) => e.undoes === undefined && e.old === 'ham' && e.new === 'spam'));
  const byRef = new Map(edits.map((e) => [e.ref, e]));
  for (const u of undos) {
    assert.equal(u.reason, 'undo');
    assert.equal(u.undoes?.length, 1);
    const reverted = byRef.get(u.undoes![0]);
    assert.ok(reverted, `undo of ${u.id} names a saved edit`);
    assert.deepEqual([u.id, u.old, u.new], [reverted.id, reverted.new, reverted.old]);
  }
});

test('an edits file that sets a row ham→spam→ham writes nothing and says so', async (t) => {
  const dir = tempDir(t);
  const file = smsCopy(dir);
  const before = readFileSync(file);
  const ds = new DocumentState(file).dataset;
  const row = [...Array(ds.rowCount).keys()].find((i) => ds.labelName(i) === 'ham')!;
  const line = ds.table.index.line[row];
  writeFileSync(join(dir, 'e.jsonl'), `{"line": ${line}, "to": "spam"}\n{"line": ${line}, "to": "ham"}\n`);
  const r = await runCli(['apply', file, '--edits', join(dir, 'e.jsonl')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /0 relabeled, 0 smoothed, 0 accepted/);
  assert.match(r.out, /nothing written: the 2 edits leave every row as it was/);
  assert.ok(readFileSync(file).equals(before));
  assert.ok(!existsSync(join(dir, '.label-lens', 'journal.jsonl')), 'no journal lines for edits that were not written');

  writeFileSync(join(dir, 'e2.jsonl'), `{"line": ${line}, "to": "spam"}\n{"line": ${line}, "to": "ham"}\n{"line": ${line}, "to": "spam"}\n`);
  const r2 = await runCli(['apply', file, '--edits', join(dir, 'e2.jsonl'), '--json']);
  const res = JSON.parse(r2.out);
  assert.equal(res.relabeled, 1, 'three edits of one row are one change written');
  assert.equal(res.requested, 3);
});
