/**
 * The engine child process on real data (built bundle, as the CLI and the extension run it):
 * detection quality floors on shared datasets with injected noise of known truth, determinism,
 * cancel, crash recovery, malformed messages, backend fallback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient, EngineError } from '../../src/client/engineClient';
import type { EngineMessage, TrainOptions } from '../../src/protocol/engine';
import type { Summary } from '../../src/core/results';
import { readArrays, readRuns } from '../../src/core/results';
import { openDataset } from '../../src/core/table/dataset';
import { averagePrecision, auroc } from '../../src/core/signals/metrics';
import { Table } from '../../src/core/table/table';
import { patchLabels } from '../../src/core/labels/patch';
import { applyEdits } from '../../src/core/labels/edits';
import { ROOT, SHARED_PEER, dataset, pooledMnist, tempDir } from '../helpers';

const ENGINE = join(ROOT, 'dist/engine.js');

function client(env: NodeJS.ProcessEnv = {}): EngineClient {
  return new EngineClient({ enginePath: ENGINE, env: { ...process.env, ...env } });
}

async function analyze(c: EngineClient, file: string, outDir: string, options: Partial<TrainOptions> = {}): Promise<Summary> {
  const res = await c.run({ type: 'analyze', dataset: { file }, options: { seed: 3, ...options }, outDir }).done;
  return JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
}

/** The first `rows` rows of a shared dataset with the peer's noisy labels; truth by row. */
function noisySubsample(dir: string, name: string, run: string, rows: number): { file: string; truth: Uint8Array } {
  const src = openDataset(dataset(name));
  const end = rows < src.rowCount ? src.textTable.index.start[rows] : src.textTable.bytes.length;
  const head = new Table('sub.csv', src.textTable.bytes.subarray(0, end));
  const noise = new Table('noise.csv', readFileSync(join(SHARED_PEER, 'noise', `${run}.csv`)));
  const byId = new Map<string, [string, string]>();
  for (let i = 0; i < noise.rowCount; i++) { const [id, noisy, err] = noise.row(i); byId.set(id, [noisy, err]); }
  const changes = new Map<number, string>();
  const truth = new Uint8Array(head.rowCount);
  for (let i = 0; i < head.rowCount; i++) {
    const [noisy, err] = byId.get(head.cell(i, 0))!;
    if (err === '1') { changes.set(i, noisy); truth[i] = 1; }
  }
  const file = join(dir, `${run}-${rows}.csv`);
  writeFileSync(file, patchLabels(head, 2, changes));
  return { file, truth };
}

function ranking(summary: Summary, out: string): Float32Array {
  return readArrays(join(out, 'arrays.bin'), summary.arrays).suspicion;
}

test('toutiao (Chinese, 15 classes) with 20% uniform noise: ranking well above chance', async (t) => {
  const dir = tempDir(t);
  const { file, truth } = noisySubsample(dir, 'toutiao_news_20k', 'toutiao20k-uniform20', 6000);
  const c = client();
  t.after(() => c.dispose());
  const s = await analyze(c, file, join(dir, 'out'));
  const score = ranking(s, join(dir, 'out'));
  const ap = averagePrecision(score, truth);
  const roc = auroc(score, truth);
  t.diagnostic(`AP ${ap.toFixed(3)} AUROC ${roc.toFixed(3)} flagged ${s.flagged}`);
  assert.ok(ap > 0.7, `AP ${ap}`); // chance is the noise rate, 0.2
  assert.ok(roc > 0.9, `AUROC ${roc}`);
  assert.equal(s.backend, 'typescript');
  assert.equal(s.rows, 6000);
  // Flagged rows are mostly real errors.
  const rows = readFileSync(join(dir, 'out', 'rows.csv'), 'utf8').trim().split('\n');
  assert.equal(rows.length, 6001);
  assert.equal(rows[0], 'id,given_label,suggested_label,suspicion,flagged,self_confidence,normalized_margin,pi_disagreement,ema_confidence,teacher_confidence,soft_label,duplicate_group,duplicate_of,conflict,outlier_score');
});

test('a small class beside big ones is not flagged wholesale (toutiao, clean labels, one class cut to 1% of rows)', async (t) => {
  const dir = tempDir(t);
  const src = openDataset(dataset('toutiao_news_20k'));
  const tail = src.classes.indexOf('news_tech');
  const others: number[] = [];
  const tailRows: number[] = [];
  for (let i = 0; i < 6000; i++) (src.labels[i] === tail ? tailRows : others).push(i);
  const keep = [...others, ...tailRows.slice(0, Math.round(others.length / 99))].sort((a, b) => a - b);
  const { bytes, index } = src.textTable;
  const slice = (i: number) => bytes.subarray(index.start[i], i + 1 < src.rowCount ? index.start[i + 1] : bytes.length);
  const file = join(dir, 'tail.csv');
  writeFileSync(file, Buffer.concat([bytes.subarray(0, index.start[0]), ...keep.map(slice)]));
  const c = client();
  t.after(() => c.dispose());
  const s = await analyze(c, file, join(dir, 'out'));
  const small = s.classStats.find((k) => k.name === 'news_tech')!;
  t.diagnostic(`news_tech: ${small.flagged} of ${small.given} flagged; all: ${s.flagged} of ${s.rows}`);
  assert.ok(small.given >= 10 && small.given / s.rows < 0.011, `news_tech has ${small.given} rows`);
  for (const k of s.classStats) if (k.given >= 10) assert.ok(k.flagged <= 0.6 * k.given, `${k.name}: ${k.flagged} of ${k.given} flagged`);
});

test('featurize reports progress as it hashes, before training starts', async (t) => {
  const dir = tempDir(t);
  const c = client();
  t.after(() => c.dispose());
  const seen: { phase: string; message: string }[] = [];
  const job = c.run({ type: 'analyze', dataset: { file: dataset('toutiao_news_20k') }, options: { folds: 2, repeats: 1, epochs: 1, piPasses: 0 }, outDir: join(dir, 'out') }, (p) => seen.push(p));
  await job.done;
  const counts = seen.filter((p) => p.phase === 'featurize').map((p) => /featurizing: (\d+) of 20000 rows/.exec(p.message)?.[1]).filter((x) => x !== undefined).map(Number);
  assert.deepEqual(counts, [10000, 20000]);
  const lastFeaturize = seen.map((p) => p.phase).lastIndexOf('featurize');
  assert.ok(lastFeaturize < seen.findIndex((p) => p.phase === 'train'), 'featurize progress comes before training');
});

test('the bundled sample: flipped rows rank first, and the same seed gives the same output', async (t) => {
  const dir = tempDir(t);
  const sample = join(ROOT, 'samples/sms_spam_noisy.csv');
  const truthIds = new Set(readFileSync(join(ROOT, 'samples/sms_spam_noisy.truth.csv'), 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(',')[0]));
  const c = client();
  t.after(() => c.dispose());
  const s1 = await analyze(c, sample, join(dir, 'a'));
  const s2 = await analyze(c, sample, join(dir, 'b'));
  const rowsA = readFileSync(join(dir, 'a', 'rows.csv'), 'utf8');
  assert.equal(rowsA, readFileSync(join(dir, 'b', 'rows.csv'), 'utf8'), 'same seed, same rows.csv');
  const ds = openDataset(sample);
  const truth = Uint8Array.from({ length: ds.rowCount }, (_, i) => (truthIds.has(ds.rowId(i)) ? 1 : 0));
  const ap = averagePrecision(ranking(s1, join(dir, 'a')), truth);
  t.diagnostic(`sample AP ${ap.toFixed(3)}`);
  assert.ok(ap > 0.8, `AP ${ap}`);
  // Label conflicts among copies rank first; the first suspect of the model's own kind explains itself.
  assert.ok(s1.topSuspects.find((x) => x.kind === 'label')!.reason.includes('stochastic passes disagree'));
  assert.equal(s2.flagged, s1.flagged);
  const other = await analyze(c, sample, join(dir, 'c'), { seed: 4 });
  assert.notEqual(readFileSync(join(dir, 'c', 'rows.csv'), 'utf8'), rowsA, 'another seed, another run');
  void other;
});

test('cancel stops a job within a second; a killed engine is reported and the next job works', async (t) => {
  const dir = tempDir(t);
  const c = client();
  t.after(() => c.dispose());
  const big = dataset('toutiao_news_20k');
  let job = c.run({ type: 'analyze', dataset: { file: big }, options: { epochs: 50 }, outDir: join(dir, 'x') }, (p) => { if (p.phase === 'train' && !cancelledAt) { cancelledAt = Date.now(); c.cancel(); } });
  let cancelledAt = 0;
  await assert.rejects(job.done, (e: unknown) => e instanceof EngineError && e.code === 'cancelled');
  const took = Date.now() - cancelledAt;
  t.diagnostic(`cancel took ${took} ms`);
  assert.ok(took < 1000, `cancel took ${took} ms`);

  let killed = false;
  job = c.run({ type: 'analyze', dataset: { file: big }, options: { epochs: 50 }, outDir: join(dir, 'y') }, (p) => { if (p.phase === 'train' && !killed) { killed = true; c.kill(); } });
  await assert.rejects(job.done, (e: unknown) => e instanceof EngineError && e.code === 'crashed' && /killed/.test(e.message));
  const s = await analyze(c, join(ROOT, 'samples/sms_spam_noisy.csv'), join(dir, 'z'), { epochs: 2, piPasses: 1 });
  assert.equal(s.rows, 2000);
});

test('malformed messages are refused and the engine keeps serving', async (t) => {
  const dir = tempDir(t);
  const child = fork(ENGINE, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  t.after(() => child.kill());
  const messages: EngineMessage[] = [];
  const next = (pred: (m: EngineMessage) => boolean) => new Promise<EngineMessage>((resolve) => {
    const on = (m: EngineMessage) => { messages.push(m); if (pred(m)) { child.off('message', on); resolve(m); } };
    child.on('message', on);
  });
  await next((m) => m.type === 'ready');
  for (const bad of [{ type: 'analyze' }, { jobId: 'q', type: 'analyze', dataset: { file: 'x' }, outDir: 'o', options: { folds: 0 } }, 'garbage', { type: 'explode', jobId: 'z' }]) {
    const reply = next((m) => m.type === 'error');
    child.send(bad as object);
    const m = await reply;
    assert.equal(m.type === 'error' && m.code, 'bad-request');
  }
  const done = next((m) => m.type === 'result' || (m.type === 'error' && m.jobId === 'ok'));
  child.send({ type: 'analyze', jobId: 'ok', dataset: { file: join(ROOT, 'samples/sms_spam_noisy.csv') }, options: { epochs: 1, piPasses: 1 }, outDir: join(dir, 'o') });
  assert.equal((await done).type, 'result');
  const missing = next((m) => m.type === 'error' && m.jobId === 'missing');
  child.send({ type: 'analyze', jobId: 'missing', dataset: { file: join(dir, 'nope.csv') }, options: {}, outDir: join(dir, 'o2') });
  const err = await missing;
  assert.equal(err.type === 'error' && err.code, 'data');
});

/** Whether the native backend loads on this machine (its install downloads libtensorflow). */
function tfjsNodeLoads(): boolean {
  try { require('@tensorflow/tfjs-node'); return true; } catch { return false; }
}

test('pixel data: without tfjs-node, the TypeScript MLP by default (whatever backend is forced: it needs none); a CNN on wasm when asked', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mnist600.csv');
  const src = readFileSync(dataset('mnist_test_labelerrors'), 'utf8').split('\r\n');
  writeFileSync(file, src.slice(0, 601).join('\r\n') + '\r\n');
  const native = tfjsNodeLoads();
  const runs = [
    { env: {}, options: {}, backend: native ? 'tensorflow' : 'typescript', model: native ? 'cnn' : 'mlp', out: 'default' },
    { env: { LABEL_LENS_BACKEND: 'cpu' }, options: {}, backend: 'typescript', model: 'mlp', out: 'cpu' },
    { env: { LABEL_LENS_BACKEND: 'wasm' }, options: { pixelModel: 'cnn' as const }, backend: 'wasm', model: 'cnn', out: 'cnn' },
  ];
  for (const r of runs) {
    const c = client(r.env);
    t.after(() => c.dispose());
    const s = await analyze(c, file, join(dir, r.out), { epochs: 3, piPasses: 2, folds: 3, ...r.options });
    assert.equal(s.backend, r.backend);
    assert.equal(s.model, r.model);
    assert.equal(s.dataKind, 'pixels');
    assert.ok(s.oofAccuracy > 0.6, `${r.out}: accuracy ${s.oofAccuracy}`);
  }
});

test('tabular rows: logistic regression + k-NN in TypeScript (no TensorFlow.js), flipped labels ranked first', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'digits49.csv');
  const { rows, labels } = pooledMnist(1000);
  // 20% of the labels moved to another digit, every 5th row.
  const truth = new Uint8Array(rows.length);
  const lines = ['id,' + rows[0].map((_, d) => `f${d}`).join(',') + ',label'];
  rows.forEach((r, i) => {
    let y = labels[i];
    if (i % 5 === 2) { truth[i] = 1; y = (y + 1 + (i % 9)) % 10; }
    lines.push(`${i},${r.map((v) => v.toFixed(4)).join(',')},d${y}`);
  });
  writeFileSync(file, lines.join('\n') + '\n');
  const c = client();
  t.after(() => c.dispose());
  const out = join(dir, 'out');
  const s = await analyze(c, file, out);
  assert.equal(s.dataKind, 'tabular');
  assert.equal(s.model, 'logreg+knn');
  assert.equal(s.backend, 'typescript');
  const ap = averagePrecision(ranking(s, out), truth);
  assert.ok(ap > 0.8, `AP ${ap}`);
});

test('LABEL_LENS_BACKEND=tensorflow: the native backend, or a clear error naming @tensorflow/tfjs-node when it does not load', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mnist90.csv');
  const src = readFileSync(dataset('mnist_test_labelerrors'), 'utf8').split('\r\n');
  writeFileSync(file, src.slice(0, 91).join('\r\n') + '\r\n');
  const c = client({ LABEL_LENS_BACKEND: 'tensorflow' });
  t.after(() => c.dispose());
  const run = analyze(c, file, join(dir, 'out'), { epochs: 1, piPasses: 0, folds: 3 });
  if (tfjsNodeLoads()) assert.equal((await run).backend, 'tensorflow');
  else await assert.rejects(run, (err: Error) => err instanceof EngineError && /@tensorflow\/tfjs-node does not load/.test(err.message));
});

test('retrain after fixing the flagged rows: soft targets and a remedy are used, before/after reported', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sms.csv');
  writeFileSync(file, readFileSync(join(ROOT, 'samples/sms_spam_noisy.csv')));
  const out = join(dir, 'out');
  const c = client();
  t.after(() => c.dispose());
  const before = await analyze(c, file, out);
  // Accept the suggestion of every flagged row among the top suspects, smooth five other rows.
  const flagged = before.topSuspects.filter((s) => s.flagged && s.suggested !== s.given);
  const ds = openDataset(file);
  const fixed = new Set(flagged.map((s) => s.id));
  const smooth = Array.from({ length: ds.rowCount }, (_, i) => ({ id: ds.rowId(i) })).filter((s) => !fixed.has(s.id)).slice(0, 5);
  const res = applyEdits(ds, [
    ...flagged.map((s) => ({ kind: 'relabel' as const, id: s.id, to: s.suggested, reason: s.reason })),
    ...smooth.map((s) => ({ kind: 'smooth' as const, id: s.id, epsilon: 0.3 })),
  ]);
  assert.equal(res.relabeled, flagged.length);
  const r = await c.run({ type: 'retrain', dataset: { file }, options: { seed: 3, imbalance: 'class-weights' }, outDir: out }).done;
  const after = JSON.parse(readFileSync(r.summaryPath, 'utf8')) as Summary;
  assert.equal(after.kind, 'retrain');
  assert.equal(after.softTargets, 5);
  assert.equal(after.options.imbalance, 'class-weights');
  assert.ok(after.before, 'the retrain carries the run it is compared with');
  assert.equal(after.before!.oofAccuracy, before.oofAccuracy);
  // The spread behind the held-out accuracy: one accuracy per fold model, [repeat][fold], each repeat
  // its own seed and split; the retrain carries the analysis's for the Runs view.
  for (const s of [before, after]) {
    const f = s.foldAccuracy!;
    assert.deepEqual([f.length, f[0].length], [s.options.repeats, s.options.folds]);
    assert.ok(f.flat().every((a) => a > 0.5 && a <= 1), f.flat().join(' '));
    const mean = f.flat().reduce((a, b) => a + b, 0) / f.flat().length;
    assert.ok(Math.abs(mean - s.oofAccuracy) < 0.08, `fold mean ${mean} vs out-of-fold ${s.oofAccuracy}`);
  }
  assert.ok(new Set(before.foldAccuracy!.flat()).size > 1, 'folds differ');
  assert.deepEqual(after.before!.foldAccuracy, before.foldAccuracy);
  assert.equal(after.fixed, flagged.length, 'the flagged rows relabeled since the analysis are counted');
  // The run history of the results folder has both runs, for the editor's Runs view and the CLI alike.
  const runs = readRuns(out);
  assert.deepEqual(runs.map((x) => x.kind), ['analysis', 'retrain']);
  assert.equal(runs[1].fixed, flagged.length);
  assert.ok(runs.every((x) => typeof x.seconds.write === 'number' && typeof x.seconds.train === 'number'), 'every phase is timed, write included');
  t.diagnostic(`held-out accuracy ${before.oofAccuracy.toFixed(3)} → ${after.oofAccuracy.toFixed(3)}; flagged ${before.flagged} → ${after.flagged}`);
  assert.ok(after.oofAccuracy > before.oofAccuracy, 'fixing the flagged rows makes the labels easier to predict');
  assert.ok(after.flagged < before.flagged);
});

test('prune: a second pass without the flagged rows finds systematic (pair) noise the first pass learned', async (t) => {
  const dir = tempDir(t);
  const { file, truth } = noisySubsample(dir, 'toutiao_news_20k', 'toutiao20k-asym20', 6000);
  const c = client();
  t.after(() => c.dispose());
  const plain = await analyze(c, file, join(dir, 'plain'));
  const pruned = await analyze(c, file, join(dir, 'pruned'), { prune: true });
  const apPlain = averagePrecision(ranking(plain, join(dir, 'plain')), truth);
  const apPruned = averagePrecision(ranking(pruned, join(dir, 'pruned')), truth);
  t.diagnostic(`pair noise AP ${apPlain.toFixed(3)} → ${apPruned.toFixed(3)} with prune (${pruned.pruned} rows left out)`);
  assert.equal(plain.pruned, undefined);
  assert.equal(pruned.pruned, plain.flagged, 'the second pass leaves out exactly the rows the first flagged');
  assert.ok(apPruned > apPlain + 0.05, `AP ${apPlain} → ${apPruned}`);
});
