import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDataset } from '../../src/core/table/dataset';
import { inferRoles } from '../../src/core/table/roles';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataset, tempDir } from '../helpers';

const expected: Record<string, { id: string; label: string; text: string | null; kind: string; classes: number }> = {
  sms_spam: { id: 'id', label: 'label', text: 'text', kind: 'text', classes: 2 },
  ag_news_test: { id: 'id', label: 'label', text: 'text', kind: 'text', classes: 4 },
  clue_iflytek_fewclue: { id: 'id', label: 'label', text: 'text', kind: 'text', classes: 119 },
  clue_tnews_fewclue: { id: 'id', label: 'label', text: 'text', kind: 'text', classes: 15 },
  toutiao_news_20k: { id: 'id', label: 'label', text: 'text', kind: 'text', classes: 15 },
  toutiao_news_38k: { id: 'id', label: 'label', text: 'text', kind: 'text', classes: 15 },
  imdb_test_labelerrors: { id: 'id', label: 'label', text: 'text', kind: 'text', classes: 2 },
  mnist_test_labelerrors: { id: 'id', label: 'label', text: null, kind: 'pixels', classes: 10 },
};

for (const [name, want] of Object.entries(expected)) {
  test(`roles of ${name}`, () => {
    const ds = openDataset(dataset(name));
    const h = ds.table.header;
    assert.equal(h[ds.roles.id!], want.id);
    assert.equal(h[ds.roles.label!], want.label);
    assert.equal(ds.roles.text === undefined ? null : h[ds.roles.text], want.text);
    assert.equal(ds.kind, want.kind);
    assert.equal(ds.classes.length, want.classes);
    if (want.kind === 'pixels') assert.deepEqual([ds.roles.pixels!.width, ds.roles.pixels!.height, ds.roles.pixels!.columns.length], [28, 28, 784]);
    for (const why of Object.values(ds.roles.why)) assert.ok(why.length > 10);
  });
}

test('roles from values when names say nothing; overrides win', () => {
  const header = ['a', 'b', 'c', 'd'];
  const sample = Array.from({ length: 200 }, (_, i) => [String(i), `a long free text sentence number ${i}`, ['cat', 'dog', 'bird'][i % 3], String(i * 0.5)]);
  const r = inferRoles(header, sample);
  assert.deepEqual([r.id, r.text, r.label, r.features], [0, 1, 2, [3]]);
  const o = inferRoles(header, sample, { label: 'd', text: '2' });
  assert.deepEqual([o.label, o.text], [3, 1]);
  assert.match(o.why.label, /chosen by the user/);
  assert.throws(() => inferRoles(header, sample, { label: 'nope' }), /no column "nope" for the label: expected one of "a", "b", "c", "d"/);
});

test('tabular data: numeric features, empty labels counted as unlabeled', (t) => {
  const dir = tempDir(t);
  const p = join(dir, 'iris.csv');
  const rows = ['sepal_length,sepal_width,species'];
  for (let i = 0; i < 60; i++) rows.push(`${(4 + (i % 10) / 3).toFixed(1)},${(2 + (i % 7) / 4).toFixed(2)},${i % 5 === 0 ? '' : ['setosa', 'virginica'][i % 2]}`);
  writeFileSync(p, rows.join('\n'));
  const ds = openDataset(p);
  assert.equal(ds.kind, 'tabular');
  assert.equal(ds.table.header[ds.roles.label!], 'species');
  assert.deepEqual(ds.roles.features.map((c) => ds.table.header[c]), ['sepal_length', 'sepal_width']);
  assert.equal(ds.unlabeled, 12);
  assert.equal(ds.rowId(3), 'row 4');
  assert.equal(ds.rowOf('row 4'), 3);
});

test('duplicate ids are reported with both lines', (t) => {
  const p = join(tempDir(t), 'dup.csv');
  writeFileSync(p, 'id,text,label\nA,one text here,x\nB,two text here,y\nA,three text here,x\n');
  const ds = openDataset(p, { id: 'id' });
  const dup = ds.problems.find((x) => x.code === 'duplicate-id')!;
  assert.equal(dup.line, 4);
  assert.match(dup.message, /id "A" is used on lines 2, 4/);
  // A shared id names no single row: it is never resolved to the first (or to a position).
  assert.equal(ds.rowOf('A'), undefined);
  assert.deepEqual(ds.rowsOf('A'), [0, 2]);
});

test('a column of single numbers is never parsed as vectors; a column of vectors among numeric ones still is the embedding', () => {
  const header = ['id', 'f0', 'emb', 'label'];
  const sample = Array.from({ length: 40 }, (_, i) => [String(i), String(i * 0.5), `[${i}, 0.5, -1, 2e-3]`, i % 2 ? 'a' : 'b']);
  const roles = inferRoles(header, sample);
  assert.equal(roles.embedding, 2);
  assert.deepEqual(inferRoles(header.slice(0, 2).concat('label'), sample.map((r) => [r[0], r[1], r[3]])).embedding, undefined);
});
