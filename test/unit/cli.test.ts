import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, dataset, tempDir } from '../helpers';

/** Runs the built CLI as a user would. */
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/label-lens.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The journal's edit lines whose write committed (begin/commit frame lines left out). */
function committedEdits(records: Record<string, unknown>[]): any[] {
  const done = new Set(records.filter((r) => r.type === 'commit').map((r) => r.txn));
  return records.filter((r) => r.type === undefined && done.has(r.txn));
}

test('inspect prints roles, classes with counts and shares, imbalance ratio', () => {
  const r = cli('inspect', dataset('sms_spam'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /5574 rows/);
  assert.match(r.out, /ham\s+4827\s+86\.6%/);
  assert.match(r.out, /spam\s+747\s+13\.4%/);
  assert.match(r.out, /imbalance ratio \(largest\/smallest class\): 6\.46/);
  assert.match(r.out, /label\s+label\s+"label" is named like a label/);
});

test('inspect --json carries the same facts', () => {
  const r = cli('inspect', dataset('toutiao_news_20k'), '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.rows, 20000);
  assert.equal(j.roles.label, 'label');
  assert.equal(j.classes.find((c: { name: string }) => c.name === 'stock').count, 18);
  assert.ok(Math.abs(j.imbalanceRatio - 2201 / 18) < 1e-9);
});

test('inspect reports problems with file:line:column and exit codes follow the contract', (t) => {
  const dir = tempDir(t);
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'id,text,label\n1,fine,a\n2,"broken,b\n3,ok,b\n');
  const r = cli('inspect', bad);
  assert.equal(r.code, 0);
  assert.match(r.out, /bad\.csv:3:3: error: quoted field is never closed/);
  const empty = join(dir, 'empty.csv');
  writeFileSync(empty, '');
  const e = cli('inspect', empty);
  assert.equal(e.code, 1);
  assert.match(e.err, /empty\.csv:1:1: error: the file is empty/);
  assert.equal(cli('inspect', join(dir, 'missing.csv')).code, 1);
  assert.equal(cli('inspect').code, 2);
  assert.equal(cli('frobnicate', bad).code, 2);
  assert.equal(cli('inspect', bad, '--label', 'nope').code, 2);
  assert.equal(cli('inspect', bad, '--bogus').code, 2);
  const nolabel = join(dir, 'nolabel.csv');
  writeFileSync(nolabel, 'id,text\n1,some free text\n2,other free text\n');
  const n = cli('inspect', nolabel);
  assert.equal(n.code, 1);
  assert.match(n.out, /no plausible label column/);
});

test('relabel and apply change only the label bytes and write the journal', (t) => {
  const dir = tempDir(t);
  const p = join(dir, 'd.csv');
  writeFileSync(p, 'id,text,label\r\n1,"a, b",ham\r\n2,c,spam\r\n3,d,ham');
  const r = cli('relabel', p, '--id', '3', '--to', 'spam', '--reason', 'obvious spam');
  assert.equal(r.code, 0, r.err);
  assert.equal(readFileSync(p, 'utf8'), 'id,text,label\r\n1,"a, b",ham\r\n2,c,spam\r\n3,d,spam');
  const edits = join(dir, 'edits.jsonl');
  writeFileSync(edits, '{"id": "1", "kind": "relabel", "to": "spam"}\n{"id": 2, "kind": "smooth", "epsilon": 0.1}\n{"id": "3", "kind": "accept"}\n');
  const a = cli('apply', p, '--edits', edits);
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, /1 relabeled, 1 smoothed, 1 accepted/);
  assert.equal(readFileSync(p, 'utf8'), 'id,text,label\r\n1,"a, b",spam\r\n2,c,spam\r\n3,d,spam');
  const journal = committedEdits(readFileSync(join(dir, '.label-lens/journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
  assert.deepEqual(journal.map((j) => j.kind), ['relabel', 'relabel', 'smooth', 'accept']);
  assert.equal(journal[0].reason, 'obvious spam');
  assert.equal(journal[0].via, 'cli');
  // Bad edits: data problem, nothing written.
  const before = readFileSync(p);
  writeFileSync(edits, '{"id": "1", "kind": "accept"}\n{"id": "x", "to": "spam"}\n');
  const bad = cli('apply', p, '--edits', edits);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /no row with id "x"/);
  assert.ok(readFileSync(p).equals(before));
  writeFileSync(edits, '{"id": "1", "kind": "relabel"\n');
  const broken = cli('apply', p, '--edits', edits);
  assert.equal(broken.code, 1);
  assert.match(broken.err, /edits\.jsonl:1: invalid JSON/);
  assert.equal(cli('relabel', p, '--id', '1').code, 2);
});
