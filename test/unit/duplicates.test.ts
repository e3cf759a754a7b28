/** Duplicate groups on the shared datasets: exact counts, injected near copies, determinism, conflicts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDataset } from '../../src/core/table/dataset';
import { normalizeText } from '../../src/core/duplicates/normalize';
import { conflictReason, findConflicts } from '../../src/core/duplicates/groups';
import { bandsFor } from '../../src/core/duplicates/minhash';
import { textDuplicates, DEFAULT_DUPLICATES, denseDuplicates } from '../../src/engine/duplicates';
import { injectNearCopies } from '../nearCopies';
import { dataset } from '../helpers';

function texts(name: string) {
  const ds = openDataset(dataset(name));
  return { ds, texts: Array.from({ length: ds.rowCount }, (_, i) => ds.table.cell(i, ds.roles.text!)), labels: Array.from({ length: ds.rowCount }, (_, i) => ds.labelName(i)) };
}

test('normalisation: NFKC (full-width forms, ideographic space), format characters, case, whitespace', () => {
  assert.equal(normalizeText('ＡＢＣ\u3000１２３'), 'abc 123');
  assert.equal(normalizeText('  Hello\u200b  World\r\n\t!  '), 'hello world !');
  assert.equal(normalizeText('ﬁne Café'), normalizeText('fine Cafe\u0301'));
  assert.equal(normalizeText('体育，新闻'), '体育,新闻');
  assert.notEqual(normalizeText('a, b'), normalizeText('a b'), 'punctuation is kept');
});

for (const name of ['sms_spam', 'toutiao_news_20k']) {
  test(`${name}: exact duplicate count matches an independent count`, () => {
    const { texts: t } = texts(name);
    // Independent: a set of strings normalised another way (NFKC, no Cf, lower case, split on whitespace).
    const norm = (s: string) => s.normalize('NFKC').replace(/[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]/g, '').toLowerCase().split(/\s+/).filter(Boolean).join(' ');
    const seen = new Set<string>();
    let repeats = 0;
    let raw = 0;
    const rawSeen = new Set<string>();
    for (const s of t) {
      const k = norm(s);
      if (k !== '') { if (seen.has(k)) repeats++; else seen.add(k); }
      if (rawSeen.has(s)) raw++; else rawSeen.add(s);
    }
    const r = textDuplicates(t.length, (i) => t[i], { ...DEFAULT_DUPLICATES, jaccard: 1 });
    console.log(`${name}: ${repeats} repeats after normalisation, ${raw} raw`);
    assert.equal(r.exactRepeats, repeats);
    assert.ok(repeats >= raw, 'normalisation only adds duplicates');
    // Every exact group's members normalise to one text, and the group count is the distinct texts that repeat.
    const distinctRepeated = new Set(t.map(norm).filter((k, i, a) => k !== '' && a.indexOf(k) !== i));
    assert.equal(r.groups.count, distinctRepeated.size);
    for (let g = 0; g < r.groups.count; g++) {
      const m = [...r.groups.members(g)];
      assert.ok(m.length >= 2);
      assert.ok(m.every((i) => norm(t[i]) === norm(t[m[0]])));
    }
    if (name === 'sms_spam') assert.equal(raw, 403, 'the dataset README counts 403 exact repeats');
  });
}

for (const [name, count] of [['ag_news_test', 300], ['toutiao_news_20k', 300]] as const) {
  test(`${name}: injected near copies with conflicting labels are found (precision and recall ≥ 0.95)`, () => {
    const { ds, texts: t, labels } = texts(name);
    const inj = injectNearCopies(t, labels, ds.classes, count, 11);
    const before = textDuplicates(t.length, (i) => t[i]);
    const after = textDuplicates(inj.texts.length, (i) => inj.texts[i]);
    const g = after.groups.group;
    let found = 0;
    const correct = new Set<number>();
    for (const [copy, src] of inj.source) {
      if (g[copy] >= 0 && g[copy] === g[src]) { found++; correct.add(copy); correct.add(src); }
    }
    // Rows newly in a group: each is right when it is a found copy or the source of one.
    let fresh = 0, right = 0;
    for (let i = 0; i < inj.texts.length; i++) {
      if (g[i] < 0 || (i < t.length && before.groups.group[i] >= 0)) continue;
      fresh++;
      if (correct.has(i)) right++;
    }
    const recall = found / count, precision = right / fresh;
    console.log(`${name}: recall ${recall.toFixed(3)}, precision ${precision.toFixed(3)} (${right}/${fresh})`);
    assert.ok(recall >= 0.95, `recall ${recall}`);
    assert.ok(precision >= 0.95, `precision ${precision} (${right}/${fresh})`);
    // The copies carry another label than their source: each is a conflict.
    const labelIdx = Int32Array.from(inj.labels, (l) => ds.classes.indexOf(l));
    const conflicts = findConflicts(after.groups, labelIdx);
    const inConflict = new Set(conflicts.map((c) => c.group));
    assert.ok([...inj.source.keys()].filter((c) => inConflict.has(g[c])).length >= 0.95 * count);
  });
}

test('near duplicates are deterministic for a seed', () => {
  const { texts: t } = texts('toutiao_news_20k');
  const a = textDuplicates(t.length, (i) => t[i]);
  const b = textDuplicates(t.length, (i) => t[i]);
  assert.deepEqual(a.groups.group, b.groups.group);
  assert.ok(a.near && a.near.pairs > 0, 'toutiao has natural near duplicates');
});

test('bands: a pair at the threshold is a candidate with probability ≥ 0.98', () => {
  for (const t of [0.3, 0.5, 0.7, 0.9]) {
    const { bands, rows } = bandsFor(t, 128);
    assert.ok(1 - (1 - t ** rows) ** bands >= 0.98);
    assert.ok(bands * rows <= 128);
  }
});

test('conflicts: reason lists the labels by class; suggestion is the model-weighted vote, a tie suggests nothing', () => {
  const t = ['Stocks fall', 'stocks  FALL', 'Ｓｔｏｃｋｓ fall', 'Goal!', 'goal!', 'other'];
  const r = textDuplicates(t.length, (i) => t[i], { ...DEFAULT_DUPLICATES, jaccard: 1 });
  assert.equal(r.groups.count, 2);
  const classes = ['business', 'sports'];
  const labels = Int32Array.from([0, 1, 1, 1, 0, 0]);
  const c = findConflicts(r.groups, labels);
  assert.equal(c.length, 2);
  assert.equal(conflictReason(c[0], classes), '3 identical texts: business ×1, sports ×2');
  assert.equal(c[0].suggested, 1);
  assert.equal(c[1].suggested, -1);
  // The model believes business for group 0 strongly: 0.9 > 2 × 0.1.
  const p = (row: number, k: number) => (row < 3 ? (k === 0 ? 0.9 : 0.1) : 0.5);
  assert.equal(findConflicts(r.groups, labels, p)[0].suggested, 0);
});

test('dense rows: identical vectors are exact copies, cosine ≥ 0.99 near ones, others apart', () => {
  const x = Float32Array.from([1, 0, 0, 1, 0, 0, 0.999, 0.02, 0, 0, 1, 0, 0, 0, 1]);
  const r = denseDuplicates(x, 3);
  assert.equal(r.exactRepeats, 1);
  assert.deepEqual([...r.groups.group], [0, 0, 0, -1, -1]);
  assert.deepEqual([...r.groups.kind], [1, 1, 2, 0, 0]);
});
