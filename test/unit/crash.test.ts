/**
 * kill -9 during a save, at every step of the write protocol and at random instants: the data file
 * is old or new, the original copy whole or absent, and after the next open the journal says exactly
 * which edits the file holds. More kills on a bigger file: `npm run bench -- crash`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openTable } from '../../src/core/table/table';
import { dataset, tempDir } from '../helpers';
import { bundleChild, expectedSave, killAt, killAtStep, rng, timeSave } from '../fixtures/crashHarness';

/** The first 2,000 rows of toutiao_news_20k (real text, Chinese, quoted fields): a few seconds for all the kills. */
const SOURCE = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'label-lens-crash-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const t = openTable(dataset('toutiao_news_20k'));
  const path = join(dir, 'toutiao_2k.csv');
  writeFileSync(path, t.bytes.subarray(0, t.index.end[1999] + 1));
  return path;
})();

test('a save killed at each step of the write leaves the promised state', async (t) => {
  const dir = tempDir(t);
  const child = bundleChild(dir);
  const exp = expectedSave(SOURCE, join(dir, 'plan'));
  const cases: [step: string, nth: number, data: 'old' | 'new', original: 'absent' | 'complete', sidecar: 'absent' | 'complete'][] = [
    ['journal-begun', 1, 'old', 'absent', 'absent'],
    ['original-temp-written', 1, 'old', 'absent', 'absent'],
    ['original-renamed', 1, 'old', 'complete', 'absent'],
    ['temp-written', 1, 'old', 'complete', 'absent'],
    ['before-rename', 1, 'old', 'complete', 'absent'],
    ['renamed', 1, 'new', 'complete', 'absent'],
    ['committed', 1, 'new', 'complete', 'absent'],
    ['temp-written', 2, 'new', 'complete', 'absent'], // the sidecar's write
    ['renamed', 2, 'new', 'complete', 'complete'],
  ];
  for (const [step, nth, data, original, sidecar] of cases) {
    const r = await killAtStep(child, SOURCE, join(dir, `${step}-${nth}`), exp, step, nth);
    assert.ok(r.killed, `${step}#${nth}: the child was not killed`);
    assert.deepEqual({ data: r.data, original: r.original, sidecar: r.sidecar }, { data, original, sidecar }, `killed at ${step}#${nth}`);
    // A kill before the commit line leaves a write for the next open to reconcile.
    if (step !== 'committed') assert.equal(r.reconciled, 1, `${step}#${nth}: one open write reconciled`);
    if (['original-temp-written', 'temp-written', 'before-rename'].includes(step)) assert.equal(r.removedTemps, 1, `${step}: its temp file removed`);
  }
});

test('24 saves killed at random instants each leave the file old or new, the original whole or absent, the journal exact', async (t) => {
  const dir = tempDir(t);
  const child = bundleChild(dir);
  const exp = expectedSave(SOURCE, join(dir, 'plan'));
  const ms = await timeSave(child, SOURCE, join(dir, 'timing'));
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100000);
  const rand = rng(seed);
  const seen = { old: 0, new: 0 };
  for (let k = 0; k < 24; k++) {
    const delay = rand() * ms * 1.2;
    const r = await killAt(child, SOURCE, join(dir, `k${k}`), exp, delay).catch((err: Error) => {
      throw new Error(`kill ${k} at ${delay.toFixed(1)} ms of a ${ms} ms save (CRASH_SEED=${seed}): ${err.message}`);
    });
    seen[r.data]++;
  }
  t.diagnostic(`save takes ${ms} ms here; 24 kills (seed ${seed}): ${seen.old} left the old file, ${seen.new} the new one`);
});
