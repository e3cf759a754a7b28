/**
 * The noise-posterior ranking (core/signals/noiseMatrix, the default in core/signals/score): the
 * noise matrix by hand, and on real toutiao news with the peer's two noise files, ranked from naive
 * Bayes's out-of-fold probabilities (a real text model, fast enough for a unit test): on pair noise
 * it ranks far above odds, self-confidence and the margin, on uniform noise as self-confidence does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { directionalNoise, noiseRates, wrongPosterior } from '../../src/core/signals/noiseMatrix';
import { scoreConsensus, type Ranking } from '../../src/core/signals/score';
import { averagePrecision } from '../../src/core/signals/metrics';
import { openDataset } from '../../src/core/table/dataset';
import { Table } from '../../src/core/table/table';
import { featurize, load } from '../../src/engine/phases';
import { naiveBayesPart } from '../../src/engine/models/naiveBayes';
import { stratifiedFolds } from '../../src/engine/crossval';
import { dataset, SHARED } from '../helpers';

test('noise matrix: a symmetric joint gives one uniform rate; a one-way excess beyond its standard errors is kept', () => {
  const K = 3;
  // J[given][true]: 100 rows a class, 10 of each labelled as each other class, both ways.
  const sym = Float64Array.from([80, 10, 10, 10, 80, 10, 10, 10, 80]);
  const T = directionalNoise(sym, K);
  for (let t = 0; t < K; t++) for (let g = 0; g < K; g++) assert.ok(Math.abs(T[t * K + g] - (g === t ? 0.8 : 0.1)) < 1e-12, `T[${t}][${g}] = ${T[t * K + g]}`);
  // Under a uniform T the posterior orders rows as self-confidence: lower p(given), higher suspicion.
  const p = Float32Array.from([0.5, 0.3, 0.2, 0.4, 0.1, 0.5]);
  assert.ok(wrongPosterior(p, 3, 0, K, T) > wrongPosterior(p, 0, 0, K, T));
  // Class 0's rows are labelled 1 (30 of 100) and not the other way round: rate 0.3 against 0.
  const pair = Float64Array.from([100, 0, 0, 30, 100, 0, 0, 0, 100]);
  const { rates } = noiseRates(pair, K);
  assert.ok(Math.abs(rates[0 * K + 1] - 30 / 130) < 1e-12);
  const D = directionalNoise(pair, K);
  assert.ok(D[0 * K + 1] > 0.1, `0 → 1: ${D[0 * K + 1]}`);
  assert.ok(D[1 * K + 0] < 1e-3, `1 → 0: ${D[1 * K + 0]}`);
  // Two rows labelled 1 with the same p(1): the one whose other mass is on class 0 (the source of the
  // noise into 1) is the more suspect.
  const q = Float32Array.from([0.5, 0.4, 0.1, 0.1, 0.4, 0.5]);
  assert.ok(wrongPosterior(q, 0, 1, K, D) > 2 * wrongPosterior(q, 3, 1, K, D));
  // A small excess is not significant: 3 of 30 rows one way, 0 the other.
  const small = directionalNoise(Float64Array.from([27, 0, 0, 3, 30, 0, 0, 0, 30]), K);
  assert.ok(small[0 * K + 1] < 0.01, `${small[0 * K + 1]}`);
});

test('toutiao news with the peer\'s pair and uniform noise, ranked from naive Bayes: the noise posterior finds the pair noise and keeps self-confidence\'s order on uniform noise', async () => {
  const file = dataset('toutiao_news_20k');
  const { prep } = await featurize(load({ file }, {}, false));
  const ds = openDataset(file);
  const K = ds.classes.length;
  const classIndex = new Map(ds.classes.map((c, k) => [c, k]));
  const ap: Record<string, Record<Ranking, number>> = {};
  for (const run of ['toutiao20k-asym20', 'toutiao20k-uniform20']) {
    const noise = new Table('noise.csv', readFileSync(join(SHARED, 'peer', 'noise', `${run}.csv`)));
    const labels = Int32Array.from(ds.labels);
    const truth = new Uint8Array(ds.rowCount);
    for (let i = 0; i < noise.rowCount; i++) {
      const [id, noisy, isError] = noise.row(i);
      if (isError === '1') { const r = ds.rowOf(id)!; truth[r] = 1; labels[r] = classIndex.get(noisy)!; }
    }
    const targets = new Float32Array(labels.length * K);
    labels.forEach((y, i) => { targets[i * K + y] = 1; });
    const { probs } = naiveBayesPart({ text: prep.base.text!, classes: K, labels, targets }, [stratifiedFolds(labels, K, 5, 1)]);
    ap[run] = {} as Record<Ranking, number>;
    for (const r of ['noise-posterior', 'odds', 'self-confidence', 'margin'] as Ranking[]) ap[run][r] = averagePrecision(scoreConsensus({ K, labels }, probs, r).suspicion, truth);
  }
  const pair = ap['toutiao20k-asym20'], uni = ap['toutiao20k-uniform20'];
  const msg = JSON.stringify(ap);
  assert.ok(pair['noise-posterior'] > pair.odds + 0.05 && pair['noise-posterior'] > pair.margin + 0.03 && pair['noise-posterior'] > pair['self-confidence'] + 0.1, msg);
  assert.ok(uni['noise-posterior'] >= uni.odds - 0.002 && uni['noise-posterior'] >= uni['self-confidence'] - 0.005, msg);
  assert.equal(scoreConsensus({ K: 2, labels: Int32Array.from([0]) }, Float32Array.from([0.5, 0.5])).ranking, 'noise-posterior');
});
