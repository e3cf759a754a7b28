/**
 * `analyze` and `retrain` take every dataset option (--label --text --id --features --encoding) and
 * --json, as `inspect` does. They once rejected them all ("Unknown option"): an import cycle between
 * src/cli/main.ts and engineCommands.ts ran `{...datasetOptions}` before it existed in the bundle.
 * The files: toutiao headlines written in GBK with Chinese column names and a decoy column that role
 * inference takes for the label; numeric columns of which --features picks two.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as iconv from 'iconv-lite';
import { ROOT, dataset, tempDir } from '../helpers';
import { Random } from '../../src/core/random';
import type { Summary } from '../../src/core/results';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/label-lens.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const FAST = ['--folds', '3', '--epochs', '3', '--pi', '2', '-q'];
const NAMES: Record<string, string> = { news_sports: '体育', news_finance: '财经', news_entertainment: '娱乐' };

/** 450 headlines of three classes, GBK, header 编号,正文,标注,来源; 来源 is a two-valued decoy. */
function gbkFile(dir: string): string {
  const lines = readFileSync(dataset('toutiao_news_20k'), 'utf8').split('\n').slice(1);
  const rng = new Random(5);
  const out = ['编号,正文,标注,来源'];
  for (const l of lines) {
    const m = /^(\d+),(.*),(\w+)\r?$/.exec(l);
    if (!m || !NAMES[m[3]] || /[",]/.test(m[2])) continue;
    out.push(`n${m[1]},${m[2]},${NAMES[m[3]]},${rng.next() < 0.5 ? 'web' : 'app'}`);
    if (out.length > 450) break;
  }
  const file = join(dir, '新闻.csv');
  writeFileSync(file, iconv.encode(out.join('\r\n') + '\r\n', 'gbk'));
  return file;
}

test('analyze and retrain with --label --text --id --encoding --json on a GBK file whose label column is not guessed', (t) => {
  const dir = tempDir(t);
  const file = gbkFile(dir);
  // Without --label the decoy is taken for the label: the option is needed.
  const guessed = JSON.parse(cli('inspect', file, '--json').out);
  assert.equal(guessed.roles.label, '来源', 'role inference picks the decoy');

  const a = cli('analyze', file, '--label', '标注', '--text', '正文', '--id', '编号', '--encoding', 'gbk', '--json', ...FAST);
  assert.equal(a.code, 0, a.err);
  const s = JSON.parse(a.out) as Summary;
  assert.deepEqual([...s.classes].sort(), ['娱乐', '体育', '财经'].sort());
  const { id, label, text, encoding, format } = s.readAs ?? {};
  assert.deepEqual({ id, label, text, encoding, format }, { id: '编号', label: '标注', text: '正文', encoding: 'gb18030', format: 'csv' }, 'the engine read the file as the options say');
  assert.equal(s.rows, 450);
  assert.equal(s.dataKind, 'text');
  assert.ok(s.oofAccuracy > 0.6, `three easy classes are learned (accuracy ${s.oofAccuracy})`);
  assert.equal((s as unknown as { arrays?: unknown }).arrays, undefined, '--json leaves out the arrays table');
  const rows = readFileSync(join(dir, '.label-lens', 'results', '新闻.csv', 'rows.csv'), 'utf8').split('\n');
  assert.match(rows[1], /^n\d+,(体育|财经|娱乐),/, 'rows.csv names rows by the --id column and classes by their GBK-decoded names');

  const r = cli('retrain', file, '--label', '标注', '--text', '正文', '--id', '编号', '--encoding', 'gbk', '--json', '--imbalance', 'class-weights', ...FAST);
  assert.equal(r.code, 0, r.err);
  const after = JSON.parse(r.out) as Summary;
  assert.equal(after.kind, 'retrain');
  assert.equal(after.readAs?.label, '标注');
  assert.equal(after.before?.oofAccuracy, s.oofAccuracy, 'compared with the analysis above');

  // The options reach the engine: a wrong encoding or column is refused with a clear message.
  const wrong = cli('analyze', file, '--label', '标注', '--encoding', 'utf-16le', ...FAST);
  assert.equal(wrong.code, 1, wrong.err);
  assert.match(wrong.err, /新闻\.csv/);
  assert.doesNotMatch(wrong.err, /internal error|\n\s+at /, 'no stack trace for a data problem');
  const missing = cli('retrain', file, '--label', '类别', ...FAST);
  assert.equal(missing.code, 2, missing.err);
  assert.match(missing.err, /类别/);
});

test('analyze --features picks the numeric columns to train on', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'points.csv');
  const rng = new Random(9);
  const lines = ['a,b,c,answer'];
  for (let i = 0; i < 240; i++) {
    const y = i % 2;
    lines.push([(y * 3 + rng.next()).toFixed(3), (-y * 3 + rng.next()).toFixed(3), rng.next().toFixed(3), y ? 'yes' : 'no'].join(','));
  }
  writeFileSync(file, lines.join('\n') + '\n');
  const all = JSON.parse(cli('analyze', file, '--json', ...FAST).out) as Summary;
  assert.equal(all.readAs?.features, 'a,b,c');
  const picked = cli('analyze', file, '--features', 'a,b', '--label', 'answer', '--json', ...FAST);
  assert.equal(picked.code, 0, picked.err);
  const s = JSON.parse(picked.out) as Summary;
  assert.equal(s.readAs?.features, 'a,b');
  assert.equal(s.dataKind, 'tabular');
  assert.ok(s.oofAccuracy > 0.9, `separable on a and b (accuracy ${s.oofAccuracy})`);
});
