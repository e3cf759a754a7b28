/**
 * Where writes go: a symlinked data file is edited at its target; a read-only file or folder is
 * refused; nothing inside .label-lens/ (or the sidecar) is written through a link or a hard link;
 * disk full is a UserError with nothing changed; leftover temp files of dead writers are removed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyEdits } from '../../src/core/labels/edits';
import { readJournal } from '../../src/core/labels/journal';
import { DocumentState } from '../../src/core/labels/documentState';
import { prepareResultsDir, writeFaults, writeResultFile } from '../../src/core/labels/writeProtocol';
import { isUserError, UserError } from '../../src/core/errors';
import { openDataset } from '../../src/core/table/dataset';
import { openTable } from '../../src/core/table/table';
import { tempDir } from '../helpers';

const CSV = 'id,text,label\n1,win money now,ham\n2,see you at lunch,ham\n3,free prize call,spam\n';

function setup(t: { after: (fn: () => void) => void }) {
  const dir = tempDir(t);
  const file = join(dir, 't.csv');
  writeFileSync(file, CSV);
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'do not touch\n');
  return { dir, file, victim };
}

const relabel1 = (file: string) => applyEdits(openDataset(file), [{ kind: 'relabel', id: '1', to: 'spam' }]);

function assertUserError(fn: () => unknown, code: UserError['code'], message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isUserError(err), `expected a UserError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

test('a relabel through a symlink edits the target and keeps the link', (t) => {
  const { dir } = setup(t);
  mkdirSync(join(dir, 'real'));
  const target = join(dir, 'real', 't.csv');
  writeFileSync(target, CSV);
  const link = join(dir, 'link.csv');
  symlinkSync('real/t.csv', link);
  const res = relabel1(link);
  assert.equal(res.relabeled, 1);
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
  assert.equal(readFileSync(target, 'utf8'), CSV.replace('win money now,ham', 'win money now,spam'));
  assert.deepEqual(readdirSync(join(dir, 'real')), ['t.csv'], 'no temp file left beside the target');
});

test('a read-only file is refused with a clear message and left as it was', (t) => {
  const { file } = setup(t);
  chmodSync(file, 0o444);
  assertUserError(() => relabel1(file), 'not-writable', /t\.csv is read-only: nothing was changed/);
  assert.equal(readFileSync(file, 'utf8'), CSV);
  assert.equal(lstatSync(file).mode & 0o777, 0o444);
});

test('a read-only folder is refused for a write, not reported as a read error', (t) => {
  const { dir, file } = setup(t);
  chmodSync(dir, 0o555);
  try {
    assertUserError(() => relabel1(file), 'not-writable', /read-only folder.*nothing was changed/);
  } finally {
    chmodSync(dir, 0o755);
  }
  assert.equal(readFileSync(file, 'utf8'), CSV);
});

for (const [what, plant] of [
  ['.label-lens as a symlink to another folder', (dir: string, victim: string) => { mkdirSync(join(dir, 'elsewhere')); symlinkSync(join(dir, 'elsewhere'), join(dir, '.label-lens')); void victim; }],
  ['.label-lens/journal.jsonl as a symlink', (dir: string, victim: string) => { mkdirSync(join(dir, '.label-lens')); symlinkSync(victim, join(dir, '.label-lens', 'journal.jsonl')); }],
  ['.label-lens/journal.jsonl as a hard link', (dir: string, victim: string) => { mkdirSync(join(dir, '.label-lens')); linkSync(victim, join(dir, '.label-lens', 'journal.jsonl')); }],
  ['.label-lens/originals/t.csv as a symlink', (dir: string, victim: string) => { mkdirSync(join(dir, '.label-lens', 'originals'), { recursive: true }); symlinkSync(victim, join(dir, '.label-lens', 'originals', 't.csv')); }],
  ['the sidecar as a symlink', (dir: string, victim: string) => { symlinkSync(victim, join(dir, 't.csv.labels.json')); }],
] as const) {
  test(`a dataset shipping ${what} gets no write through it`, (t) => {
    const { dir, file, victim } = setup(t);
    plant(dir, victim);
    assertUserError(() => {
      // The sidecar is read when the review opens; an accept writes it.
      applyEdits(openDataset(file), [{ kind: 'relabel', id: '1', to: 'spam' }, { kind: 'accept', id: '2' }]);
    }, 'unsafe-path', /never writes through it/);
    assert.equal(readFileSync(victim, 'utf8'), 'do not touch\n');
    if (existsSync(join(dir, 'elsewhere'))) assert.deepEqual(readdirSync(join(dir, 'elsewhere')), []);
  });
}

test('results files replace a planted symlink instead of writing through it; a symlinked results folder is refused', (t) => {
  const { dir, file, victim } = setup(t);
  const out = join(dir, '.label-lens', 'results', 't.csv');
  mkdirSync(out, { recursive: true });
  symlinkSync(victim, join(out, 'rows.csv'));
  prepareResultsDir(file, out);
  writeResultFile(join(out, 'rows.csv'), 'id,given\n1,ham\n');
  assert.equal(readFileSync(victim, 'utf8'), 'do not touch\n');
  assert.ok(!lstatSync(join(out, 'rows.csv')).isSymbolicLink());
  assert.equal(readFileSync(join(out, 'rows.csv'), 'utf8'), 'id,given\n1,ham\n');

  const { dir: dir2, file: file2 } = setup(t);
  mkdirSync(join(dir2, '.label-lens'));
  mkdirSync(join(dir2, 'home'));
  symlinkSync(join(dir2, 'home'), join(dir2, '.label-lens', 'results'));
  assertUserError(() => prepareResultsDir(file2, join(dir2, '.label-lens', 'results', 't.csv')), 'unsafe-path', /results is a symbolic link/);
  assert.deepEqual(readdirSync(join(dir2, 'home')), []);
});

test('disk full during the write: a UserError, the file unchanged, no temp file, the journal says aborted', (t) => {
  const { dir, file } = setup(t);
  writeFaults.at = (step) => {
    if (step === 'temp-written') throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  };
  t.after(() => { writeFaults.at = undefined; });
  assertUserError(() => relabel1(file), 'disk-full', /t\.csv: the disk is full; nothing was changed/);
  assert.equal(readFileSync(file, 'utf8'), CSV);
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  assert.deepEqual(readJournal(file).map((e) => e.status), ['aborted']);
});

test('temp files of a writer that died are removed on the next open; a live writer\'s are kept', (t) => {
  const { dir, file } = setup(t);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  const deadTemp = join(dir, `.t.csv.label-lens-${dead}.tmp`);
  const liveTemp = join(dir, `.t.csv.label-lens-${process.ppid}-00ff00ff.tmp`);
  const other = join(dir, `.other.csv.label-lens-${dead}.tmp`);
  for (const p of [deadTemp, liveTemp, other]) writeFileSync(p, 'partial');
  const state = new DocumentState(file);
  assert.deepEqual(state.recovery.removedTemps, [deadTemp]);
  assert.ok(!existsSync(deadTemp));
  assert.ok(existsSync(liveTemp), 'a temp file of a running process is not touched');
  assert.ok(existsSync(other), 'another file\'s temp is not touched');
});

test('a folder given as the data file is named in the error', (t) => {
  const { dir } = setup(t);
  mkdirSync(join(dir, 'data.csv'));
  assertUserError(() => openTable(join(dir, 'data.csv')), 'not-found', /data\.csv: is a folder, expected a data file/);
});
