/**
 * The text features' layout (feature ids by frequency, shared memory) and the fast fastText trainer
 * against the plain versions they replaced (test/fixtures/reference*): the same features, and
 * through trainFold the same out-of-fold signals bit for bit, on real rows of the shared datasets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDataset } from '../../src/core/table/dataset';
import { DEFAULT_TEXT_FEATURES, hashTexts, hashTextsAsync, type SparseRows } from '../../src/engine/featurize/text';
import { FastText } from '../../src/engine/models/fasttext';
import { trainFold, type FoldInput } from '../../src/engine/trainFold';
import { stratifiedFolds } from '../../src/engine/crossval';
import { resolveOptions } from '../../src/engine/phases';
import type { ModelFactory } from '../../src/engine/models/types';
import * as reference from '../fixtures/referenceTextFeatures';
import { ReferenceFastText, type BucketRows } from '../fixtures/referenceFastText';
import { dataset } from '../helpers';

function texts(name: string, n: number): { texts: string[]; labels: Int32Array; classes: number } {
  const ds = openDataset(dataset(name));
  const m = Math.min(n, ds.rowCount);
  return { texts: Array.from({ length: m }, (_, i) => ds.table.cell(i, ds.roles.text!)), labels: ds.labels.slice(0, m), classes: ds.classes.length };
}

/** The new rows in the old layout: each feature id back to its bucket, IDF per bucket. */
function bucketRows(x: SparseRows): BucketRows {
  const idf = x.idf ? new Float32Array(x.buckets) : undefined;
  if (idf) for (let f = 0; f < x.features; f++) idf[x.bucket[f]] = x.idf![f];
  return { indptr: x.indptr, indices: x.indices.map((f) => x.bucket[f]), rows: x.rows, buckets: x.buckets, idf };
}

test('text features: feature ids number the buckets by frequency, rows keep their features in order, IDF as before (real rows, three languages)', async () => {
  for (const [name, n] of [['toutiao_news_20k', 4000], ['ag_news_test', 2000], ['sms_spam', 2000], ['clue_iflytek_fewclue', 500]] as const) {
    const { texts: t } = texts(name, n);
    const old = reference.hashTexts((i) => t[i], t.length);
    const x = hashTexts((i) => t[i], t.length);
    assert.deepEqual(Array.from(x.indptr), Array.from(old.indptr), `${name}: features per row`);
    const asBuckets = bucketRows(x);
    assert.deepEqual(Array.from(asBuckets.indices), Array.from(old.indices), `${name}: the same buckets in the same order`);
    const used = new Set(old.indices);
    assert.equal(x.features, used.size, `${name}: one feature id per bucket used`);
    for (const b of used) assert.equal(asBuckets.idf![b], old.idf![b], `${name}: IDF of bucket ${b}`);
    const count = new Uint32Array(x.features);
    for (const f of x.indices) count[f]++;
    for (let f = 1; f < x.features; f++) {
      assert.ok(count[f - 1] > count[f] || (count[f - 1] === count[f] && x.bucket[f - 1] < x.bucket[f]), `${name}: feature ${f} out of frequency order`);
    }
    assert.ok(x.indices.buffer instanceof SharedArrayBuffer && x.idf!.buffer instanceof SharedArrayBuffer, 'shared with fold workers, not copied');
    const sliced = await hashTextsAsync((i) => t[i], t.length, DEFAULT_TEXT_FEATURES, { slice: 333 });
    assert.deepEqual([Array.from(sliced.indices), Array.from(sliced.bucket)], [Array.from(x.indices), Array.from(x.bucket)], `${name}: the sliced (cancellable) hashing gives the same rows`);
  }
});

test('hashTextsAsync reports progress after every slice and stops when check throws', async () => {
  const { texts: t } = texts('ag_news_test', 1000);
  const seen: number[] = [];
  await hashTextsAsync((i) => t[i], t.length, DEFAULT_TEXT_FEATURES, { slice: 300, onProgress: (d) => seen.push(d) });
  assert.deepEqual(seen, [300, 600, 900, 1000]);
  let calls = 0;
  await assert.rejects(hashTextsAsync((i) => t[i], t.length, DEFAULT_TEXT_FEATURES, { slice: 300, check: () => { if (++calls === 2) throw new Error('cancelled'); } }), /cancelled/);
  assert.equal(calls, 2, 'stopped at the first check that threw');
});

test('fastText: the fast trainer gives the reference trainer\'s out-of-fold signals bit for bit (toutiao subsample, fixed seed)', async () => {
  const { texts: t, labels, classes: K } = texts('toutiao_news_20k', 3000);
  const x = hashTexts((i) => t[i], t.length);
  const old = bucketRows(x);
  const options = { ...resolveOptions({ epochs: 3, seed: 7 }), piPasses: 3 };
  const targets = new Float32Array(t.length * K);
  for (let i = 0; i < t.length; i++) targets[i * K + labels[i]] = 1;
  const input: FoldInput = { fold: 1, repeat: 0, classes: K, labels, foldOf: stratifiedFolds(labels, K, options.folds, options.seed), targets, text: x, options };
  // Three settings: the text model's (dim 8, teacher, power-of-two wide table), another dimension
  // without a teacher, and a wide table whose size is not a power of two.
  for (const [dim, teacherAlpha, wideBuckets] of [[8, 0.999, 1 << 18], [5, 0, 1 << 12], [8, 0.99, 1000]] as const) {
    const cfg = { dim, classes: K, lr: 0.02, tokenDropout: 0.5, piDropout: 0.5, teacherAlpha, initScale: 0.1, wideBuckets, wideLr: 0.5 };
    const fast: ModelFactory = async (_, __, seed) => new FastText({ ...cfg, features: x.features, seed }, x);
    const ref: ModelFactory = async (_, __, seed) => new ReferenceFastText({ ...cfg, buckets: x.buckets, seed }, old);
    const a = await trainFold(input, fast);
    const b = await trainFold(input, ref);
    const what = `dim ${dim}, teacher ${teacherAlpha}, wide ${wideBuckets}`;
    for (const k of ['student', 'ema', 'pi', 'history', 'piSpread', 'piDisagree', 'flips'] as const) assert.deepEqual(a[k], b[k], `${what}: ${k}`);
    assert.deepEqual(a.teacher, b.teacher, `${what}: teacher`);
    assert.deepEqual(a.epochLoss, b.epochLoss, `${what}: loss per epoch`);
    assert.ok(a.epochAccuracy[2] > 0.3, `${what}: it learns, far above chance (1/15; held-out accuracy ${a.epochAccuracy[2]})`);
  }
});
