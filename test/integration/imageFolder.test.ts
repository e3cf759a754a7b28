/**
 * Image folders end to end on real data: MNIST digits written as PNG files in root/<digit>/,
 * plus a truncated PNG, a JPEG named .png and a stray text file; opened (broken files reported by
 * path and skipped), analyzed by the built CLI (decoded in the engine, the MLP on the pixels),
 * relabeled by the CLI (the file moves to the new class's folder, journaled), never moved when
 * broken or when the destination name is taken, and undone through the review state. A CSV of
 * image paths trains the same way and a relabel patches its label field instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDataset } from '../../src/core/table/dataset';
import { DocumentState } from '../../src/core/labels/documentState';
import { ReviewQueries } from '../../src/core/reviewQueries';
import { journalPath, readJournal } from '../../src/core/labels/journal';
import { decodeGrey } from '../../src/core/formats/imageDecode';
import { UserError } from '../../src/core/errors';
import type { Summary } from '../../src/core/results';
import { ROOT, tempDir } from '../helpers';
import { fileOf, jpegOf, mnistDigits, pngOf, writeDigitFolder } from '../fixtures/imageFixtures';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/label-lens.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const DIGITS = 500;

function build(root: string) {
  const digits = mnistDigits(DIGITS);
  const paths = writeDigitFolder(root, digits);
  // A PNG cut short, a JPEG named .png, and a file that is no image at all.
  writeFileSync(join(root, '3', 'broken.png'), pngOf(digits[0]).subarray(0, 120));
  writeFileSync(join(root, '5', 'photo.png'), jpegOf(digits[1]));
  writeFileSync(join(root, '5', 'notes.txt'), 'not an image\n');
  return { digits, paths };
}

test('image folder: broken files reported by path and skipped; ids are paths; the PNG pixels are the MNIST pixels', (t) => {
  const root = tempDir(t);
  const { digits, paths } = build(root);
  const ds = openDataset(root);
  assert.equal(ds.rowCount, DIGITS + 2);
  assert.equal(ds.kind, 'pixels');
  assert.deepEqual(ds.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(ds.skipped, 2);
  const problems = ds.problems.map((p) => `${p.file}: ${p.message}`);
  assert.ok(problems.some((p) => /^3\/broken\.png: is a damaged PNG: it has no IEND end chunk \(truncated\?\); skipped and never moved$/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /^5\/photo\.png: holds JPEG data but is named \.png \(wrong extension\)/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /^5\/notes\.txt: not an image/.test(p)), problems.join('\n'));
  // Every digit is a row, addressed by its path, labeled by its folder.
  for (let k = 0; k < DIGITS; k += 37) {
    const row = ds.rowOf(paths[k])!;
    assert.equal(ds.labelName(row), digits[k].label);
  }
  const img = decodeGrey(readFileSync(join(root, paths[7])), 'png');
  assert.deepEqual([img.width, img.height], [28, 28]);
  assert.deepEqual(Array.from(img.data), Array.from(digits[7].pixels));
  // The review editor's detail: the image itself as grey levels.
  const model = new ReviewQueries(new DocumentState(root));
  const d = model.detail(ds.rowOf(paths[7])!);
  assert.deepEqual([d.pixels!.width, d.pixels!.height], [28, 28]);
  assert.deepEqual(d.pixels!.values, Array.from(digits[7].pixels));
});

test('image folder: analyze (CLI), relabel moves the file (journaled), broken and taken names are never moved, undo moves it back', (t) => {
  const root = tempDir(t);
  const { digits, paths } = build(root);
  const out = join(root, '..', `${root.split('/').pop()}-out`);
  const a = cli('analyze', root, '--folds', '3', '--epochs', '4', '--out', out);
  assert.equal(a.code, 0, a.err);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  assert.equal(s.dataKind, 'pixels');
  assert.equal(s.rows, DIGITS + 2);
  assert.equal(s.skipped, 2);
  assert.equal(s.images?.width, 28);
  assert.ok(s.oofAccuracy > 0.6, `an MLP learns digits from the PNG files (accuracy ${s.oofAccuracy})`);
  assert.equal(readFileSync(join(out, 'thumbs.bin')).length, (DIGITS + 2) * 28 * 28);
  assert.match(a.out, /\b\d\/img_\d{5}\.png\b/, 'suspects are named by path');

  // Relabel: the file moves from 7/ to 1/.
  const k = digits.findIndex((d) => d.label === '7');
  const from = paths[k];
  const to = `1/${fileOf(digits[k])}`;
  const r = cli('relabel', root, '--id', from, '--to', '1', '--reason', 'looks like a one');
  assert.equal(r.code, 0, r.err);
  assert.ok(!existsSync(join(root, from)) && existsSync(join(root, to)), 'moved to the class folder');
  assert.deepEqual(readFileSync(join(root, to)), pngOf(digits[k]), 'the same bytes');
  const j = readJournal(root).filter((e) => e.status === 'committed');
  assert.deepEqual(j.map((e) => [e.id, e.old, e.new, e.reason]), [[from, '7', '1', 'looks like a one']]);
  assert.ok(journalPath(root).startsWith(join(root, '.label-lens')), 'the journal is kept inside the image folder');

  // Broken images are refused by path and stay where they are.
  const b = cli('relabel', root, '--id', '3/broken.png', '--to', '8');
  assert.equal(b.code, 1);
  assert.match(b.err, /3\/broken\.png/);
  assert.ok(existsSync(join(root, '3', 'broken.png')));

  // A file of the same name in the destination is never overwritten: nothing moves.
  const other = digits.findIndex((d) => d.label === '2');
  writeFileSync(join(root, '4', fileOf(digits[other])), 'someone else\'s file');
  const c = cli('relabel', root, '--id', paths[other], '--to', '4');
  assert.equal(c.code, 1);
  assert.match(c.err, /already exists \(a file is never overwritten\)/);
  assert.equal(readFileSync(join(root, '4', fileOf(digits[other])), 'utf8'), 'someone else\'s file');
  assert.ok(existsSync(join(root, paths[other])));

  // Undo (the editor's undo, then save): the file is back in 7/.
  const state = new DocumentState(root);
  const row = state.dataset.rowOf(to)!;
  assert.equal(state.dataset.labelName(row), '1');
  state.apply(state.change('undo', [row], (_, st) => ({ ...st, label: '7' })));
  state.save('test', 'editor');
  assert.ok(existsSync(join(root, from)) && !existsSync(join(root, to)), 'moved back');
  assert.equal(state.dataset.rowId(row), from, 'rows keep their positions across moves');
});

test('a CSV of image paths: trained from the files; a relabel patches the CSV and moves nothing', (t) => {
  const dir = tempDir(t);
  const digits = mnistDigits(300);
  mkdirSync(join(dir, 'img'));
  const lines = ['file,label'];
  for (const d of digits) { writeFileSync(join(dir, 'img', fileOf(d)), pngOf(d)); lines.push(`img/${fileOf(d)},${d.label}`); }
  lines.push('../outside.png,3');
  const csv = join(dir, 'labels.csv');
  writeFileSync(csv, lines.join('\n') + '\n');
  const ds = openDataset(csv);
  assert.equal(ds.kind, 'pixels');
  assert.equal(ds.table.header[ds.roles.images!.column], 'file');
  assert.equal(ds.roles.text, undefined, 'the path column is not taken for text');
  assert.equal(ds.skipped, 1);
  assert.ok(ds.problems.some((p) => p.line === 302 && /leads outside the dataset's folder/.test(p.message)));
  const a = cli('analyze', csv, '--folds', '3', '--epochs', '3', '--out', join(dir, 'out'), '--quiet');
  assert.equal(a.code, 0, a.err);
  const s = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as Summary;
  assert.equal(s.images?.width, 28);
  const r = cli('relabel', csv, '--id', 'row 1', '--to', digits[0].label === '9' ? '8' : '9');
  assert.equal(r.code, 0, r.err);
  assert.match(readFileSync(csv, 'utf8').split('\n')[1], /^img\/img_00000\.png,[89]$/);
  assert.ok(existsSync(join(dir, 'img', fileOf(digits[0]))), 'the image stays');
});

test('image folder: an empty folder or one without class folders is a clear error', (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'a.png'), pngOf(mnistDigits(1)[0]));
  assert.throws(() => openDataset(root), (e: unknown) => e instanceof UserError && /no images found: expected sub-folders named after the classes .*the folder has no sub-folders/.test(e.message));
});
