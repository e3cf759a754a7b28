/**
 * Results first, map after (the built engine and CLI): the engine reports the job's result before
 * it makes the map, then `map-ready` with the map file written; the map phase reports progress and
 * can be cancelled (the results stay); a new job stops a map still being made; the CLI prints the
 * table, then waits for the map and prints its line before it exits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient, EngineError } from '../../src/client/engineClient';
import { readRun } from '../../src/core/results';
import type { EngineMessage } from '../../src/protocol/engine';
import { ROOT, tempDir } from '../helpers';

const SAMPLE = join(ROOT, 'samples/sms_spam_noisy.csv');
const QUICK = { seed: 3, epochs: 2, piPasses: 1, folds: 3 };

function client(): EngineClient {
  return new EngineClient({ enginePath: join(ROOT, 'dist/engine.js') });
}

test('the engine answers the result before the map, then map-ready with the map file; map progress in between', async (t) => {
  const dir = tempDir(t);
  const c = client();
  t.after(() => c.dispose());
  const events: string[] = [];
  const out = join(dir, 'a');
  const job = c.run({ type: 'analyze', dataset: { file: SAMPLE }, options: QUICK, outDir: out }, (p) => { if (p.phase === 'map') events.push('map-progress'); });
  const res = await job.done;
  events.push('result');
  assert.equal(res.map, 'pending');
  assert.ok(c.mapping, 'the engine is making the map');
  assert.equal(c.busy, false, 'a new job may start');
  // The results are complete and readable now; the map is still to come.
  const early = readRun(out, 'analysis')!;
  assert.equal(early.summary.rows, 2000);
  const m = await job.map;
  events.push('map-ready');
  assert.ok(m);
  assert.equal(m.mapPath, join(out, 'map.bin'));
  assert.equal(m.method, 'umap');
  assert.equal(m.sample, 1000);
  assert.equal(m.rows, 2000);
  assert.ok(existsSync(m.mapPath));
  assert.equal(events[0], 'result', `order: ${events.join(', ')}`);
  assert.ok(events.includes('map-progress'));
  assert.equal(events.at(-1), 'map-ready');
  const run = readRun(out, 'analysis')!;
  assert.equal(run.mapState, 'ready');
  assert.equal(run.arrays.mapX!.length, 2000);

  // Retrain likewise: its results, then its own map file.
  const rt = c.run({ type: 'retrain', dataset: { file: SAMPLE }, options: QUICK, outDir: out });
  assert.equal((await rt.done).map, 'pending');
  assert.equal((await rt.map)?.mapPath, join(out, 'retrain-map.bin'));
  assert.equal(readRun(out, 'retrain')!.mapState, 'ready');
  assert.equal(readRun(out, 'analysis')!.mapState, 'ready', 'the analysis keeps its own map');

  // --map none: no map phase, the job is over at its result.
  const none = c.run({ type: 'analyze', dataset: { file: SAMPLE }, options: { ...QUICK, map: 'none' }, outDir: join(dir, 'none') });
  assert.equal((await none.done).map, 'none');
  assert.equal(await none.map, undefined);
  assert.equal(c.mapping, false);
  assert.equal(readRun(join(dir, 'none'), 'analysis')!.mapState, 'none');
});

test('cancel during the map stops it (the results stay, the map is missing); a new job stops a map being made and runs', async (t) => {
  const dir = tempDir(t);
  const c = client();
  t.after(() => c.dispose());
  const out = join(dir, 'a');
  let cancelled = false;
  const job = c.run({ type: 'analyze', dataset: { file: SAMPLE }, options: QUICK, outDir: out }, (p) => { if (p.phase === 'map' && !cancelled) { cancelled = true; c.cancel(); } });
  await job.done;
  await assert.rejects(job.map, (e: unknown) => e instanceof EngineError && e.code === 'cancelled');
  const run = readRun(out, 'analysis')!;
  assert.equal(run.mapState, 'missing');
  assert.equal(existsSync(join(out, 'map.bin')), false);

  // A second job asked for while the first makes its map: the first map gives way.
  const first = c.run({ type: 'analyze', dataset: { file: SAMPLE }, options: QUICK, outDir: join(dir, 'b') });
  await first.done;
  const second = c.run({ type: 'analyze', dataset: { file: SAMPLE }, options: { ...QUICK, map: 'pca' }, outDir: join(dir, 'c') });
  assert.equal(await first.map, undefined, 'superseded');
  await second.done;
  const m = await second.map;
  assert.equal(m?.method, 'pca');
  assert.equal(readRun(join(dir, 'c'), 'analysis')!.mapState, 'ready');
});

test('a job waiting for a map to give way hears its cancel, and a third request meanwhile is refused as busy (not run beside them)', async (t) => {
  const dir = tempDir(t);
  const c = client();
  t.after(() => c.dispose());
  const first = c.run({ type: 'analyze', dataset: { file: SAMPLE }, options: QUICK, outDir: join(dir, 'a') });
  await first.done;
  // Asked for while the first map is made, cancelled before that map has stopped.
  const second = c.run({ type: 'analyze', dataset: { file: SAMPLE }, options: QUICK, outDir: join(dir, 'b') });
  c.cancel();
  await assert.rejects(second.done, (e: unknown) => e instanceof EngineError && e.code === 'cancelled');
  assert.equal(readRun(join(dir, 'b'), 'analysis'), undefined, 'the cancelled job never ran');
  assert.equal(await first.map, undefined, 'superseded');
  // The engine is free again.
  const after = c.run({ type: 'analyze', dataset: { file: SAMPLE }, options: { ...QUICK, map: 'none' }, outDir: join(dir, 'c') });
  assert.equal((await after.done).map, 'none');

  // The raw protocol (the client sends one job at a time): a third request while the second waits.
  const engine = fork(join(ROOT, 'dist/engine.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  t.after(() => engine.kill());
  const seen: EngineMessage[] = [];
  const next = (pred: (m: EngineMessage) => boolean) => new Promise<EngineMessage>((resolve) => {
    const found = seen.find(pred);
    if (found) { resolve(found); return; }
    const on = (m: EngineMessage) => { if (pred(m)) { engine.off('message', on); resolve(m); } };
    engine.on('message', on);
  });
  engine.on('message', (m: EngineMessage) => seen.push(m));
  await next((m) => m.type === 'ready');
  const analyze = (jobId: string, out: string) => engine.send({ type: 'analyze', jobId, dataset: { file: SAMPLE }, options: QUICK, outDir: join(dir, out) });
  analyze('A', 'ra');
  await next((m) => m.type === 'result' && m.jobId === 'A');
  analyze('B', 'rb');
  analyze('C', 'rc');
  const refused = await next((m) => 'jobId' in m && m.jobId === 'C');
  assert.equal(refused.type, 'error');
  assert.match((refused as { message: string }).message, /busy with job B/);
  assert.equal((await next((m) => m.type === 'result' && m.jobId === 'B')).type, 'result');
  assert.equal(readRun(join(dir, 'rc'), 'analysis'), undefined);
});

test('CLI analyze prints the table at the result, then waits for the map and prints its line; the map file is there when it exits', (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'a');
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/label-lens.js'), 'analyze', SAMPLE, '--folds', '3', '--epochs', '2', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^Top 20 suspects/);
  assert.match(lines.at(-1)!, /^map: UMAP of 1,000 rows \(the other 1,000 placed by their nearest\), \d+\.\d s$/);
  assert.match(r.stderr, /\] map: projecting 2,000 rows/, 'map progress on stderr');
  assert.ok(r.stderr.indexOf('map: projecting') > r.stderr.indexOf('writing results'), 'the map is made after the results are written');
  assert.equal(readRun(out, 'analysis')!.mapState, 'ready');
  // --json: stdout is the summary alone (it names the map file to follow).
  const j = spawnSync(process.execPath, [join(ROOT, 'bin/label-lens.js'), 'analyze', SAMPLE, '--folds', '3', '--epochs', '2', '--map', 'none', '--json', '-q', '--out', join(dir, 'j')], { encoding: 'utf8' });
  assert.equal(j.status, 0, j.stderr);
  const s = JSON.parse(j.stdout) as { mapFile?: string };
  assert.equal(s.mapFile, undefined);
});
