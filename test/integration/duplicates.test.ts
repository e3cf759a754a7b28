/**
 * Duplicates end to end: copies with conflicting labels in a real file are reported by `inspect`
 * (no training) and ranked first by `analyze`, with their columns in rows.csv and counts in
 * summary.json; and group-aware folds keep copies from leaking labels across folds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, dataset, tempDir } from '../helpers';
import { openDataset } from '../../src/core/table/dataset';
import { quoteIfNeeded } from '../../src/core/table/csv';
import { Table } from '../../src/core/table/table';
import type { Summary } from '../../src/core/results';
import { DocumentState } from '../../src/core/labels/documentState';
import { ReviewQueries } from '../../src/core/reviewQueries';
import { readRun } from '../../src/core/results';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/label-lens.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const csvLine = (cells: string[]) => cells.map((c) => quoteIfNeeded(c, ',', false)).join(',');

test('inspect and analyze report copies with conflicting labels first, with reason, suggestion and columns', (t) => {
  const dir = tempDir(t);
  const src = openDataset(join(ROOT, 'samples/sms_spam_noisy.csv'));
  const text = src.roles.text!, label = src.roles.label!;
  const lines = [csvLine(src.table.header)];
  for (let i = 0; i < src.rowCount; i++) lines.push(csvLine(src.table.row(i)));
  // Copies of 6 long ham messages, shouted and re-spaced, labeled spam: exact after normalisation.
  const picked = [...Array(src.rowCount).keys()].filter((i) => src.labelName(i) === 'ham' && src.table.cell(i, text).length > 80).slice(0, 6);
  for (const i of picked) {
    const cells = src.table.row(i).slice();
    cells[src.roles.id!] = `copy-${cells[src.roles.id!]}`;
    cells[text] = `  ${cells[text].toUpperCase().replace(/ /g, '  ')} `;
    cells[label] = 'spam';
    lines.push(csvLine(cells));
  }
  const file = join(dir, 'sms.csv');
  writeFileSync(file, lines.join('\n') + '\n');

  const ins = cli('inspect', file, '--json');
  const rep = JSON.parse(ins.out);
  assert.ok(rep.duplicates.conflicts >= 6, JSON.stringify(rep.duplicates));
  assert.ok(rep.duplicates.examples.some((e: { reason: string; ids: string[] }) => e.reason === '2 identical texts: ham ×1, spam ×1' && e.ids.includes(`copy-${src.rowId(picked[0])}`)));
  assert.match(cli('inspect', file).out, /Exact duplicates .*: \d+ rows repeat an earlier text, in \d+ groups; \d+ label conflicts/);

  const a = cli('analyze', file, '--folds', '3', '--epochs', '4', '--out', join(dir, 'out'), '-q');
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, /duplicates: \d+ groups .*; \d+ label conflicts \(\d+ rows\); \d+ outliers; each group kept in one fold/);
  const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as Summary;
  const copies = new Set(picked.map((i) => `copy-${src.rowId(i)}`));
  // Conflicts rank first (the noisy sample has some of its own); the 6 copies, labeled spam against
  // a ham original the model believes, are among them with ham suggested.
  const kinds = summary.topSuspects.map((s) => s.kind);
  const nConflict = kinds.filter((k) => k === 'conflict').length;
  assert.ok(kinds.slice(0, nConflict).every((k) => k === 'conflict') && kinds.slice(nConflict).every((k) => k === 'label'));
  const ours = summary.topSuspects.filter((s) => copies.has(s.id));
  assert.equal(ours.length, 6);
  for (const s of ours) {
    assert.equal(s.kind, 'conflict');
    assert.equal(s.suggested, 'ham');
    assert.match(s.reason, /^\d+ (near-)?identical texts: ham ×\d+, spam ×\d+$/);
  }
  assert.ok(ours.filter((s) => s.reason === '2 identical texts: ham ×1, spam ×1').length >= 4, 'most copies form a pair with their original');
  assert.ok(summary.duplicates!.conflicts >= 6);
  assert.ok(summary.topConflicts!.some((c) => c.members.some((m) => copies.has(m.id)) && c.suggested === 'ham'));

  const rows = new Table('rows.csv', readFileSync(join(dir, 'out', 'rows.csv')));
  const col = (name: string) => rows.header.indexOf(name);
  for (const name of ['duplicate_group', 'duplicate_of', 'conflict', 'outlier_score']) assert.ok(col(name) >= 0, name);
  const byId = new Map([...Array(rows.rowCount).keys()].map((r) => [rows.cell(r, 0), r]));
  for (const i of picked) {
    const orig = byId.get(src.rowId(i))!, copy = byId.get(`copy-${src.rowId(i)}`)!;
    assert.equal(rows.cell(copy, col('duplicate_of')), src.rowId(i));
    assert.equal(rows.cell(orig, col('duplicate_of')), '', 'the first row of a group is no one\'s copy');
    assert.equal(rows.cell(copy, col('duplicate_group')), rows.cell(orig, col('duplicate_group')));
    assert.equal(rows.cell(copy, col('conflict')), '1');
  }
  for (let r = 0; r < rows.rowCount; r++) {
    const s = Number(rows.cell(r, col('outlier_score')));
    assert.ok(s >= 0 && s <= 1);
  }

  // The review on that analysis: the conflict filter, the Duplicates view, one key for a whole group
  // (one undo step), the copies in the detail pane, and `exclude` honoured by the next analysis.
  const state = new DocumentState(file);
  const model = new ReviewQueries(state);
  assert.ok(model.setAnalysis(readRun(join(dir, 'out'), 'analysis')));
  const q = { offset: 0, limit: 500, sort: 'suspicion' as const, descending: true, snapshot: 1 };
  const conflictRows = model.page({ ...q, filter: { issue: 'conflict' } });
  const conflictCol = col('conflict');
  const expected = [...Array(rows.rowCount).keys()].filter((r) => rows.cell(r, conflictCol) === '1').length;
  assert.equal(conflictRows.total, expected);
  assert.ok(conflictRows.rows.every((r) => r.conflict && r.duplicateGroup !== undefined));
  assert.ok(model.page({ ...q, filter: { issue: 'duplicate' } }).total >= summary.duplicates!.rowsInGroups);
  const copyRow = src.rowCount; // the first copy, appended after the original rows
  const g = model.groups(0, 1000);
  assert.equal(g.total, summary.duplicates!.groups);
  const firstPlain = g.groups.findIndex((x) => !x.conflict);
  assert.ok(g.groups.slice(0, firstPlain).every((x) => x.conflict) && g.groups.slice(firstPlain).every((x) => !x.conflict), 'conflicts first');
  const mine = g.groups.find((x) => x.members.some((m) => m.row === copyRow))!;
  assert.equal(mine.suggested, 'ham');
  assert.deepEqual(mine.members.map((m) => m.label).sort(), ['ham', 'spam']);
  const detail = model.detail(copyRow);
  assert.deepEqual(detail.duplicates!.map((m) => m.row), [picked[0]]);
  assert.equal(detail.conflictReason, '2 identical texts: ham ×1, spam ×1');
  const batch = model.relabelGroup(mine.group, 'ham');
  state.apply(batch);
  assert.equal(state.state(copyRow).label, 'ham');
  assert.equal(model.groupView(mine.group - 1).conflict, false);
  state.undo(batch);
  assert.equal(state.state(copyRow).label, 'spam', 'one undo step restores the group');
  const ex = model.exclude([copyRow, picked[1]], true);
  state.apply(ex);
  assert.equal(model.rowView(copyRow).excluded, true);
  state.save();
  const side = JSON.parse(readFileSync(`${file}.labels.json`, 'utf8'));
  assert.equal(side.rows[`copy-${src.rowId(picked[0])}`].excluded, true);
  const again = cli('analyze', file, '--folds', '3', '--epochs', '4', '--out', join(dir, 'again'), '-q');
  assert.equal(again.code, 0, again.err);
  const s2 = JSON.parse(readFileSync(join(dir, 'again', 'summary.json'), 'utf8')) as Summary;
  assert.equal(s2.excluded, 2);
  assert.equal(s2.labeled, summary.labeled, 'excluded rows keep their label in the file');
  const rows2 = new Table('rows.csv', readFileSync(join(dir, 'again', 'rows.csv')));
  const r2 = [...Array(rows2.rowCount).keys()].find((r) => rows2.cell(r, 0) === `copy-${src.rowId(picked[0])}`)!;
  assert.equal(rows2.cell(r2, rows2.header.indexOf('suspicion')), '', 'an excluded row is not scored');
  assert.ok(!s2.topSuspects.some((x) => x.id === `copy-${src.rowId(picked[0])}`));
});

test('group folds: ag_news with 20% noise repeated 13 times scores like the original; split folds hide the noise', async (t) => {
  const { EngineClient } = await import('../../src/client/engineClient');
  const { readArrays } = await import('../../src/core/results');
  const { averagePrecision } = await import('../../src/core/signals/metrics');
  const { Random } = await import('../../src/core/random');
  const { repeatedCsv } = await import('../nearCopies');
  const dir = tempDir(t);
  // A 500-row subsample (every 15th row) with 20% of labels flipped uniformly to another class.
  const src = openDataset(dataset('ag_news_test'));
  const rng = new Random(20);
  const rows: string[][] = [];
  const flipped: number[] = [];
  for (let i = 0; i < src.rowCount && rows.length < 500; i += 15) {
    const cells = src.table.row(i).slice();
    const flip = rng.next() < 0.2;
    if (flip) { const others = src.classes.filter((c) => c !== cells[src.roles.label!]); cells[src.roles.label!] = others[rng.int(others.length)]; }
    flipped.push(flip ? 1 : 0);
    rows.push(cells);
  }
  const original = join(dir, 'original.csv');
  const repeated = join(dir, 'repeated.csv');
  writeFileSync(original, repeatedCsv(src.table.header, rows, src.roles.id!, 1));
  writeFileSync(repeated, repeatedCsv(src.table.header, rows, src.roles.id!, 13));
  const analyze = async (file: string, out: string, groupFolds: boolean) => {
    const c = new EngineClient({ enginePath: join(ROOT, 'dist/engine.js') });
    try {
      const res = await c.run({ type: 'analyze', dataset: { file }, options: { repeats: 1, splitDuplicates: !groupFolds }, outDir: join(dir, out) }).done;
      const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
      return { summary, suspicion: readArrays(res.arraysPath, summary.arrays).suspicion };
    } finally { c.dispose(); }
  };
  const truth13 = Array.from({ length: 13 * rows.length }, (_, i) => flipped[i % rows.length]);
  const base = await analyze(original, 'o', true);
  const grouped = await analyze(repeated, 'g', true);
  const split = await analyze(repeated, 's', false);
  const apBase = averagePrecision(base.suspicion, flipped);
  const apGrouped = averagePrecision(grouped.suspicion, truth13);
  const apSplit = averagePrecision(split.suspicion, truth13);
  t.diagnostic(`AP original ${apBase.toFixed(3)} (${base.summary.flagged} flagged); 13× grouped ${apGrouped.toFixed(3)} (${grouped.summary.flagged / 13} flagged per copy); 13× split ${apSplit.toFixed(3)} (${split.summary.flagged / 13})`);
  // One group per original row (a few natural near-duplicates join two).
  assert.ok(grouped.summary.duplicates!.groups <= rows.length && grouped.summary.duplicates!.groups >= 0.97 * rows.length);
  // On 500 rows AP moves by ±0.035 from one seed's split to another's (seeds 1–3: 0.68–0.75), so the
  // bound here is looser than the 0.02 the bench checks on the full 100k-row file.
  assert.ok(Math.abs(apGrouped - apBase) <= 0.06, `grouped AP ${apGrouped} vs ${apBase}`);
  assert.ok(Math.abs(grouped.summary.flagged / 13 - base.summary.flagged) <= 0.1 * base.summary.flagged, 'flagged per copy near the original');
  assert.ok(split.summary.flagged / 13 < 0.3 * base.summary.flagged, 'without groups each copy is predicted by a model that saw its label');
});
