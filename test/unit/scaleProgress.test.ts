/** Progress from the long loops of a large analysis: duplicates (exact, MinHash, bands) and a fastText epoch. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDataset } from '../../src/core/table/dataset';
import { textDuplicates, DEFAULT_DUPLICATES } from '../../src/engine/duplicates';
import { hashTexts } from '../../src/engine/featurize/text';
import { FastText } from '../../src/engine/models/fasttext';
import { ROWS_PER_TICK } from '../../src/engine/models/types';
import { dataset } from '../helpers';

const toutiao = openDataset(dataset('toutiao_news_38k'));
const texts = Array.from({ length: toutiao.rowCount }, (_, i) => toutiao.table.cell(i, toutiao.roles.text!));

test('duplicates tick as they go: increasing fractions in [0, 1), at least one per 16,384 rows in each pass, the same groups as without', () => {
  const ticks: number[] = [];
  const r = textDuplicates(texts.length, (i) => texts[i], DEFAULT_DUPLICATES, undefined, (f) => ticks.push(f));
  const n = texts.length;
  assert.ok(ticks.length >= 2 * Math.floor(n / 16384) + (r.near?.bands ?? 0), `${ticks.length} ticks for ${n} rows and ${r.near?.bands} bands`);
  for (let i = 0; i < ticks.length; i++) assert.ok(ticks[i] >= 0 && ticks[i] < 1 && (i === 0 || ticks[i] > ticks[i - 1]), `tick ${i}: ${ticks[i]}`);
  assert.deepEqual(r.groups.group, textDuplicates(n, (i) => texts[i], DEFAULT_DUPLICATES).groups.group);
});

test('naive Bayes ticks as it goes: increasing fractions in (0, 1], one per 65,536 rows of work, the same posteriors as without', async () => {
  const { naiveBayesPart } = await import('../../src/engine/models/naiveBayes');
  const { stratifiedFolds } = await import('../../src/engine/crossval');
  const x = hashTexts((i) => texts[i], texts.length);
  const K = toutiao.classes.length;
  const labels = toutiao.labels.slice();
  const targets = new Float32Array(labels.length * K);
  labels.forEach((y, i) => { if (y >= 0) targets[i * K + y] = 1; });
  const splits = [stratifiedFolds(labels, K, 5, 1), stratifiedFolds(labels, K, 5, 2)];
  const ticks: number[] = [];
  const withTicks = naiveBayesPart({ text: x, classes: K, labels, targets, tick: (f) => ticks.push(f) }, splits);
  const work = labels.length * (1 + 3 * splits.length);
  assert.ok(ticks.length >= Math.floor(work / 65536) - 1, `${ticks.length} ticks for ${work} rows of work`);
  for (let i = 0; i < ticks.length; i++) assert.ok(ticks[i] > 0 && ticks[i] <= 1 && (i === 0 || ticks[i] > ticks[i - 1]), `tick ${i}: ${ticks[i]}`);
  assert.deepEqual(withTicks.probs, naiveBayesPart({ text: x, classes: K, labels, targets }, splits).probs);
});

test('a fastText epoch reports the rows done every ROWS_PER_TICK rows', () => {
  const x = hashTexts((i) => texts[i], texts.length);
  const m = new FastText({ dim: 8, classes: toutiao.classes.length, features: x.features, lr: 0.02, tokenDropout: 0.5, piDropout: 0.5, teacherAlpha: 0, initScale: 0.1, wideBuckets: 1 << 12, wideLr: 0.5, seed: 1 }, x);
  const P = 2 * ROWS_PER_TICK + 100;
  const rows = Int32Array.from({ length: P }, (_, i) => i % texts.length);
  const K = toutiao.classes.length;
  const targets = new Float32Array(P * K);
  const classOf = Int32Array.from(rows, (r) => toutiao.labels[r]);
  classOf.forEach((c, j) => { targets[j * K + c] = 1; });
  const done: number[] = [];
  m.trainEpoch({ rows, order: Int32Array.from({ length: P }, (_, i) => i), targets, classOf, focalGamma: 0, consistencyWeight: 0, stepOffset: 0, totalSteps: P, onRows: (d) => done.push(d) });
  assert.deepEqual(done, [ROWS_PER_TICK, 2 * ROWS_PER_TICK]);
});

test('outlier scores tick per slice of 65,536 rows and equal the scores computed in one piece', async () => {
  const { outlierScores, cosineKnn, sampleRows, unitRows } = await import('../../src/engine/neighbours');
  const { Random } = await import('../../src/core/random');
  const n = 70_000, dim = 6, rng = new Random(5);
  const x = unitRows(Float32Array.from({ length: n * dim }, () => rng.normal()), dim);
  const ticks: number[] = [];
  const s = outlierScores(x, dim, { k: 5, reference: 200, seed: 2, tick: (f) => ticks.push(f) });
  assert.deepEqual(ticks, [0, 65_536 / n]);
  const knn = cosineKnn(x, dim, { k: 5, reference: sampleRows(n, 200, 2) });
  for (const q of [0, 65_535, 65_536, n - 1]) {
    let sum = 0;
    for (let j = 0; j < 5; j++) sum += 1 - knn.similarity[q * 5 + j];
    assert.equal(s[q], Math.fround(Math.min(1, Math.max(0, sum / 5))), `row ${q}`);
  }
  // Raw rows normalised a slice at a time (no unit copy of every row): the same scores, bit for bit,
  // reference rows in every slice included (they are not their own neighbours either way).
  const raw = Float32Array.from(x, (v, i) => v * (1 + (i % 7)));
  assert.deepEqual(outlierScores(raw, dim, { k: 5, reference: 200, seed: 2, normalize: true }), outlierScores(unitRows(raw, dim), dim, { k: 5, reference: 200, seed: 2 }));
});

test('the end of a fold reports each pass over its held-out rows (teacher, every Π pass, representation) after the last epoch', async () => {
  const { trainFold } = await import('../../src/engine/trainFold');
  const { stratifiedFolds } = await import('../../src/engine/crossval');
  const { resolveOptions } = await import('../../src/engine/phases');
  const { factoryFor } = await import('../../src/engine/models/factories');
  const n = 3000, K = toutiao.classes.length;
  const labels = toutiao.labels.slice(0, n);
  const x = hashTexts((i) => texts[i], n);
  const options = { ...resolveOptions({ epochs: 2, seed: 4 }), piPasses: 3 };
  const targets = new Float32Array(n * K);
  for (let i = 0; i < n; i++) targets[i * K + labels[i]] = 1;
  const input = { fold: 0, repeat: 0, classes: K, labels, foldOf: stratifiedFolds(labels, K, options.folds, options.seed), targets, text: x, options };
  const { factory } = await factoryFor('text', input);
  const stages: string[] = [];
  const out = await trainFold(input, factory, (p) => { if (p.stage) { assert.equal(p.epoch, p.epochs); stages.push(p.stage); } });
  const H = out.held.length;
  assert.deepEqual(stages, [
    `teacher predictions of ${H} held-out rows`, ...[1, 2, 3].map((t) => `Π pass ${t}/3 over ${H} held-out rows`), `representation of ${H} held-out rows`,
  ]);
});
