/** The plan's storage (a folder behind BlobStore) and its binary file format. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirStore } from '../../src/core/storage';
import { UserError } from '../../src/core/errors';
import { pack, packTree, unpack, unpackTree } from '../../src/engine/fanout/packed';
import { checkPlan, jobOutputKey } from '../../src/protocol/plan';
import { tempDir } from '../helpers';

test('DirStore: write then read, list skips temp files, an absent key reads as undefined', async (t) => {
  const dir = tempDir(t);
  const s = new DirStore(dir);
  await s.write('jobs/job-00001.bin', new Uint8Array([1, 2, 3]));
  await s.write('plan.json', '{}');
  assert.deepEqual([...(await s.read('jobs/job-00001.bin'))!], [1, 2, 3]);
  assert.equal(await s.read('jobs/job-00002.bin'), undefined);
  writeFileSync(join(dir, 'jobs', '.job-00002.bin.tmp-0123456789ab'), 'partial');
  assert.deepEqual(await s.list('jobs/'), ['jobs/job-00001.bin']);
  assert.deepEqual(await s.list('jobs/job-'), ['jobs/job-00001.bin']);
  assert.deepEqual(await s.list('nothing/'), []);
});

test('DirStore: keys cannot lead outside the folder', async (t) => {
  const s = new DirStore(tempDir(t));
  for (const key of ['../x', 'jobs/../../x', '/etc/passwd', '']) {
    await assert.rejects(s.write(key, 'x'), (e: unknown) => e instanceof UserError && e.code === 'unsafe-path', key);
  }
});

test('DirStore: a writer killed before its rename leaves the old object (or none), never a part', async (t) => {
  const dir = tempDir(t);
  const die = new Error('killed');
  const dying = new DirStore(dir, { beforeRename: (temp) => { assert.ok(existsSync(temp)); throw die; } });
  await assert.rejects(dying.write('jobs/job-00000.bin', new Uint8Array(1000)), /killed/);
  assert.equal(await new DirStore(dir).read('jobs/job-00000.bin'), undefined);
  assert.deepEqual(readdirSync(join(dir, 'jobs')), [], 'the temp file is removed when the write fails in-process');
  await new DirStore(dir).write('jobs/job-00000.bin', 'old');
  await assert.rejects(dying.write('jobs/job-00000.bin', 'new'), /killed/);
  assert.equal(Buffer.from((await new DirStore(dir).read('jobs/job-00000.bin'))!).toString(), 'old');
});

test('packed files keep every typed array bit for bit, and refuse a cut or foreign file', () => {
  const f32 = Float32Array.from([0.1, NaN, -0, 1e-30, Infinity]);
  const tree = { fingerprint: 'abc', n: 3, loss: [0.5, NaN, -Infinity], text: { indptr: Uint32Array.from([0, 2 ** 32 - 1]), idf: f32 }, foldOf: Int8Array.from([-1, 0, 4]), none: undefined };
  const bytes = packTree(tree);
  // Read back from an odd offset (as a slice of a larger buffer may be).
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  const back = unpackTree<typeof tree>(shifted.subarray(1), 'x.bin');
  assert.equal(back.fingerprint, 'abc');
  assert.deepEqual(back.loss, [0.5, NaN, -Infinity]);
  assert.ok(back.text.idf instanceof Float32Array && back.foldOf instanceof Int8Array && back.text.indptr instanceof Uint32Array);
  assert.ok(Buffer.from(back.text.idf.buffer, back.text.idf.byteOffset, back.text.idf.byteLength).equals(Buffer.from(f32.buffer)), 'NaN, −0 and denormals bit for bit');
  assert.deepEqual([...back.foldOf], [-1, 0, 4]);
  assert.deepEqual([...back.text.indptr], [0, 2 ** 32 - 1]);
  assert.equal('none' in back, false);
  assert.throws(() => unpack(bytes.subarray(0, bytes.length - 1), 'x.bin'), /x\.bin: not a complete Label Lens plan file/);
  assert.throws(() => unpackTree(Buffer.from('id,label\n1,a\n'), 'data.csv'), /no LLPACK1 header/);
  assert.throws(() => unpackTree(pack({ a: { $array: 'gone' } }, {}), 'y.bin'), /y\.bin: array gone missing/);
});

test('checkPlan names what is wrong in a plan.json', () => {
  const jobSpecs = [0, 1].map((index) => ({ index, repeat: 0, fold: index, held: 5, output: jobOutputKey(index) }));
  const plan = {
    format: 'label-lens-plan', version: 1, fingerprint: 'f', codeVersion: 'v', inputs: 'inputs.bin',
    dataset: { file: '/d.csv', sha256: 's', rows: 10, classes: ['a', 'b'] }, options: {},
    foldAssignment: { file: 'folds.bin', folds: 2, repeats: 1 }, jobs: 2, jobSpecs,
  };
  assert.equal(checkPlan(plan), undefined);
  assert.match(checkPlan({ ...plan, version: 2 })!, /version 2: this Label Lens reads version 1/);
  assert.match(checkPlan({ ...plan, jobs: 3 })!, /jobSpecs must list 3 jobs/);
  assert.match(checkPlan({ ...plan, jobSpecs: [jobSpecs[1], jobSpecs[0]] })!, /jobSpecs\[0\] is malformed/);
  assert.match(checkPlan([])!, /format/);
  assert.equal(jobOutputKey(7), 'jobs/job-00007.bin');
});
