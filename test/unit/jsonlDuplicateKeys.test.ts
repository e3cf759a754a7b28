/**
 * A JSONL object that repeats a key: reported with line and column; the value read is the one
 * JSON.parse keeps (the last), and a relabel writes every copy, so any reader sees the edit.
 * The row is the issue's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from '../../src/core/report/inspect';
import { openDataset } from '../../src/core/table/dataset';
import { runCli, tempDir } from '../helpers';

const ROWS = [
  '{"id":"1","text":"see you at lunch","label":"ham"}',
  '{"id":"2","text":"win money","label":"spam","label":"ham"}',
  '{"id":"3","text":"free prize","label":"spam"}',
  '{"id":"4","text":"call mum","label":"ham"}',
];

test('a repeated key is a problem with its line and column, and the last value is the label read', (t) => {
  const file = join(tempDir(t), 'd.jsonl');
  writeFileSync(file, ROWS.join('\n') + '\n');
  const ds = openDataset(file);
  const p = inspect(ds).problems.filter((q) => q.code === 'duplicate-key');
  assert.equal(p.length, 1);
  assert.equal(p[0].line, 2);
  assert.equal(p[0].column, ROWS[1].lastIndexOf('"label"') + 1);
  assert.match(p[0].message, new RegExp(`key "label" appears again \\(first at column ${ROWS[1].indexOf('"label"') + 1}\\)`));
  assert.equal(ds.labelName(ds.rowOf('2')!), JSON.parse(ROWS[1]).label);
});

test('relabel --id 2 --to spam changes what JSON.parse reads, and every copy of the key', async (t) => {
  const file = join(tempDir(t), 'd.jsonl');
  writeFileSync(file, ROWS.join('\n') + '\n');
  const r = await runCli(['relabel', file, '--id', '2', '--to', 'spam']);
  const out = r.out + r.err;
  assert.equal(r.code, 0, out);
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.equal(JSON.parse(lines[1]).label, 'spam');
  assert.equal(lines[1], '{"id":"2","text":"win money","label":"spam","label":"spam"}');
  assert.deepEqual([lines[0], lines[2], lines[3]], [ROWS[0], ROWS[2], ROWS[3]]);
  assert.match(out, /1 relabeled/);
});

test('a repeated key inside a nested object or a string is no problem', (t) => {
  const file = join(tempDir(t), 'n.jsonl');
  writeFileSync(file, '{"id":"1","meta":{"a":1,"a":2},"text":"x \\"label\\": y","label":"ham"}\n{"id":"2","text":"z","label":"spam"}\n');
  assert.deepEqual(openDataset(file).problems.filter((q) => q.code === 'duplicate-key'), []);
});
