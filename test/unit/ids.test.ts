/**
 * Ids name rows, never positions: duplicate and blank ids are reported with their lines, an
 * ambiguous --id is refused with the lines it matches, --line N addresses a row by position on
 * purpose, and a damaged row is named as damaged. The file in the first test is the issue's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from '../../src/core/report/inspect';
import { openDataset } from '../../src/core/table/dataset';
import { runCli, tempDir } from '../helpers';

const cli = runCli;

const DUP = 'id,text,label\n30,x,ham\n10,y,spam\n20,z,ham\n10,w,spam\n40,v,ham\n';

test('a duplicated id keeps ids as ids: --id 3 is no position, --id 40 works, --id 10 is ambiguous, inspect reports it', async (t) => {
  const file = join(tempDir(t), 'dup.csv');
  writeFileSync(file, DUP);

  const ds = openDataset(file);
  assert.equal(ds.table.header[ds.roles.id!], 'id', 'the id column is kept despite the repeat');
  const dup = inspect(ds).problems.filter((p) => p.code === 'duplicate-id');
  assert.equal(dup.length, 1);
  assert.equal(dup[0].line, 5);
  assert.match(dup[0].message, /id "10" is used on lines 3, 5/);

  const three = await cli(['relabel', file, '--id', '3', '--to', 'spam']);
  assert.equal(three.code, 1);
  assert.match(three.err, /no row with id "3"/);
  assert.equal(readFileSync(file, 'utf8'), DUP, 'the row whose id is 20 is not relabeled');

  const ambiguous = await cli(['relabel', file, '--id', '10', '--to', 'ham']);
  assert.equal(ambiguous.code, 1);
  assert.match(ambiguous.err, /id "10" is ambiguous in dup\.csv: the rows on lines 3, 5 have it; nothing was changed/);
  assert.equal(readFileSync(file, 'utf8'), DUP);

  const forty = await cli(['relabel', file, '--id', '40', '--to', 'spam']);
  assert.equal(forty.code, 0, forty.err);
  assert.equal(readFileSync(file, 'utf8'), DUP.replace('40,v,ham', '40,v,spam'));

  const byLine = await cli(['relabel', file, '--line', '5', '--to', 'ham']);
  assert.equal(byLine.code, 0, byLine.err);
  assert.equal(readFileSync(file, 'utf8'), DUP.replace('40,v,ham', '40,v,spam').replace('10,w,spam', '10,w,ham'));
  assert.match(byLine.out, /1 relabeled/);
});

test('blank ids are reported with their lines and such a row is edited by --line only', async (t) => {
  const file = join(tempDir(t), 'blank.csv');
  const text = 'id,text,label\na1,one,ham\n,two,spam\nb2,three,ham\n ,four,spam\nc3,five,ham\n';
  writeFileSync(file, text);
  const ds = openDataset(file);
  assert.equal(ds.table.header[ds.roles.id!], 'id');
  const blank = ds.problems.filter((p) => p.code === 'blank-id');
  assert.deepEqual(blank.map((p) => p.line), [3, 5]);
  assert.match(blank[0].message, /--line 3/);
  const r = await cli(['relabel', file, '--id', '', '--to', 'ham']);
  assert.equal(r.code, 1);
  assert.match(r.err, /a blank id names no row: use --line N/);
  assert.equal((await cli(['relabel', file, '--line', '3', '--to', 'ham'])).code, 0);
  assert.equal(readFileSync(file, 'utf8'), text.replace(',two,spam', ',two,ham'));
});

test('without an id column, --id is refused instead of read as a position; --line works', async (t) => {
  const file = join(tempDir(t), 'noid.csv');
  const text = 'text,label\nhello there,ham\nwin cash,spam\nlunch today,ham\n';
  writeFileSync(file, text);
  const r = await cli(['relabel', file, '--id', '2', '--to', 'ham']);
  assert.equal(r.code, 1);
  assert.match(r.err, /noid\.csv has no id column .*--line N/);
  assert.equal(readFileSync(file, 'utf8'), text);
  const l = await cli(['relabel', file, '--line', '3', '--to', 'ham']);
  assert.equal(l.code, 0, l.err);
  assert.equal(readFileSync(file, 'utf8'), text.replace('win cash,spam', 'win cash,ham'));
  const off = await cli(['relabel', file, '--line', '9', '--to', 'ham']);
  assert.equal(off.code, 1);
  assert.match(off.err, /no row starts on line 9 \(data rows start on lines 2–4/);
});

test('an edit of a damaged row by its id says the row is damaged and why', async (t) => {
  const file = join(tempDir(t), 'damaged.csv');
  const text = 'id,text,label\n1,fine,ham\n2,one,too,many,spam\n3,fine too,ham\n';
  writeFileSync(file, text);
  const r = await cli(['relabel', file, '--id', '2', '--to', 'ham']);
  assert.equal(r.code, 1);
  assert.match(r.err, /the row on line 3 of damaged\.csv \(id "2"\) is damaged \(expected 3 fields as in the header, found 5.*\) and is left untouched/);
  assert.equal(readFileSync(file, 'utf8'), text);
});

test('an edits file may address rows by "line"; giving both id and line is refused', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'd.csv');
  writeFileSync(file, DUP);
  writeFileSync(join(dir, 'e.jsonl'), '{"line": 3, "to": "ham"}\n{"id": "30", "to": "spam"}\n');
  const r = await cli(['apply', file, '--edits', join(dir, 'e.jsonl')]);
  assert.equal(r.code, 0, r.err);
  assert.equal(readFileSync(file, 'utf8'), DUP.replace('10,y,spam', '10,y,ham').replace('30,x,ham', '30,x,spam'));
  writeFileSync(join(dir, 'bad.jsonl'), '{"line": 3, "id": "10", "to": "ham"}\n');
  const bad = await cli(['apply', file, '--edits', join(dir, 'bad.jsonl')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /bad\.jsonl:1: give "id" or "line", not both/);
});
