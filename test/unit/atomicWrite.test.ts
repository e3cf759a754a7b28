import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWrite, FileChangedError } from '../../src/core/labels/atomicWrite';
import { applyEdits } from '../../src/core/labels/edits';
import { openDataset } from '../../src/core/table/dataset';
import { ROOT, tempDir } from '../helpers';

const child = join(ROOT, 'test/fixtures/saveAndDie.ts');

function twoVersions(dir: string, size: number): { file: string; oldBytes: Buffer; newBytes: Buffer; newFile: string } {
  const oldBytes = Buffer.alloc(size, 'a');
  const newBytes = Buffer.alloc(size + 17, 'b');
  const file = join(dir, 'data.csv');
  const newFile = join(dir, 'new.bin');
  writeFileSync(file, oldBytes);
  writeFileSync(newFile, newBytes);
  return { file, oldBytes, newBytes, newFile };
}

for (const [step, expectNew] of [['afterTempWrite', false], ['beforeRename', false], ['afterRename', true]] as const) {
  test(`a save killed ${step} leaves the ${expectNew ? 'new' : 'old'} file, whole`, (t) => {
    const dir = tempDir(t);
    const v = twoVersions(dir, 1 << 20);
    const r = spawnSync(process.execPath, ['--import', 'tsx', child, v.file, v.newFile, step], { cwd: ROOT });
    assert.equal(r.signal, 'SIGKILL');
    const now = readFileSync(v.file);
    assert.ok(now.equals(expectNew ? v.newBytes : v.oldBytes));
  });
}

test('saves killed at random moments never leave a partial file', async (t) => {
  const dir = tempDir(t);
  const v = twoVersions(dir, 4 << 20);
  for (let k = 0; k < 6; k++) {
    const p = spawn(process.execPath, ['--import', 'tsx', child, v.file, v.newFile, 'loop'], { cwd: ROOT });
    await new Promise<void>((res) => p.stdout.once('data', () => res()));
    await new Promise((res) => setTimeout(res, 20 + k * 37));
    p.kill('SIGKILL');
    await new Promise((res) => p.once('exit', res));
    const now = readFileSync(v.file);
    assert.ok(now.equals(v.oldBytes) || now.equals(v.newBytes), `kill ${k}: file is neither version (${now.length} bytes)`);
  }
});

test('a file changed on disk since it was read is not overwritten', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'd.csv');
  writeFileSync(path, 'id,text,label\n1,a,x\n2,b,y\n');
  const ds = openDataset(path);
  writeFileSync(path, 'id,text,label\n1,a,x\n2,b,y\n3,someone else wrote this,z\n');
  assert.throws(() => applyEdits(ds, [{ kind: 'relabel', id: '1', to: 'y' }]), FileChangedError);
  assert.equal(readFileSync(path, 'utf8'), 'id,text,label\n1,a,x\n2,b,y\n3,someone else wrote this,z\n');
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('the file mode is kept and no temp file is left behind', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'd.csv');
  writeFileSync(path, 'old');
  chmodSync(path, 0o600);
  atomicWrite(path, Buffer.from('new'), { expected: Buffer.from('old') });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(readFileSync(path, 'utf8'), 'new');
  assert.deepEqual(readdirSync(dir), ['d.csv']);
});
