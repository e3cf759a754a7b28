/**
 * The map file (core/results): written after the results, read back into the run; a missing, stale
 * or damaged map file costs the map only; results written before the split (mapX, mapY in
 * arrays.bin) still read with their map.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packArrays, packMapFile, readRun, resultFiles, type MapSummary, type ResultArrays, type Summary } from '../../src/core/results';
import { tempDir } from '../helpers';

const N = 5, K = 2, E = 1;
const MAP: MapSummary = { method: 'umap', sample: 5, seconds: 0.1, representation: { source: 'features', description: 'the features (2-d)', dim: 2 } };

function arrays(extra: Partial<ResultArrays<ArrayLike<number>>> = {}): ResultArrays<ArrayLike<number>> {
  const nk = new Float32Array(N * K).fill(0.5), n = new Float32Array(N);
  return { consensus: nk, student: nk, ema: nk, suspicion: n, selfConfidence: n, margin: n, suggested: n, flagged: n, label: n, piDisagree: n, piSpread: n, flips: n, history: new Float32Array(E * N), ...extra };
}

/** A results folder as the engine leaves it after the write phase (summary last). */
function writeRun(dir: string, extra: Partial<Summary> = {}, arr = arrays()): Summary {
  const f = resultFiles(dir, 'analysis');
  const { buffer, entries } = packArrays(arr, { rows: N, classes: K, epochs: E });
  writeFileSync(f.arrays, buffer);
  const summary = { kind: 'analysis', file: join(dir, 'x.csv'), rows: N, classes: ['a', 'b'], arrays: entries, createdAt: '2026-12-02T06:00:00.000Z', topSuspects: [], ...extra } as unknown as Summary;
  writeFileSync(f.summary, JSON.stringify(summary));
  return summary;
}

const xs = Float32Array.from([0, 1, 2, 3, 4]), ys = Float32Array.from([4, 3, 2, 1, 0.5]);

test('a map file written after the results is read back into the run; until then the run says its map is missing', (t) => {
  const dir = tempDir(t);
  const summary = writeRun(dir, { mapFile: 'map.bin' });
  const before = readRun(dir, 'analysis')!;
  assert.equal(before.mapState, 'missing');
  assert.equal(before.arrays.mapX, undefined);
  assert.equal(before.summary.map, undefined);
  writeFileSync(resultFiles(dir, 'analysis').map, packMapFile({ run: summary.createdAt, rows: N, map: MAP }, xs, ys));
  const after = readRun(dir, 'analysis')!;
  assert.equal(after.mapState, 'ready');
  assert.deepEqual([...after.arrays.mapX!], [...xs]);
  assert.deepEqual([...after.arrays.mapY!], [...ys]);
  assert.deepEqual(after.summary.map, MAP);
});

test('a map file of an earlier run is not shown with a newer analysis; a damaged one costs the map, not the results', (t) => {
  const dir = tempDir(t);
  writeRun(dir, { mapFile: 'map.bin' });
  const path = resultFiles(dir, 'analysis').map;
  writeFileSync(path, packMapFile({ run: '2026-01-01T00:00:00.000Z', rows: N, map: MAP }, xs, ys));
  assert.equal(readRun(dir, 'analysis')!.mapState, 'missing');
  const whole = packMapFile({ run: '2026-12-02T06:00:00.000Z', rows: N, map: MAP }, xs, ys);
  writeFileSync(path, whole.subarray(0, whole.length - 3));
  const cut = readRun(dir, 'analysis')!;
  assert.equal(cut.mapState, 'missing');
  assert.match(cut.mapProblem!, /truncated/);
  assert.equal(cut.arrays.consensus.length, N * K, 'the analysis itself reads');
  writeFileSync(path, 'not a map');
  assert.match(readRun(dir, 'analysis')!.mapProblem!, /not a Label Lens map file/);
});

test('results written before the map file (mapX, mapY in arrays.bin, summary.map) still read with their map', (t) => {
  const dir = tempDir(t);
  writeRun(dir, { map: MAP }, arrays({ mapX: xs, mapY: ys }));
  const run = readRun(dir, 'analysis')!;
  assert.equal(run.mapState, 'ready');
  assert.deepEqual([...run.arrays.mapX!], [...xs]);
  assert.equal(run.summary.map?.method, 'umap');
  // And a run without any map says so.
  const none = tempDir(t);
  writeRun(none);
  assert.equal(readRun(none, 'analysis')!.mapState, 'none');
});
