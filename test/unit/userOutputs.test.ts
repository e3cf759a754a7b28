/**
 * The pieces behind what users read: formula-neutralized CSV cells (OWASP), terminal text without
 * control characters, and the one mapping from errors to CLI exit codes and engine error codes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, neutralizeFormula } from '../../src/core/report/csvForPeople';
import { softLabelsCsv } from '../../src/core/report/softLabels';
import { terminalSafe } from '../../src/core/report/terminal';
import { UserError } from '../../src/core/errors';
import { EngineError } from '../../src/client/engineClient';
import { EXIT_CANCELLED, EXIT_DATA, EXIT_INTERNAL, EXIT_USAGE, reportError, userErrorOf } from '../../src/cli/exit';
import { UsageError } from '../../src/cli/args';
import { errorMessage } from '../../src/engine/errorCodes';
import { PrepareError } from '../../src/engine/prepare';

const errno = (code: string, syscall: string, path?: string) => Object.assign(new Error(`${code}: failed, ${syscall}`), { code, syscall, path });

test('a cell starting with = + - @ tab or CR gets a leading apostrophe; plain numbers and other text stay', () => {
  for (const v of ["=cmd|' /C calc'!A0", '@SUM(1)', '+1+2', '-2+3', '\t=1', '\r=1', '=', '-', '+a', '@']) assert.equal(neutralizeFormula(v), `'${v}`, JSON.stringify(v));
  for (const v of ['-1', '+0.5', '-1e-3', '12', 'ham', '', ' =x', "'=x", '体育', 'a=b']) assert.equal(neutralizeFormula(v), v, JSON.stringify(v));
  assert.equal(csvCell('=1,2'), `"'=1,2"`, 'neutralized, then quoted');
  assert.equal(csvCell('-2+3"x'), `"'-2+3""x"`);
  assert.equal(softLabelsCsv(1, () => ({ id: '@id', label: '=spam', soft: { '=spam': 0.7, ham: 0.3, tiny: 0.0001 } })),
    `id,label,soft_label\n'@id,'=spam,"{""=spam"":0.7,""ham"":0.3}"\n`);
});

test('terminal text: every control character is shown as an escape, line feeds stay', () => {
  assert.equal(terminalSafe('a\x1b]52;c;aGk=\x07b'), 'a\\x1b]52;c;aGk=\\x07b');
  assert.equal(terminalSafe('\x1b[2J\r\t\x00\x7f\u009b\u202e\u2066x\ny'), '\\x1b[2J\\r\\t\\x00\\u007f\\u009b\\u202e\\u2066x\ny');
  assert.equal(terminalSafe('体育 ok'), '体育 ok');
  const json = JSON.stringify({ name: 'a\x1b\u009b\u202e' });
  assert.deepEqual(JSON.parse(terminalSafe(json)), { name: 'a\x1b\u009b\u202e' }, '--json output stays valid JSON with the raw values');
});

test('CLI exit codes come from the UserError code; a bug is 70 with its stack, a user error has none', () => {
  const lines: string[] = [];
  const io = { out: (s: string) => lines.push(s), err: (s: string) => lines.push(s) };
  const code = (err: unknown) => { lines.length = 0; return reportError(err, 'analyze', io, 'USAGE'); };
  assert.equal(code(new UsageError('--folds expects a number')), EXIT_USAGE);
  assert.match(lines[0], /--folds expects a number\n\nUSAGE/);
  assert.equal(code(new UserError('disk-full', 'x.csv: the disk is full')), EXIT_DATA);
  assert.equal(code(new PrepareError('x.csv: 1 class')), EXIT_DATA);
  assert.equal(code(errno('ENOSPC', 'write', '/d/rows.csv')), EXIT_DATA);
  assert.match(lines[0], /\/d\/rows\.csv: the disk is full/);
  assert.doesNotMatch(lines[0], /\n\s+at /);
  assert.equal(code(errno('EACCES', 'mkdir', '/ro/.label-lens')), EXIT_DATA);
  assert.match(lines[0], /\/ro\/\.label-lens: cannot write here/);
  assert.equal(code(errno('EACCES', 'open', '/ro/.label-lens/originals/x.csv')), EXIT_DATA);
  assert.match(lines[0], /originals\/x\.csv: permission denied/);
  assert.doesNotMatch(lines[0], /cannot read/, 'an open for writing is not called a read');
  assert.equal(code(errno('EISDIR', 'read', '/data')), EXIT_DATA);
  assert.match(lines[0], /\/data: is a folder, expected a data file/);
  assert.equal(code(errno('ENOTDIR', 'mkdir', '/f.csv/out')), EXIT_DATA);
  const cancelled = new EngineError('cancelled', 'cancelled');
  assert.equal(code(cancelled), EXIT_CANCELLED);
  const data = new EngineError('data', 'x.csv: the disk is full');
  data.userCode = 'disk-full';
  assert.equal(userErrorOf(data)?.code, 'disk-full');
  assert.equal(code(new EngineError('bad-request', 'malformed')), EXIT_USAGE);
  assert.equal(code(new TypeError('undefined is not a function')), EXIT_INTERNAL);
  assert.match(lines[0], /internal error \(a bug; please report it\).*\n\s+at /s);
  const internal = new EngineError('internal', 'boom', 'Error: boom\n    at engine.js:1');
  assert.equal(code(internal), EXIT_INTERNAL);
  assert.match(lines[0], /boom\nError: boom\n\s+at engine\.js/);
});

test('engine error codes come from the same classification', () => {
  assert.deepEqual(errorMessage('j', errno('ENOSPC', 'write', '/d/arrays.bin'), false), { type: 'error', jobId: 'j', code: 'data', userCode: 'disk-full', message: '/d/arrays.bin: the disk is full; nothing was changed (free some space and save again)' });
  assert.equal(errorMessage('j', new PrepareError('x: no label column'), false).code, 'data');
  assert.equal(errorMessage('j', new UserError('usage', 'bad'), false).code, 'bad-request');
  assert.equal(errorMessage('j', new Error('anything'), true).code, 'cancelled');
  const bug = errorMessage('j', new RangeError('index out of range'), false);
  assert.equal(bug.code, 'internal');
  assert.match(bug.details!, /RangeError: index out of range\n\s+at /);
  assert.equal(errorMessage('j', new UserError('data', 'x.csv:3: damaged row'), false).details, undefined, 'no stack for a user error');
});

test('rows.csv soft labels written from the array (softJsonOf) are softJson(softOf(…)) exactly, for any class names and values', async () => {
  const { softJson, softOf, softJsonOf } = await import('../../src/core/report/softLabels');
  const { Random } = await import('../../src/core/random');
  // Names an object orders or drops on its own: integer-like names go first, ascending; "__proto__" is no own property.
  const classes = ['spam', '10', 'ham "quoted"', '2', '__proto__', '新闻', '=SUM(A1)', '01', 'constructor', '4294967295', '7'];
  const K = classes.length;
  const rng = new Random(2);
  const rows = 500;
  const p = new Float32Array(rows * K);
  for (let i = 0; i < p.length; i++) p[i] = rng.next() < 0.5 ? rng.next() * 0.002 : rng.next();
  p[3] = NaN; p[4] = Infinity; p[5] = 0.001; p[6] = 0.00099999; p[7] = 0.99995;
  const fast = softJsonOf(classes);
  for (let i = 0; i < rows; i++) assert.equal(fast(p, i), softJson(softOf(classes, p, i)), `row ${i}`);
});
