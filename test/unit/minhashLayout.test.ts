/**
 * The MinHash search with its band keys row by row (core/duplicates/minhash) against the band-major
 * search it replaced (test/fixtures/referenceUniteNear): on real text with near copies, the same
 * pairs united (the same union-find), the same candidates, sketch checks and pairs counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDataset } from '../../src/core/table/dataset';
import { UnionFind } from '../../src/core/duplicates/groups';
import { uniteNear } from '../../src/core/duplicates/minhash';
import { textNgrams } from '../../src/engine/duplicates';
import { referenceUniteNear } from '../fixtures/referenceUniteNear';
import { Random } from '../../src/core/random';
import { dataset } from '../helpers';

test('MinHash with row-major band keys unites the pairs the band-major search united, with the same counts', () => {
  const ds = openDataset(dataset('toutiao_news_38k'));
  const rng = new Random(4);
  // 12,000 titles, and 3,000 of them again with a word or two changed or added: near copies of every degree.
  const base = Array.from({ length: 12_000 }, (_, i) => ds.table.cell(i, ds.roles.text!));
  const words = ['新闻', '今天', '视频', '图片', '最新', '消息'];
  const texts = [...base, ...Array.from({ length: 3000 }, () => {
    const t = base[rng.int(base.length)];
    const cut = rng.int(Math.max(1, t.length));
    return rng.next() < 0.5 ? t.slice(0, cut) + words[rng.int(words.length)] + t.slice(cut) : t + words[rng.int(words.length)];
  })];
  const rows = Int32Array.from(texts, (_, i) => i);
  const features = (i: number, out: (h: number) => void) => textNgrams(texts[i], out);
  for (const threshold of [0.5, 0.8]) {
    const a = new UnionFind(texts.length), b = new UnionFind(texts.length);
    const na = new Uint8Array(texts.length), nb = new Uint8Array(texts.length);
    const got = uniteNear(rows, features, a, na, { threshold, seed: 1 });
    const want = referenceUniteNear(rows, features, b, nb, { threshold, seed: 1 });
    assert.deepEqual(got, want, `stats at ${threshold}`);
    assert.ok(want.pairs > 1000 && want.candidates > want.verified, `near copies found at ${threshold}: ${JSON.stringify(want)}`);
    assert.deepEqual(a.parent, b.parent);
    assert.deepEqual(na, nb);
  }
});
