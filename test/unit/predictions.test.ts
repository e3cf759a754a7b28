import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readNpy, writeNpy } from '../../src/core/predictions/npy';
import { predictionTargetOf, readPredictions } from '../../src/core/predictions/read';
import { float32Text, formatPredictions, writePredictions } from '../../src/core/predictions/write';
import { openDataset, type Dataset } from '../../src/core/table/dataset';
import { UserError } from '../../src/core/errors';
import { dataset, tempDir } from '../helpers';

// Bytes np.save wrote (numpy 1.x, captured once): float64 C order, and big-endian float32 Fortran order.
const NUMPY_F8 = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADQPwAAAAAAAOg/AAAAAAAA8D8AAAAAAAAAAAAAAAAAAOA/AAAAAAAA4D8=';
const NUMPY_BE_F4_FORTRAN = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMywgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo9zMzNPpmZmj8ZmZo/ZmZmPzMzMz7MzM0=';

test('npy: reads what np.save writes (float64 C order; big-endian float32 Fortran order)', () => {
  const a = readNpy(Buffer.from(NUMPY_F8, 'base64'), 'a.npy');
  assert.deepEqual(a.shape, [3, 2]);
  assert.equal(a.dtype, 'float64');
  assert.deepEqual([...a.data], [0.25, 0.75, 1, 0, 0.5, 0.5]);
  const b = readNpy(Buffer.from(NUMPY_BE_F4_FORTRAN, 'base64'), 'b.npy');
  assert.deepEqual(b.shape, [3, 2]);
  assert.deepEqual([...b.data].map((x) => +x.toFixed(6)), [0.1, 0.9, 0.3, 0.7, 0.6, 0.4]);
});

test('npy: our writer round-trips, pads the header to 64 bytes, and numpy reads it when python is there', (t) => {
  const data = Float32Array.from([0.1, 0.2, 0.7, 1 / 3, 1 / 3, 1 / 3]);
  const buf = writeNpy([2, 3], data);
  const headerLen = buf.readUInt16LE(8);
  assert.equal((10 + headerLen) % 64, 0);
  const back = readNpy(buf, 'x.npy');
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual([...back.data], [...data]);
  const f64 = readNpy(writeNpy([1, 2], [0.123456789012, 0.876543210988], 'float64'), 'y.npy');
  assert.deepEqual([...f64.data], [0.123456789012, 0.876543210988]);
  const py = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (py.error || py.status !== 0) { t.diagnostic('python3 with numpy not available: numpy check skipped'); return; }
  const dir = tempDir(t);
  writeFileSync(join(dir, 'w.npy'), buf);
  const r = spawnSync('/usr/bin/python3', ['-c', 'import numpy,sys; a=numpy.load(sys.argv[1]); print(a.dtype, a.shape, repr(round(float(a[1,2]),6)))', join(dir, 'w.npy')], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'float32 (2, 3) 0.333333');
});

test('npy: clear errors for what it cannot read', () => {
  const msg = (b: Uint8Array) => { try { readNpy(b, 'p.npy'); } catch (e) { assert.ok(e instanceof UserError); return (e as Error).message; } return ''; };
  assert.match(msg(Buffer.from('id,a,b\n1,0.5,0.5\n')), /not a NumPy \.npy file/);
  const good = writeNpy([2, 2], [0.5, 0.5, 0.5, 0.5]);
  assert.match(msg(good.subarray(0, good.length - 4)), /truncated/);
  const int = Buffer.from(good); int.write("'<i8'", int.indexOf("'<f4'"), 'latin1');
  assert.match(msg(int), /element type '<i8': expected float32/);
  const threeD = Buffer.from(good); threeD.write('(2, 2, 1)', threeD.indexOf('(2, 2)'), 'latin1');
  assert.match(msg(threeD), /3-D array/);
});

test('float32Text is the shortest text that reads back to the same float32', () => {
  for (const x of [0.1, 1 / 3, 2 / 3, 1e-8, 0.999999, 0.5, 1, 0, 3.4e-39]) {
    const s = float32Text(x);
    assert.equal(Math.fround(Number(s)), Math.fround(x), `${x} → ${s}`);
    assert.ok(s.length <= 15, s);
  }
});

/** 120 real ag_news rows, with the classes of the full file. */
function agSlice(dir: string): Dataset {
  const lines = readFileSync(dataset('ag_news_test'), 'utf8').split('\r\n');
  const path = join(dir, 'ag.csv');
  writeFileSync(path, lines.slice(0, 121).join('\r\n') + '\r\n');
  return openDataset(path);
}

/** Probabilities that favour each row's given label, different per row. */
function someProbs(ds: Dataset): Float32Array {
  const K = ds.classes.length;
  const p = new Float32Array(ds.rowCount * K);
  for (let i = 0; i < ds.rowCount; i++) {
    for (let k = 0; k < K; k++) p[i * K + k] = 1 + ((i * 7 + k * 3) % 5);
    p[i * K + ds.labels[i]] += 10;
    let s = 0;
    for (let k = 0; k < K; k++) s += p[i * K + k];
    for (let k = 0; k < K; k++) p[i * K + k] /= s;
  }
  return p;
}

const sourceOf = (ds: Dataset, probs: Float32Array) => ({ ...predictionTargetOf(ds), idColumn: 'id', probs });

test('each format written by export reads back bit-identical on a real dataset', (t) => {
  const dir = tempDir(t);
  const ds = agSlice(dir);
  assert.deepEqual(ds.classes, ['Business', 'Sci/Tech', 'Sports', 'World']);
  const probs = someProbs(ds);
  for (const ext of ['csv', 'tsv', 'jsonl', 'npy']) {
    const path = join(dir, `p.${ext}`);
    assert.equal(writePredictions(path, sourceOf(ds, probs)), ext);
    const back = readPredictions(path, predictionTargetOf(ds));
    assert.equal(back.format, ext);
    assert.deepEqual(back.probs, probs, ext);
  }
  // The CSV is what pandas would write: id, then one column per class by name.
  assert.equal(readFileSync(join(dir, 'p.csv'), 'utf8').split('\n')[0], 'id,Business,Sci/Tech,Sports,World');
});

test('JSON Lines may give pred_probs as an array in class order, and ids as numbers', (t) => {
  const dir = tempDir(t);
  const ds = agSlice(dir);
  const probs = someProbs(ds);
  const K = ds.classes.length;
  const lines = Array.from({ length: ds.rowCount }, (_, i) => JSON.stringify({ id: Number(ds.rowId(i)), pred_probs: [...probs.subarray(i * K, i * K + K)] }));
  writeFileSync(join(dir, 'a.jsonl'), lines.reverse().join('\n'));
  assert.deepEqual(readPredictions(join(dir, 'a.jsonl'), predictionTargetOf(ds)).probs, probs);
});

/** The message of the UserError reading `text` (as a file named `name`) throws. */
function problem(dir: string, ds: Dataset, name: string, text: string | Buffer, normalize = false): string {
  writeFileSync(join(dir, name), text);
  try { readPredictions(join(dir, name), predictionTargetOf(ds), { normalize }); } catch (e) {
    assert.ok(e instanceof UserError, String(e));
    return (e as Error).message;
  }
  assert.fail(`${name} was accepted`);
}

test('validation: every problem names the line or row and what was expected', (t) => {
  const dir = tempDir(t);
  const ds = agSlice(dir);
  const csv = formatPredictions(sourceOf(ds, someProbs(ds)), 'csv').toString('utf8');
  const lines = csv.trimEnd().split('\n');
  const edit = (line: number, f: (cells: string[]) => string[]) => lines.map((l, i) => (i === line - 1 ? f(l.split(',')).join(',') : l)).join('\n');
  // Missing and extra rows.
  assert.match(problem(dir, ds, 'm.csv', lines.filter((_, i) => i !== 5).join('\n')), /1 row of the dataset has no probabilities \(missing rows\), e\.g\. id "4"/);
  assert.match(problem(dir, ds, 'x.csv', csv + '9999,0.25,0.25,0.25,0.25\n'), /line 122: id "9999" is not a row of the dataset \(an extra row\)/);
  assert.match(problem(dir, ds, 'd.csv', csv + lines[1] + '\n'), /line 122: id "0" appears twice \(first on line 2\)/);
  // Unknown and missing classes.
  assert.match(problem(dir, ds, 'u.csv', csv.replace('Sports', 'Sport')), /column "Sport" is not a class of the dataset[\s\S]*no column for class "Sports"/);
  assert.match(problem(dir, ds, 'i.csv', csv.replace(/^id,/, 'row,')), /no id column: expected a column named "id"/);
  // Bad values.
  assert.match(problem(dir, ds, 'n.csv', edit(3, (c) => [c[0], '-0.1', c[2], c[3], '0.6'])), /line 3: the probability of class "Business" is negative \(-0\.1\)/);
  assert.match(problem(dir, ds, 'f.csv', edit(4, (c) => [c[0], 'nan', c[2], c[3], c[4]])), /line 4: the probability of class "Business" is NaN: expected a finite number/);
  assert.match(problem(dir, ds, 'g.csv', edit(4, (c) => [c[0], c[1], 'inf', c[3], c[4]])), /line 4: the probability of class "Sci\/Tech" is Infinity/);
  assert.match(problem(dir, ds, 'e.csv', edit(4, (c) => [c[0], c[1], '', c[3], c[4]])), /line 4, column 3: empty: expected the probability of class "Sci\/Tech" as a number/);
  // Rows that do not sum to 1: --normalize offered, and with it they are divided by their sum.
  const scores = edit(2, (c) => [c[0], '2', '1', '1', '0']);
  const msg = problem(dir, ds, 's.csv', scores);
  assert.match(msg, /line 2: the probabilities sum to 4: expected 1 ± 0\.001/);
  assert.match(msg, /pass --normalize/);
  const ok = readPredictions(join(dir, 's.csv'), predictionTargetOf(ds), { normalize: true });
  assert.equal(ok.normalized, 1);
  assert.deepEqual([...ok.probs.subarray(0, 4)], [0.5, 0.25, 0.25, 0]);
  // Within the tolerance: kept as given.
  const near = edit(2, (c) => [c[0], '0.2', '0.3', '0.2', '0.3005']);
  writeFileSync(join(dir, 'near.csv'), near);
  assert.equal(readPredictions(join(dir, 'near.csv'), predictionTargetOf(ds)).normalized, 0);
  // Several problems: the first few are listed and the rest counted.
  const many = lines.map((l, i) => (i > 0 && i <= 8 ? l.replace(/,[^,]+$/, ',5') : l)).join('\n');
  assert.match(problem(dir, ds, 'many.csv', many), /^many\.csv: 8 problems[\s\S]*… and 3 more/);
});

test('validation: K mismatch, unknown class and bad JSON in JSON Lines and .npy', (t) => {
  const dir = tempDir(t);
  const ds = agSlice(dir);
  const probs = someProbs(ds);
  const jsonl = formatPredictions(sourceOf(ds, probs), 'jsonl').toString('utf8').split('\n');
  assert.match(problem(dir, ds, 'k.jsonl', [...jsonl.slice(0, 3), '{"id": "2", "pred_probs": [0.5, 0.5]}', ...jsonl.slice(4)].join('\n')), /line 4: "pred_probs" has 2 values, the dataset has 4 classes: expected 4, in the order "Business", "Sci\/Tech", "Sports", "World"/);
  assert.match(problem(dir, ds, 'c.jsonl', jsonl.join('\n').replace('"World"', '"Earth"')), /line 1: unknown class "Earth"/);
  assert.match(problem(dir, ds, 'mc.jsonl', jsonl.join('\n').replace(/, "World": [\d.e-]+/, '')), /line 1: no probability for class "World"/);
  assert.match(problem(dir, ds, 'j.jsonl', ['{"id": "0", "pred_probs": ', ...jsonl.slice(1)].join('\n')), /line 1: not valid JSON/);
  assert.match(problem(dir, ds, 'k.npy', writeNpy([ds.rowCount, 3], new Float32Array(ds.rowCount * 3))), /3 columns, the dataset has 4 classes/);
  assert.match(problem(dir, ds, 'r.npy', writeNpy([ds.rowCount - 1, 4], probs.subarray(4))), /119 rows, the dataset has 120: expected one row per data row, in file order \(missing rows\)/);
  const bad = probs.slice(); bad[4 * 7 + 2] = NaN;
  assert.match(problem(dir, ds, 'nan.npy', writeNpy([ds.rowCount, 4], bad)), /array row 7 \(id "7"\): the probability of class "Sports" is NaN/);
  assert.match(problem(dir, ds, 'p.parquet', 'x'), /unknown predictions format ".parquet"/);
});
