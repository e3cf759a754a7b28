/**
 * Bigger than one machine, end to end with the built CLI: plan → fold jobs as separate processes
 * (three at a time, the index from --job or from JOB_COMPLETION_INDEX as Kubernetes sets it) →
 * merge, compared byte for byte with `analyze` on the same rows, options and seed; and the faults:
 * a job killed in the middle of writing its output, a job output from another plan.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTable } from '../../src/core/table/table';
import { Random } from '../../src/core/random';
import { readRun, type Summary } from '../../src/core/results';
import type { Plan } from '../../src/protocol/plan';
import { dataset, ROOT, tempDir } from '../helpers';

const CLI = join(ROOT, 'bin/label-lens.js');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function cliAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** `n` rows of a shared dataset, drawn with a seed, in file order, bytes as they are. */
function subsample(src: string, n: number, out: string): void {
  const t = openTable(src);
  const { start, count } = t.index;
  const rng = new Random(13);
  const pick = Array.from({ length: count }, (_, i) => i);
  rng.shuffle(pick);
  const rows = pick.slice(0, n).sort((a, b) => a - b);
  const bytes = t.bytes;
  const end = (i: number) => (i + 1 < count ? start[i + 1] : bytes.length);
  const parts = [bytes.subarray(0, start[0]), ...rows.map((i) => bytes.subarray(start[i], end(i)))];
  writeFileSync(out, Buffer.concat(parts));
}

// Times and the clock are facts of each run; everything else must be equal.
const withoutRunFacts = (s: Summary) => JSON.parse(JSON.stringify(s, (k, v: unknown) => (k === 'seconds' || k === 'createdAt' ? undefined : v))) as unknown;

test('plan → 3 parallel fold processes → merge equals analyze byte for byte (6k rows of ag_news)', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'ag6k.csv');
  subsample(dataset('ag_news_test'), 6000, file);
  const opts = ['--folds', '3', '--epochs', '3', '--seed', '7'];

  const a = cli(['analyze', file, ...opts, '--out', join(dir, 'analyze'), '-q']);
  assert.equal(a.code, 0, a.err);

  const p = cli(['plan', file, ...opts, '--out', join(dir, 'plan'), '-q']);
  assert.equal(p.code, 0, p.err);
  const lines = p.out.trimEnd().split('\n');
  assert.equal(lines.at(-1), 'jobs: 6', 'the last line: 3 folds × 2 repeats (text)');
  const plan = JSON.parse(readFileSync(join(dir, 'plan', 'plan.json'), 'utf8')) as Plan;
  assert.equal(plan.jobs, 6);
  assert.deepEqual(plan.jobSpecs.map((j) => [j.repeat, j.fold]), [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
  assert.equal(plan.seed, 7);
  assert.equal(plan.dataset.rows, 6000);
  for (const r of [0, 1]) assert.equal(plan.jobSpecs.filter((j) => j.repeat === r).reduce((s, j) => s + j.held, 0), 6000, 'each repeat holds every labeled row out once');

  // Three processes at a time, as three pods would; half take the index from the environment.
  const pending = [0, 1, 2, 3, 4, 5];
  const lane = async () => {
    for (let i = pending.shift(); i !== undefined; i = pending.shift()) {
      const r = i % 2 ? await cliAsync(['fold', join(dir, 'plan'), '-q'], { JOB_COMPLETION_INDEX: String(i) }) : await cliAsync(['fold', join(dir, 'plan'), '--job', String(i), '-q']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`^job ${i} \\(repeat \\d, fold \\d\\): \\d+ rows held out, trained in`));
    }
  };
  await Promise.all([lane(), lane(), lane()]);

  const m = cli(['merge', join(dir, 'plan'), '--out', join(dir, 'merged')]);
  assert.equal(m.code, 0, m.err);
  assert.match(m.out, /^Top 20 suspects \(of 6000 labeled rows; \d+ flagged\)/);
  assert.match(m.out, /merged 6 jobs of/);
  for (const f of ['rows.csv', 'arrays.bin']) {
    const x = readFileSync(join(dir, 'analyze', f));
    const y = readFileSync(join(dir, 'merged', f));
    assert.ok(x.length > 0);
    assert.ok(x.equals(y), `${f}: merged differs from analyze`);
  }
  const sa = JSON.parse(readFileSync(join(dir, 'analyze', 'summary.json'), 'utf8')) as Summary;
  const sm = JSON.parse(readFileSync(join(dir, 'merged', 'summary.json'), 'utf8')) as Summary;
  assert.deepEqual(withoutRunFacts(sm), withoutRunFacts(sa));
  // The jobs carried their folds' learned vectors: the merge's map (and outliers) are of the learned
  // representation, and its points are analyze's (the map file, written after the results by both).
  assert.equal(sm.mapFile, 'map.bin');
  assert.match(m.out, /^map: UMAP of 1,000 rows \(the other 5,000 placed by their nearest\), [\d.]+ s$/m);
  const ma = readRun(join(dir, 'analyze'), 'analysis')!, mm = readRun(join(dir, 'merged'), 'analysis')!;
  assert.equal(mm.mapState, 'ready');
  assert.equal(mm.summary.map?.representation.source, 'learned');
  assert.deepEqual(mm.arrays.mapX, ma.arrays.mapX);
  assert.deepEqual(mm.arrays.mapY, ma.arrays.mapY);

  // Run again, a job sees its output complete and does nothing.
  const again = cli(['fold', join(dir, 'plan'), '--job', '4']);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /job 4 .*already complete/);
});

test('a fold killed mid-write leaves no output; merge names it and a job from another plan; re-running those completes', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sms.csv');
  copyFileSync(join(ROOT, 'samples/sms_spam_noisy.csv'), file);
  const opts = ['--folds', '3', '--epochs', '2'];
  const planDir = join(dir, 'plan');
  assert.equal(cli(['plan', file, ...opts, '--out', planDir, '-q']).code, 0);
  for (const i of [0, 1, 3, 4, 5]) assert.equal(cli(['fold', planDir, '--job', String(i), '-q']).code, 0);

  // Job 2, killed with SIGKILL half way through writing its output.
  const child = spawn(process.execPath, ['--require', join(ROOT, 'test/fixtures/stallMidWrite.cjs'), CLI, 'fold', planDir, '--job', '2', '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => { if (d.toString().includes('stalled')) resolve(); });
    child.on('exit', (code) => reject(new Error(`fold exited (${code}) before stalling`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('close', r));
  const jobs = join(planDir, 'jobs');
  assert.equal(existsSync(join(jobs, 'job-00002.bin')), false, 'no output under the job\'s name');
  const temps = readdirSync(jobs).filter((n) => n.startsWith('.job-00002.bin.tmp-'));
  assert.equal(temps.length, 1, 'the half-written temp file is what remains');

  // Job 4 replaced by the same job of another plan (another seed).
  const other = join(dir, 'other');
  assert.equal(cli(['plan', file, ...opts, '--seed', '2', '--out', other, '-q']).code, 0);
  assert.equal(cli(['fold', other, '--job', '4', '-q']).code, 0);
  copyFileSync(join(other, 'jobs', 'job-00004.bin'), join(jobs, 'job-00004.bin'));

  const m = cli(['merge', planDir, '--out', join(dir, 'merged')]);
  assert.equal(m.code, 1, m.err);
  assert.match(m.err, /2 of 6 jobs are not complete: missing 2; not usable 4 \(made for another plan/);
  assert.equal(existsSync(join(dir, 'merged', 'rows.csv')), false, 'nothing merged');

  // The local runner runs only those two (as separate processes), then merges.
  const r = cli(['analyze', '--jobs-dir', planDir, '--parallel', '2', '--out', join(dir, 'merged')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /running 2 of 6 jobs, 2 at a time \(4 already complete\)/);
  const a = cli(['analyze', file, ...opts, '--out', join(dir, 'analyze'), '-q']);
  assert.equal(a.code, 0, a.err);
  assert.ok(readFileSync(join(dir, 'merged', 'rows.csv')).equals(readFileSync(join(dir, 'analyze', 'rows.csv'))), 'the completed merge equals analyze');
});

test('fold and merge refuse what they cannot use, with the reason (exit 1 or 2)', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sms.csv');
  copyFileSync(join(ROOT, 'samples/sms_spam_noisy.csv'), file);
  const planDir = join(dir, 'plan');
  const none = cli(['fold', planDir, '--job', '0']);
  assert.equal(none.code, 1);
  assert.match(none.err, /plan\.json: no plan here; make one with label-lens plan FILE --out/);
  assert.equal(cli(['plan', file, '--folds', '2', '--epochs', '2', '--out', planDir, '-q']).code, 0);
  const noIndex = cli(['fold', planDir], { JOB_COMPLETION_INDEX: '' });
  assert.equal(noIndex.code, 2);
  const env = { ...process.env };
  delete env.JOB_COMPLETION_INDEX;
  const r = spawnSync(process.execPath, [CLI, 'fold', planDir], { encoding: 'utf8', env });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /fold needs --job I \(or the environment variable JOB_COMPLETION_INDEX/);
  const range = cli(['fold', planDir, '--job', '9']);
  assert.equal(range.code, 2);
  assert.match(range.err, /job 9: .*plan\.json has jobs 0\.\.3/);
  const prune = cli(['plan', file, '--prune', '--out', join(dir, 'p2')]);
  assert.equal(prune.code, 2);
  assert.match(prune.err, /--prune is not available with plan yet/);
  const probs = cli(['plan', file, '--pred-probs', join(dir, 'probs.csv'), '--out', join(dir, 'p3')]);
  assert.equal(probs.code, 2);
  assert.match(probs.err, /--pred-probs is not available with plan yet/);
  // The data file changed after the plan: merge will not name rows from other bytes.
  for (const i of [0, 1, 2, 3]) assert.equal(cli(['fold', planDir, '--job', String(i), '-q']).code, 0);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/,ham\r?\n/, ',spam\n'));
  const m = cli(['merge', planDir, '--out', join(dir, 'm')]);
  assert.equal(m.code, 1);
  assert.match(m.err, /sms\.csv is not the file this plan was made from/);
});
