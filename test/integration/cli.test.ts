/**
 * `label-lens analyze` and `label-lens retrain` as a user runs them: the built CLI, its exit codes,
 * what it prints, and the files it writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../helpers';
import type { Summary } from '../../src/core/results';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/label-lens.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('analyze prints the top suspects and writes rows.csv and summary.json; same seed, same output', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sms.csv');
  copyFileSync(join(ROOT, 'samples/sms_spam_noisy.csv'), file);
  const a = cli('analyze', file, '--folds', '3', '--epochs', '4', '--out', join(dir, 'a'));
  assert.equal(a.code, 0, a.err);
  const lines = a.out.split('\n');
  assert.match(lines[0], /^Top 20 suspects \(of 2000 labeled rows; \d+ flagged\)$/);
  assert.equal(lines.filter((l) => /^\s+\d+\s/.test(l)).length, 20);
  assert.match(a.out, /text data, fasttext on typescript; 3-fold × 2 repeats, 4 epochs/);
  assert.match(a.err, /train: repeat \d\/2, fold \d\/3, epoch \d\/4/, 'progress on stderr');
  const rows = readFileSync(join(dir, 'a', 'rows.csv'), 'utf8').trim().split('\n');
  assert.equal(rows.length, 2001);
  const summary = JSON.parse(readFileSync(join(dir, 'a', 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.options.folds, 3);
  assert.equal(summary.options.repeats, 2, 'text data: two K-fold repeats by default');
  assert.equal(summary.piPasses, 10, '5 stochastic passes per repeat');
  assert.equal(summary.model, 'fasttext');
  const b = cli('analyze', file, '--folds', '3', '--epochs', '4', '--out', join(dir, 'b'), '--quiet');
  assert.equal(b.code, 0, b.err);
  assert.equal(b.err, '', '--quiet prints no progress');
  assert.equal(readFileSync(join(dir, 'b', 'rows.csv'), 'utf8'), rows.join('\n') + '\n');

  const r = cli('retrain', file, '--folds', '3', '--epochs', '4', '--out', join(dir, 'a'), '--imbalance', 'class-weights', '-q');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Retrain \(class-weights imbalance remedy/);
  assert.match(r.out, /held-out accuracy\s+before\s+\d+\.\d%\s+after\s+\d+\.\d%/);
});

test('analyze: a bad option is a usage error (exit 2) that names the flag; a missing file exit 1', (t) => {
  const dir = tempDir(t);
  const bad = cli('analyze', join(ROOT, 'samples/sms_spam_noisy.csv'), '--pixel-model', 'resnet', '--out', join(dir, 'x'));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--pixel-model has an invalid value "resnet"/);
  const folds = cli('analyze', join(ROOT, 'samples/sms_spam_noisy.csv'), '--folds', 'many', '--out', join(dir, 'x'));
  assert.equal(folds.code, 2);
  assert.match(folds.err, /--folds expects a number, got "many"/);
  const missing = cli('analyze', join(dir, 'nope.csv'), '--out', join(dir, 'x'));
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope\.csv/);
});
