/** The typed layout (engine/umapLayout) gives umap-js's own embedding, bit for bit, from the same fit and random draws. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UMAP } from 'umap-js';
import { Random } from '../../src/core/random';
import { TypedLayout, type UmapOptimizationState } from '../../src/engine/umapLayout';

function fit(seed: number): { umap: UMAP; rng: Random; epochs: number } {
  const r = new Random(5);
  // Three clusters in 6-d, 300 points.
  const data = Array.from({ length: 300 }, (_, i) => Array.from({ length: 6 }, (_, d) => (d === i % 3 ? 4 : 0) + r.normal()));
  const rng = new Random(seed);
  const umap = new UMAP({ nComponents: 2, nNeighbors: 15, nEpochs: 60, random: () => rng.next() });
  return { umap, rng, epochs: umap.initializeFit(data) };
}

test('TypedLayout reproduces umap-js\'s layout epochs exactly', () => {
  const ref = fit(11);
  for (let e = 0; e < ref.epochs; e++) ref.umap.step();
  const expected = ref.umap.getEmbedding();

  const ours = fit(11);
  const state = (ours.umap as unknown as { optimizationState: UmapOptimizationState }).optimizationState;
  assert.ok(TypedLayout.fits(state));
  const layout = new TypedLayout(state, () => ours.rng.next());
  for (let e = 0; e < ours.epochs; e++) layout.step(e);
  const got = layout.embedding();
  assert.equal(got.length, 2 * expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.equal(got[2 * i], expected[i][0], `point ${i} x`);
    assert.equal(got[2 * i + 1], expected[i][1], `point ${i} y`);
  }
  assert.ok(expected.some((p) => p[0] !== 0), 'a real layout');
});
