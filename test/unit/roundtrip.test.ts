/**
 * Round trip: random relabels, save, re-read. Every byte outside the edited fields is identical and
 * each edited field reads back as the new label — on every shared dataset and on hostile files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import * as iconv from 'iconv-lite';
import { openDataset } from '../../src/core/table/dataset';
import { Table } from '../../src/core/table/table';
import { patchLabels } from '../../src/core/labels/patch';
import { applyEdits } from '../../src/core/labels/edits';
import { Random } from '../../src/core/random';
import { DATASETS, dataset, tempDir } from '../helpers';

/** Asserts that `after` equals `before` except inside the label fields of the changed rows. */
function assertOnlyLabelsChanged(before: Table, after: Table, labelCol: number, changes: Map<number, string>): void {
  assert.equal(after.rowCount, before.rowCount);
  const rowsSorted = [...changes.keys()].sort((a, b) => a - b);
  let bAt = 0;
  let aAt = 0;
  for (const r of rowsSorted) {
    const bs = before.fieldSpan(r, labelCol)!;
    const as = after.fieldSpan(r, labelCol)!;
    assert.ok(Buffer.from(before.bytes.subarray(bAt, bs.start)).equals(Buffer.from(after.bytes.subarray(aAt, as.start))), `bytes before row ${r} differ`);
    assert.equal(after.cell(r, labelCol), changes.get(r), `row ${r} reads back`);
    bAt = bs.end;
    aAt = as.end;
  }
  assert.ok(Buffer.from(before.bytes.subarray(bAt)).equals(Buffer.from(after.bytes.subarray(aAt))), 'tail differs');
  for (let i = 0; i < before.rowCount; i++) if (!changes.has(i)) assert.deepEqual(after.row(i), before.row(i));
}

function randomChanges(rng: Random, table: Table, candidates: string[], k: number): Map<number, string> {
  const changes = new Map<number, string>();
  while (changes.size < Math.min(k, table.rowCount)) {
    const r = rng.int(table.rowCount);
    if (!table.index.damaged[r]) changes.set(r, candidates[rng.int(candidates.length)]);
  }
  return changes;
}

for (const name of DATASETS) {
  test(`round trip on shared dataset ${name}`, (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'data.csv');
    copyFileSync(dataset(name), path);
    const ds = openDataset(path);
    const rng = new Random(7);
    // Existing classes plus labels that need quoting or are multi-byte.
    const changes = randomChanges(rng, ds.textTable, [...ds.classes, 'needs, "quotes"', '新 类别', 'emoji 😀'], 200);
    const out = patchLabels(ds.textTable, ds.roles.label!, changes);
    writeFileSync(path, out);
    assertOnlyLabelsChanged(ds.textTable, new Table(path, readFileSync(path)), ds.roles.label!, changes);
  });
}

const hostileText = [
  'id,text,label',
  '1,"quote "" and, comma",plain',
  '2,"multi\r\nline\nfield\rhere",体育',
  '3,emoji 😀 in text,"already ""quoted"""',
  '4,no final newline next,x',
].join('\r\n') + '\n5,"mixed endings",y\r6,last,z';

const hostile: { name: string; file: string; bytes: Buffer }[] = [
  { name: 'UTF-8 hostile CSV', file: 'h.csv', bytes: Buffer.from(hostileText) },
  { name: 'UTF-8 BOM CSV', file: 'h.csv', bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(hostileText)]) },
  { name: 'GBK without BOM', file: 'h.csv', bytes: iconv.encode(hostileText.replace(/😀/g, '哈'), 'gbk') },
  { name: 'GB18030 with BOM', file: 'h.csv', bytes: iconv.encode(hostileText, 'gb18030', { addBOM: true }) },
  { name: 'UTF-16LE with BOM', file: 'h.csv', bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(hostileText, 'utf16le')]) },
  { name: 'TSV', file: 'h.tsv', bytes: Buffer.from('id\ttext\tlabel\n1\ta, b\tx\n2\t"q"\ty\n3\tc\tz') },
  { name: 'JSON Lines', file: 'h.jsonl', bytes: Buffer.from('{"id": 1, "text": "a,b", "label": "x"}\r\n{"id":2,"text":"日本","label":7}\n{"id": 3, "text": "no label"}\n{"id":4,"label" : "y" , "text":"z"}') },
];

for (const h of hostile) {
  test(`round trip on a hostile file: ${h.name}`, (t) => {
    const dir = tempDir(t);
    const path = join(dir, h.file);
    writeFileSync(path, h.bytes);
    const table = new Table(path, readFileSync(path));
    assert.equal(table.problems.filter((p) => p.severity === 'error').length, 0, JSON.stringify(table.problems));
    const labelCol = table.header.indexOf('label');
    const labels = h.file.endsWith('.tsv') ? ['new', '中文', 'a "q"'] : ['new, needs quotes', 'say "hi"', '中文', 'line\nbreak', '😀', '8'];
    for (let seed = 1; seed <= 5; seed++) {
      const rng = new Random(seed);
      const changes = randomChanges(rng, table, labels, 3);
      const out = patchLabels(table, labelCol, changes);
      writeFileSync(path, out);
      const after = new Table(path, readFileSync(path));
      if (h.file.endsWith('.jsonl')) {
        for (const [r, v] of changes) assert.equal(after.cell(r, labelCol), v);
        for (let i = 0; i < table.rowCount; i++) {
          if (!changes.has(i)) assert.deepEqual(after.row(i), table.row(i));
          else assert.deepEqual(after.row(i).filter((_, c) => c !== labelCol), table.row(i).filter((_, c) => c !== labelCol));
        }
      } else assertOnlyLabelsChanged(table, after, labelCol, changes);
      assert.equal(after.encoding.name, table.encoding.name);
      assert.equal(after.encoding.bomLength, table.encoding.bomLength);
      writeFileSync(path, h.bytes);
    }
  });
}

/** The journal's edit lines whose write committed (begin/commit frame lines left out). */
function committedEdits(records: Record<string, unknown>[]): any[] {
  const done = new Set(records.filter((r) => r.type === 'commit').map((r) => r.txn));
  return records.filter((r) => r.type === undefined && done.has(r.txn));
}

test('JSON Lines: a number label stays a number, a missing label key is added', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'n.jsonl');
  writeFileSync(path, '{"text":"a","label":3}\n{"text":"b"}\n{}\n');
  const table = new Table(path, readFileSync(path));
  const out = patchLabels(table, 1, new Map([[0, '5'], [1, 'x'], [2, 'y']])).toString();
  assert.equal(out, '{"text":"a","label":5}\n{"text":"b", "label": "x"}\n{"label": "y"}\n');
});

test('applyEdits writes through the same path: relabel, smooth to sidecar, accept, journal', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'd.csv');
  writeFileSync(path, 'id,text,label\r\n1,hello,a\r\n2,world,b\r\n3,again,a\r\n');
  const ds = openDataset(path);
  const res = applyEdits(ds, [
    { kind: 'relabel', id: '1', to: 'b', reason: 'looks like b' },
    { kind: 'smooth', id: '2', epsilon: 0.2 },
    { kind: 'accept', id: '3' },
  ]);
  assert.deepEqual([res.relabeled, res.smoothed, res.accepted], [1, 1, 1]);
  assert.equal(readFileSync(path, 'utf8'), 'id,text,label\r\n1,hello,b\r\n2,world,b\r\n3,again,a\r\n');
  const side = JSON.parse(readFileSync(`${path}.labels.json`, 'utf8'));
  assert.deepEqual(side.rows['2'].soft, { a: 0.1, b: 0.9 });
  assert.equal(side.rows['3'].accepted, true);
  const journal = committedEdits(readFileSync(join(dir, '.label-lens', 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
  assert.deepEqual(journal.map((j) => [j.kind, j.id, j.old, j.line]), [['relabel', '1', 'a', 2], ['smooth', '2', 'null', 3], ['accept', '3', 'a', 4]]);
  assert.equal(journal[0].new, 'b');
  assert.equal(journal[0].reason, 'looks like b');
  assert.equal(journal[0].file, 'd.csv');
  // The original is kept once, before the first write.
  assert.equal(readFileSync(join(dir, '.label-lens', 'originals', 'd.csv'), 'utf8'), 'id,text,label\r\n1,hello,a\r\n2,world,b\r\n3,again,a\r\n');
});

test('applyEdits validates everything first: an unknown id or class writes nothing', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'd.csv');
  const original = 'id,text,label\n1,hello,a\n2,world,b\n';
  writeFileSync(path, original);
  const ds = openDataset(path);
  assert.throws(() => applyEdits(ds, [{ kind: 'relabel', id: '1', to: 'b' }, { kind: 'relabel', id: '9', to: 'a' }]), /no row with id "9"/);
  assert.throws(() => applyEdits(ds, [{ kind: 'relabel', id: '1', to: 'typo' }]), /not a class.*--new-class/);
  assert.throws(() => applyEdits(ds, [{ kind: 'smooth', id: '1', target: { a: 0.5, b: 0.6 } }]), /sum to 1.1000, expected 1/);
  assert.equal(readFileSync(path, 'utf8'), original);
  applyEdits(ds, [{ kind: 'relabel', id: '1', to: 'typo' }], { allowNewClass: true });
  assert.equal(readFileSync(path, 'utf8'), 'id,text,label\n1,hello,typo\n2,world,b\n');
});
