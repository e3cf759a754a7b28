/** The editor's document model against real files: apply, undo, redo, save, revert, external change, backup. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocumentState } from '../../src/core/labels/documentState';
import { FileChangedError } from '../../src/core/labels/atomicWrite';
import { ReviewQueries, type Analysis } from '../../src/core/reviewQueries';
import type { ResultArrays, Summary } from '../../src/core/results';
import { tempDir } from '../helpers';

const CSV = 'id,text,label\r\n1,"free entry, win £1000 now",ham\r\n2,see you at lunch,ham\r\n3,call me later,spam\r\n4,"<img src=x onerror=alert(1)>",ham\r\n';

function fixture(t: Parameters<typeof tempDir>[0]): string {
  const p = join(tempDir(t), 'sms.csv');
  writeFileSync(p, CSV);
  return p;
}

/** A hand-made analysis of the fixture: rows 0 and 2 look mislabeled. */
function analysis(): Analysis {
  const classes = ['ham', 'spam'];
  const consensus = Float32Array.from([0.1, 0.9, 0.95, 0.05, 0.8, 0.2, 0.7, 0.3]);
  const suspicion = Float32Array.from([0.9, 0.05, 0.8, 0.3]);
  const f = (...v: number[]) => Float32Array.from(v);
  const arrays: ResultArrays = {
    consensus, student: consensus, ema: consensus, suspicion, suggested: f(1, 0, 0, 0), flagged: f(1, 0, 1, 0),
    label: f(0, 0, 1, 0), selfConfidence: f(0.1, 0.95, 0.2, 0.7), margin: f(-0.8, 0.9, -0.6, 0.4),
    history: f(0.2, 0.9, 0.3, 0.6, 0.1, 0.95, 0.2, 0.7), piDisagree: f(5, 0, 4, 1), piSpread: f(0, 0, 0, 0), flips: f(0, 0, 1, 0),
  };
  const summary = { rows: 4, classes, epochs: 2, piPasses: 5, matrix: [1, 1, 1, 0], classStats: classes.map((name) => ({ name, given: 2, predicted: 2, ifSuggestionsApplied: 2, precision: 0.5, recall: 0.5, threshold: 0.5, flagged: 1 })) } as unknown as Summary;
  return { summary, arrays };
}

/** The journal's edit lines whose write committed (begin/commit frame lines left out). */
function committedEdits(records: Record<string, unknown>[]): any[] {
  const done = new Set(records.filter((r) => r.type === 'commit').map((r) => r.txn));
  return records.filter((r) => r.type === undefined && done.has(r.txn));
}

test('apply, undo, redo change the state, not the file; save writes only label bytes, sidecar and journal', (t) => {
  const path = fixture(t);
  const st = new DocumentState(path);
  const model = new ReviewQueries(st);
  assert.ok(model.setAnalysis(analysis()));
  const batch = model.applySuggestion([0, 2]);
  assert.equal(batch.changes.length, 2);
  st.apply(batch);
  assert.equal(st.state(0).label, 'spam');
  assert.equal(st.state(2).label, 'ham');
  assert.ok(st.dirty);
  assert.equal(readFileSync(path, 'utf8'), CSV, 'nothing written before save');
  st.undo(batch);
  assert.equal(st.state(0).label, 'ham');
  assert.ok(!st.dirty);
  st.apply(batch);
  const smooth = model.smooth([1], 0.2, false);
  st.apply(smooth);
  st.apply(model.accept([3]));
  assert.equal(st.save('tester'), 4);
  assert.equal(readFileSync(path, 'utf8'), CSV.replace('win £1000 now",ham', 'win £1000 now",spam').replace('call me later,spam', 'call me later,ham'));
  const side = JSON.parse(readFileSync(`${path}.labels.json`, 'utf8'));
  assert.deepEqual(side.rows['2'].soft, { ham: 0.9, spam: 0.1 });
  assert.equal(side.rows['4'].accepted, true);
  const journal = committedEdits(readFileSync(join(path, '..', '.label-lens', 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
  assert.deepEqual(journal.map((j) => [j.kind, j.id, j.old, j.via, j.who]).sort(), [['accept', '4', 'ham', 'editor', 'tester'], ['relabel', '1', 'ham', 'editor', 'tester'], ['relabel', '3', 'spam', 'editor', 'tester'], ['smooth', '2', 'null', 'editor', 'tester']]);
  assert.match(journal.find((j) => j.id === '1').reason, /ensemble: spam 0.90/);
  assert.equal(journal.find((j) => j.id === '1').score, 0.9);
  assert.ok(!st.dirty);
  // After save the file is the new baseline: undoing the smoothing is a new edit that removes it.
  st.apply(model.state.change('unsmooth', [1], (_, s) => ({ ...s, soft: undefined, softHow: undefined })));
  st.save();
  assert.equal(JSON.parse(readFileSync(`${path}.labels.json`, 'utf8')).rows['2'], undefined);
});

test('a file changed on disk is not overwritten; revert drops edits', (t) => {
  const path = fixture(t);
  const st = new DocumentState(path);
  st.apply(st.change('x', [1], (_, s) => ({ ...s, label: 'spam' })));
  writeFileSync(path, CSV + '5,new row from elsewhere,ham\r\n');
  assert.throws(() => st.save(), FileChangedError);
  assert.equal(readFileSync(path, 'utf8'), CSV + '5,new row from elsewhere,ham\r\n');
  assert.ok(st.dirty, 'edits are kept after a refused save');
  st.reload();
  assert.ok(!st.dirty);
  assert.equal(st.dataset.rowCount, 5);
});

test('backup and restore carry unsaved edits (hot exit); save as leaves the original', (t) => {
  const path = fixture(t);
  const st = new DocumentState(path);
  st.apply(st.change('x', [0, 3], (_, s) => ({ ...s, label: 'spam' })));
  const backup = st.toBackup();
  const again = new DocumentState(path);
  again.restoreBackup(backup);
  assert.deepEqual([again.state(0).label, again.state(3).label, again.state(1).label], ['spam', 'spam', 'ham']);
  const copy = join(path, '..', 'copy.csv');
  again.saveAs(copy);
  assert.equal(readFileSync(path, 'utf8'), CSV);
  assert.match(readFileSync(copy, 'utf8'), /3,call me later,spam\r\n4,"<img src=x onerror=alert\(1\)>",spam/);
});

test('review model: ranked, filtered, searched pages; detail with soft vs hard; bulk apply above a threshold is one batch', (t) => {
  const st = new DocumentState(fixture(t));
  const model = new ReviewQueries(st);
  model.setAnalysis(analysis());
  const q = { offset: 0, limit: 10, sort: 'suspicion' as const, descending: true, filter: {}, snapshot: 0 };
  assert.deepEqual(model.page(q).rows.map((r) => r.id), ['1', '3', '4', '2']);
  assert.deepEqual(model.page({ ...q, filter: { flagged: true } }).rows.map((r) => r.id), ['1', '3']);
  assert.deepEqual(model.page({ ...q, filter: { given: 'spam' } }).rows.map((r) => r.id), ['3']);
  assert.deepEqual(model.page({ ...q, filter: { search: 'LUNCH' } }).rows.map((r) => r.id), ['2']);
  assert.equal(model.page({ ...q, offset: 2, limit: 1 }).total, 4);
  const d = model.detail(0);
  assert.deepEqual(d.soft!.map((x) => +x.toFixed(2)), [0.1, 0.9]);
  assert.ok(Math.abs(d.kl! - -Math.log(0.1)) < 1e-6);
  assert.deepEqual(d.topClasses, ['spam', 'ham']);
  assert.deepEqual(d.history!.map((x) => +x.toFixed(2)), [0.2, 0.1]);
  assert.match(d.reason!, /5\/5 stochastic passes disagree/);
  const bulk = model.applyAbove(0.75);
  assert.equal(bulk.changes.length, 2);
  st.apply(bulk);
  model.edited();
  assert.deepEqual(model.page({ ...q, filter: { edited: true } }).rows.map((r) => r.id).sort(), ['1', '3']);
  // The order is kept while the user edits; a new snapshot ranks again: fixed rows drop to the bottom.
  assert.deepEqual(model.page(q).rows.slice(0, 2).map((r) => r.id), ['1', '3']);
  assert.equal(model.page(q).stale, true);
  assert.deepEqual(model.page({ ...q, snapshot: 1 }).rows.slice(0, 2).map((r) => r.id), ['4', '2']);
  const cv = model.classesView()!;
  assert.deepEqual([cv.given, cv.corrected], [[3, 1], [3, 1]]); // rows 1 and 3 swapped classes
  // Hostile cell text is carried as text.
  assert.equal(model.rowView(3).text, '<img src=x onerror=alert(1)>');
  // An analysis of another version of the file is refused.
  assert.equal(model.setAnalysis({ ...analysis(), summary: { ...analysis().summary, rows: 9 } }), false);
});

test('a note on a row: undoable, saved in the sidecar and journaled, read back on reopen and from a backup, removed when emptied; the data file is untouched', (t) => {
  const path = fixture(t);
  const st = new DocumentState(path);
  const model = new ReviewQueries(st);
  const note = 'looks like spam to me, but "£1000" could be a real prize\nsecond line <b>not html</b>';
  const batch = model.setNote(0, note);
  st.apply(batch);
  assert.equal(st.state(0).note, note);
  assert.ok(st.dirty);
  assert.equal(model.rowView(0).note, note, 'the table row shows the note (a short one whole)');
  assert.equal(model.detail(0).note, note, 'the detail carries the whole note');
  st.undo(batch);
  assert.equal(st.state(0).note, undefined);
  assert.ok(!st.dirty, 'undoing the note leaves nothing to save');
  st.apply(batch);
  const backup = st.toBackup();
  st.save('tester');
  assert.equal(readFileSync(path, 'utf8'), CSV, 'a note never touches the data file');
  assert.equal(JSON.parse(readFileSync(`${path}.labels.json`, 'utf8')).rows['1'].note, note);
  const journal = committedEdits(readFileSync(join(path, '..', '.label-lens', 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
  assert.deepEqual(journal.map((j) => [j.kind, j.id, j.old, j.new]), [['note', '1', '', note]]);
  const reopened = new DocumentState(path);
  assert.equal(reopened.state(0).note, note);
  assert.ok(!reopened.dirty);
  // Another copy of the file (a fresh folder, no sidecar): the note comes from the backup only.
  const restored = new DocumentState(fixture(t));
  restored.restoreBackup(backup);
  assert.equal(restored.state(0).note, note, 'hot exit keeps an unsaved note');
  // Whitespace only removes the note, and its sidecar entry goes with it.
  reopened.apply(new ReviewQueries(reopened).setNote(0, '  '));
  reopened.save();
  assert.equal(JSON.parse(readFileSync(`${path}.labels.json`, 'utf8')).rows['1'], undefined);
});
