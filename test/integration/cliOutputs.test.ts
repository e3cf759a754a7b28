/**
 * What the CLI writes for people is safe to open: CSV cells that a spreadsheet would run as formulas
 * are neutralized (OWASP rule), terminal output carries no control characters, and a failed write
 * is a clear message with exit 1, never "internal error" with a stack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, dataset, tempDir } from '../helpers';
import type { Summary } from '../../src/core/results';
import { openDataset } from '../../src/core/table/dataset';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/label-lens.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const FAST = ['--folds', '3', '--epochs', '3', '--pi', '2', '-q'];
// OSC 52 sets the clipboard; CSI 2J clears the screen; 0x9b is the one-byte CSI; U+202E reorders text.
const HAM = '\x1b]52;c;aGk=\x07ham';
const SPAM = '\x1b[2Jspam\u009b31m\u202e';
const FORMULA_IDS = ["=cmd|' /C calc'!A0", '@SUM(1)', '+1+2', '-2+3', '=HYPERLINK("http://x")'];
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const q = (v: string) => (/[,"\r\n]/.test(v) || v.startsWith('\t') ? `"${v.replace(/"/g, '""')}"` : v);

/** 240 SMS rows (160 ham, 80 spam) with hostile class names and ids. */
function hostileFile(dir: string): string {
  const ds = openDataset(dataset('sms_spam'));
  const out = ['id,text,label'];
  let ham = 0, spam = 0;
  for (let i = 0; i < ds.rowCount && (ham < 160 || spam < 80); i++) {
    const y = ds.labelName(i);
    if (y === 'ham' ? ham >= 160 : spam >= 80) continue;
    if (y === 'ham') ham++; else spam++;
    const n = out.length - 1;
    out.push([q(n < FORMULA_IDS.length ? FORMULA_IDS[n] : `r${n}`), q(ds.table.cell(i, ds.roles.text!)), y === 'ham' ? HAM : SPAM].join(','));
  }
  const file = join(dir, 'hostile.csv');
  writeFileSync(file, out.join('\n') + '\n');
  return file;
}

test('inspect and analyze print class names with escapes, never control sequences; rows.csv and export neutralize formulas', (t) => {
  const dir = tempDir(t);
  const file = hostileFile(dir);
  const i = cli('inspect', file);
  assert.equal(i.code, 0, i.err);
  assert.doesNotMatch(i.out + i.err, RAW_CONTROL, 'inspect prints no control character');
  assert.ok(i.out.includes('\\x1b]52;c;aGk=\\x07ham'), 'the OSC 52 class is shown, escaped');
  assert.ok(i.out.includes('\\x1b[2Jspam\\u009b31m\\u202e'), 'CSI, C1 and bidi controls are shown, escaped');
  const j = cli('inspect', file, '--json');
  assert.ok((JSON.parse(j.out).classes as { name: string }[]).some((c) => c.name === HAM), '--json keeps the raw names');

  const a = cli('analyze', file, ...FAST, '--top', '240');
  assert.equal(a.code, 0, a.err);
  assert.doesNotMatch(a.out + a.err, RAW_CONTROL, 'analyze prints no control character');
  assert.ok(a.out.includes('\\x1b[2Jspam'));

  const results = join(dir, '.label-lens', 'results', 'hostile.csv');
  const rows = readFileSync(join(results, 'rows.csv'), 'utf8').split('\n').slice(1, 1 + FORMULA_IDS.length);
  const idCell = (line: string) => (line.startsWith('"') ? /^"((?:[^"]|"")*)"/.exec(line)![1].replace(/""/g, '"') : line.split(',')[0]);
  assert.deepEqual(rows.map(idCell), FORMULA_IDS.map((id) => `'${id}`), 'every formula-looking id gets a leading apostrophe');
  assert.ok(rows.every((r) => r.split(',').length >= 11), 'quoting keeps the columns');
  const summary = JSON.parse(readFileSync(join(results, 'summary.json'), 'utf8')) as Summary;
  assert.ok(summary.topSuspects.length > 0);
  assert.ok(!JSON.stringify(summary).includes("'=cmd"), 'summary.json keeps the raw ids');

  const soft = join(dir, 'soft.csv');
  const e = cli('export', file, '--out', soft);
  assert.equal(e.code, 0, e.err);
  const exported = readFileSync(soft, 'utf8').split('\n');
  assert.equal(exported[0], 'id,label,soft_label');
  assert.ok(exported[1].startsWith("'=cmd|' /C calc'!A0,"), exported[1]);
  assert.ok(exported[2].startsWith("'@SUM(1),"), exported[2]);
  assert.ok(exported[5].startsWith('"\'=HYPERLINK(""http://x"")",'), exported[5]);
  assert.equal(exported.length, 240 + 2);

  // A full disk: a clear message naming the file, exit 1, nothing about internals.
  const full = cli('export', file, '--out', '/dev/full');
  assert.equal(full.code, 1, full.err);
  assert.match(full.err, /\/dev\/full: the disk is full/);
  assert.doesNotMatch(full.err, /internal error|\n\s+at /);
  // A results folder under a file: a clear message too.
  const under = cli('analyze', file, ...FAST, '--out', join(file, 'results'));
  assert.equal(under.code, 1, under.err);
  assert.match(under.err, /hostile\.csv.*(not a folder|is a file)/);
  assert.doesNotMatch(under.err, /internal error|\n\s+at /);
});
