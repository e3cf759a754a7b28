import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddingColumn, embeddingsNpy, parseVector } from '../../src/core/embeddings';
import { writeNpy } from '../../src/core/predictions/npy';
import { knnAgreement, knnLabelDistribution } from '../../src/core/signals/knnAgreement';
import { openDataset } from '../../src/core/table/dataset';
import { UserError } from '../../src/core/errors';
import { Random } from '../../src/core/random';
import { duplicates, featurize, load } from '../../src/engine/phases';
import { denseDuplicates } from '../../src/engine/duplicates';
import { dataset, tempDir } from '../helpers';

test('parseVector reads JSON arrays and whitespace-separated numbers, nothing else', () => {
  assert.deepEqual(parseVector('[0.5, -1e-3, 2]'), [0.5, -0.001, 2]);
  assert.deepEqual(parseVector(' 0.5 -0.25\t3 '), [0.5, -0.25, 3]);
  assert.equal(parseVector('hello world'), undefined);
  assert.equal(parseVector('[0.5, x]'), undefined);
  assert.equal(parseVector('[0.5, NaN]'), undefined);
  assert.equal(parseVector(''), undefined);
  assert.equal(parseVector('3 apples'), undefined);
});

/** 60 real sms_spam rows with an embedding column (a made-up 6-d vector per row) in the given style. */
function withEmbeddings(dir: string, style: 'json' | 'spaces', mutate?: (cells: string[], i: number) => void): string {
  const src = openDataset(dataset('sms_spam'));
  const h = src.table.header;
  const lines = [[...h, 'embedding'].map((c) => JSON.stringify(c)).join(',')];
  for (let i = 0; i < 60; i++) {
    const v = Array.from({ length: 6 }, (_, d) => +(Math.sin(i * 7 + d) * (src.labels[i] + 1)).toFixed(4));
    const cells = [...src.table.row(i).map((c) => JSON.stringify(c)), JSON.stringify(style === 'json' ? JSON.stringify(v) : v.join(' '))];
    mutate?.(cells, i);
    lines.push(cells.join(','));
  }
  const path = join(dir, `sms-${style}.csv`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

test('roles: an embedding column is detected (before text), can be named, or turned off', (t) => {
  const dir = tempDir(t);
  for (const style of ['json', 'spaces'] as const) {
    const ds = openDataset(withEmbeddings(dir, style));
    assert.equal(ds.table.header[ds.roles.embedding!], 'embedding', style);
    assert.match(ds.roles.why.embedding, /holds vectors of 6 numbers/);
    assert.equal(ds.kind, 'embedding');
    assert.equal(ds.table.header[ds.roles.text!], 'text', 'the text column stays the text');
    const e = embeddingColumn(ds.rowCount, (i) => ds.table.cell(i, ds.roles.embedding!), (i) => ds.table.index.line[i], () => false, 'embedding', ds.table.path);
    assert.equal(e.dim, 6);
    assert.equal(e.x[6 * 3 + 2], Math.fround(+(Math.sin(3 * 7 + 2) * (ds.labels[3] + 1)).toFixed(4)));
  }
  const off = openDataset(withEmbeddings(dir, 'json'), { embedding: 'none' });
  assert.equal(off.roles.embedding, undefined);
  assert.equal(off.kind, 'text');
  assert.equal(openDataset(dataset('sms_spam')).roles.embedding, undefined, 'plain text data has no embedding column');
  assert.throws(() => openDataset(withEmbeddings(dir, 'json'), { embedding: 'vectors' }), /no column "vectors" for the embedding/);
});

test('embedding column: rows of another length or not vectors are named by line', (t) => {
  const dir = tempDir(t);
  const path = withEmbeddings(dir, 'json', (cells, i) => {
    if (i === 10) cells[cells.length - 1] = '"[1, 2, 3]"';
    if (i === 20) cells[cells.length - 1] = '"n/a"';
  });
  const ds = openDataset(path, { embedding: 'embedding' });
  const col = ds.roles.embedding!;
  assert.throws(() => embeddingColumn(ds.rowCount, (i) => ds.table.cell(i, col), (i) => ds.table.index.line[i], () => false, 'embedding', path), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match((e as Error).message, /2 rows of the embedding column "embedding" cannot be read:\n {2}line \d+: 3 numbers, the first row has 6[\s\S]*"n\/a": expected a vector of numbers/);
    return true;
  });
});

test('embeddings .npy: N×D in file row order; wrong row count and NaN are errors', (t) => {
  const dir = tempDir(t);
  const x = Float32Array.from({ length: 5 * 3 }, (_, j) => j / 10);
  writeFileSync(join(dir, 'e.npy'), writeNpy([5, 3], x));
  const e = embeddingsNpy(join(dir, 'e.npy'), 5);
  assert.equal(e.dim, 3);
  assert.deepEqual(e.x, x);
  assert.throws(() => embeddingsNpy(join(dir, 'e.npy'), 6), /5 rows, the dataset has 6/);
  x[7] = NaN;
  writeFileSync(join(dir, 'n.npy'), writeNpy([5, 3], x));
  assert.throws(() => embeddingsNpy(join(dir, 'n.npy'), 5), /array row 2, column 1 is NaN/);
  void readFileSync;
});

test('k-NN label agreement: the share of labeled neighbours that carry the row\'s label', () => {
  // Rows 0–3: labels 0 0 1 0; each row's 3 neighbours (−1 = none, the row itself never counts).
  const labels = Int32Array.from([0, 0, 1, 0, -1]);
  const index = Int32Array.from([1, 3, 2, /**/ 0, 3, -1, /**/ 0, 1, 3, /**/ 0, 1, 4, /**/ 0, 1, 2]);
  assert.deepEqual([...knnAgreement(labels, index, 3)].map((v) => (Number.isNaN(v) ? 'nan' : +v.toFixed(3))), [0.667, 1, 0, 1, 'nan']);
  const p = knnLabelDistribution(labels, 2, index, 3);
  // Row 2 (labelled 1): three neighbours labelled 0, one pseudo-vote split evenly: (3 + ½)/4, (0 + ½)/4.
  assert.deepEqual([...p.subarray(4, 6)], [0.875, 0.125]);
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(p[2 * i] + p[2 * i + 1] - 1) < 1e-6);
});

test('duplicates on an embedding column without text: cosine on the vectors as given (a scaled copy is a copy; standardised it would not be)', async (t) => {
  const dir = tempDir(t);
  const rng = new Random(3);
  const vec = Array.from({ length: 80 }, () => Array.from({ length: 8 }, () => 1 + rng.normal()));
  vec[50] = vec[20].map((v) => 3 * v); // the same direction, three times as long
  vec[60] = vec[30].map((v) => v + 1e-4 * rng.normal());
  const lines = ['id,embedding,label', ...vec.map((v, i) => `${i},"${JSON.stringify(v.map((x) => +x.toFixed(6)))}",${i % 2 ? 'a' : 'b'}`)];
  const file = join(dir, 'vectors.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  const l = load({ file }, { folds: 2 }, false);
  assert.equal(l.ds.roles.text, undefined);
  const { prep } = await featurize(l);
  assert.equal(prep.kind, 'embedding');
  const found = duplicates(l, prep);
  const g = found.groups.group;
  assert.ok(g[20] >= 0 && g[20] === g[50], 'scaled copy grouped');
  assert.ok(g[30] >= 0 && g[30] === g[60], 'near copy grouped');
  assert.equal(found.groups.count, 2);
  assert.equal(prep.embeddings, undefined, 'the raw vectors are dropped once used');
  // The standardised rows the model learns from do not see the scaled copy.
  const std = denseDuplicates(prep.base.dense!.x, prep.base.dense!.dim);
  assert.ok(std.groups.group[20] < 0 || std.groups.group[20] !== std.groups.group[50]);
});
