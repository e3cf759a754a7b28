/**
 * Bring your own model, as a user runs it: probabilities from another model analyzed end to end,
 * exported probabilities that reproduce a run exactly, validation errors through the CLI, and
 * embeddings from a pretrained encoder (a tiny one the test writes) learned from and cached.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SHARED_PEER, dataset, tempDir } from '../helpers';
import { readArrays, type Summary } from '../../src/core/results';
import { openDataset } from '../../src/core/table/dataset';
import { quoteIfNeeded } from '../../src/core/table/csv';
import { Table } from '../../src/core/table/table';
import { Random } from '../../src/core/random';
import { averagePrecision } from '../../src/core/signals/metrics';
import { predictionTargetOf } from '../../src/core/predictions/read';
import { formatPredictions } from '../../src/core/predictions/write';
import { logisticRegressionOof } from '../fixtures/logreg';
import { writeTinyEncoder } from '../fixtures/tinyEncoder';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/label-lens.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The first `n` rows of ag_news with the peer's 20% uniform noise applied; truth = flipped rows. */
function noisyAgNews(dir: string, n: number): { file: string; truth: Uint8Array; texts: string[] } {
  const src = openDataset(dataset('ag_news_test'));
  const noise = new Table('noise.csv', readFileSync(join(SHARED_PEER, 'noise', 'ag_news-uniform20.csv')));
  const noisy = new Map<string, string>();
  for (let i = 0; i < noise.rowCount; i++) { const [id, label, err] = noise.row(i); if (err === '1') noisy.set(id, label); }
  const truth = new Uint8Array(n);
  const texts: string[] = [];
  const lines = ['id,text,label'];
  for (let i = 0; i < n; i++) {
    const [id, text, label] = src.table.row(i);
    if (noisy.has(id)) truth[i] = 1;
    texts.push(text);
    lines.push([id, quoteIfNeeded(text, ',', false), noisy.get(id) ?? label].join(','));
  }
  const file = join(dir, 'ag.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return { file, truth, texts };
}

function run(out: string) {
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  return { summary, arrays: readArrays(join(out, 'arrays.bin'), summary.arrays) };
}

/** Row order by suspicion, most suspicious first (labeled rows). */
const ranking = (s: Float32Array) => Array.from(s.keys()).filter((i) => !Number.isNaN(s[i])).sort((a, b) => s[b] - s[a] || a - b);

test('exported probabilities reproduce the run with the default options: same suspicion, flags, suggestions and ranking, in every format', (t) => {
  const dir = tempDir(t);
  const { file } = noisyAgNews(dir, 800);
  // Every option at its default: Π-model passes, two repeats, five folds.
  const a = cli('analyze', file, '--out', join(dir, 'ours'), '-q');
  assert.equal(a.code, 0, a.err);
  const ours = run(join(dir, 'ours'));
  assert.ok(ours.summary.piPasses > 0, 'the run had Π-model passes');
  for (const ext of ['csv', 'tsv', 'jsonl', 'npy']) {
    const probs = join(dir, `probs.${ext}`);
    const e = cli('export', file, '--pred-probs', probs, '--results', join(dir, 'ours'));
    assert.equal(e.code, 0, e.err);
    assert.match(e.out, new RegExp(`probs\\.${ext}: out-of-fold probabilities of 800 rows × 4 classes`));
    const g = cli('analyze', file, '--pred-probs', probs, '--out', join(dir, `given-${ext}`), '-q');
    assert.equal(g.code, 0, g.err);
    assert.match(g.out, new RegExp(`probabilities: given in .*probs\\.${ext} \\(${ext.toUpperCase()}\\); no model trained`));
    const given = run(join(dir, `given-${ext}`));
    assert.equal(given.summary.probabilities?.kind, 'given');
    assert.equal(given.summary.model, `given probabilities (probs.${ext})`);
    assert.deepEqual(given.arrays.consensus, ours.arrays.consensus, ext);
    assert.deepEqual(given.arrays.suspicion, ours.arrays.suspicion, ext);
    assert.deepEqual(given.arrays.flagged, ours.arrays.flagged, ext);
    assert.deepEqual(given.arrays.suggested, ours.arrays.suggested, ext);
    assert.deepEqual(ranking(given.arrays.suspicion), ranking(ours.arrays.suspicion), ext);
    assert.deepEqual(given.summary.topSuspects.map((s) => s.id), ours.summary.topSuspects.map((s) => s.id));
  }
  // The CSV is what pandas and cleanlab read: the header names the id column and the classes.
  assert.equal(readFileSync(join(dir, 'probs.csv'), 'utf8').split('\n')[0], 'id,Business,Sci/Tech,Sports,World');
});

test('probabilities from another model (logistic regression) analyzed end to end on ag_news; --ensemble adds ours', (t) => {
  const dir = tempDir(t);
  const { file, truth, texts } = noisyAgNews(dir, 2000);
  const ds = openDataset(file);
  const K = ds.classes.length;
  const probs = logisticRegressionOof(texts, ds.labels, K);
  const path = join(dir, 'logreg.csv');
  writeFileSync(path, formatPredictions({ ...predictionTargetOf(ds), idColumn: 'id', probs }, 'csv'));
  const g = cli('analyze', file, '--pred-probs', path, '--out', join(dir, 'given'));
  assert.equal(g.code, 0, g.err);
  assert.doesNotMatch(g.err, /train:/, 'no training');
  const given = run(join(dir, 'given'));
  const apGiven = averagePrecision(given.arrays.suspicion, truth);
  // 20% of the labels are wrong: a ranking by chance has AP ≈ 0.2.
  assert.ok(apGiven > 0.45, `AP from the logistic regression ${apGiven}`);
  assert.ok(given.summary.flagged > 100 && given.summary.flagged < 700, `flagged ${given.summary.flagged}`);
  // Suggestions come from the given probabilities: the argmax of each row.
  const sug = given.arrays.suggested;
  for (const i of [0, 17, 999]) assert.equal(sug[i], probs.subarray(i * K, i * K + K).indexOf(Math.max(...probs.subarray(i * K, i * K + K))));
  // Soft labels in rows.csv are the given probabilities.
  const row1 = readFileSync(join(dir, 'given', 'rows.csv'), 'utf8').split('\n')[1];
  assert.match(row1, new RegExp(`"\\{""${ds.classes[sug[0]].replace('/', '\\/')}"":`));

  const e = cli('analyze', file, '--pred-probs', path, '--ensemble', '--folds', '3', '--epochs', '6', '--out', join(dir, 'ensemble'), '-q');
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /probabilities: our out-of-fold predictions averaged with .*logreg\.csv \(CSV\)/);
  const ens = run(join(dir, 'ensemble'));
  assert.equal(ens.summary.probabilities?.kind, 'ensemble');
  assert.match(ens.summary.model ?? '', /^fasttext \+ given probabilities \(logreg\.csv\)$/);
  const apEns = averagePrecision(ens.arrays.suspicion, truth);
  assert.ok(apEns > 0.45, `AP of the ensemble ${apEns}`);
  t.diagnostic(`AP: logistic regression ${apGiven.toFixed(3)}, ensemble with ours ${apEns.toFixed(3)} (2000 ag_news rows, 20% uniform noise)`);
});

test('a bad probabilities file is a data error (exit 1) that names the line; --normalize is offered and works', (t) => {
  const dir = tempDir(t);
  const { file } = noisyAgNews(dir, 100);
  const ds = openDataset(file);
  const K = ds.classes.length;
  const scores = new Float32Array(ds.rowCount * K).map((_, j) => 1 + (j % 3));
  const path = join(dir, 'scores.csv');
  writeFileSync(path, formatPredictions({ ...predictionTargetOf(ds), idColumn: 'id', probs: scores }, 'csv'));
  const bad = cli('analyze', file, '--pred-probs', path, '--out', join(dir, 'x'), '-q');
  assert.equal(bad.code, 1, bad.err);
  assert.match(bad.err, /scores\.csv: 100 problems in the predicted probabilities:\n {2}line 2: the probabilities sum to \d+: expected 1 ± 0\.001/);
  assert.match(bad.err, /pass --normalize/);
  const ok = cli('analyze', file, '--pred-probs', path, '--normalize', '--out', join(dir, 'y'), '-q');
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /100 rows divided by their sum \(--normalize\)/);
  const usage = cli('analyze', file, '--ensemble', '--out', join(dir, 'z'));
  assert.equal(usage.code, 2);
  assert.match(usage.err, /--ensemble goes with --pred-probs FILE/);
  const none = cli('export', file, '--pred-probs', join(dir, 'p.csv'), '--results', join(dir, 'nothing'));
  assert.equal(none.code, 1);
  assert.match(none.err, /no analysis in .*nothing; run "label-lens analyze/);
});

test('--encoder: a generated model embeds the text, the dense model and k-NN agreement learn from it, the second run reads the cache', (t) => {
  const dir = tempDir(t);
  const { file, texts, truth } = noisyAgNews(dir, 1200);
  const model = writeTinyEncoder(join(dir, 'tiny'), { words: texts.flatMap((x) => x.toLowerCase().match(/[a-z]+/g) ?? []), dim: 64 }).dir;
  const a = cli('analyze', file, '--encoder', model, '--folds', '3', '--out', join(dir, 'enc'));
  assert.equal(a.code, 0, a.err);
  assert.equal(readdirSync(join(dir, '.label-lens', 'embeddings')).filter((f) => f.endsWith('.npy')).length, 1, 'cached beside the data');
  assert.match(a.out, /embedding data, logreg on typescript/);
  assert.match(a.out, /embeddings: encoder .*tiny, 64 dimensions \(encoded in [\d.]+ s\); k-NN label agreement \(10 neighbours\) in the consensus/);
  const first = run(join(dir, 'enc'));
  assert.equal(first.summary.probabilities?.embeddings?.dim, 64);
  assert.equal(first.summary.dataKind, 'embedding');
  // Mean-pooled random word vectors are a random projection of the bag of words: weak, but they
  // carry the topic, so accuracy and AP are above chance (25% accuracy, AP 0.2 at 20% noise).
  const ap = averagePrecision(first.arrays.suspicion, truth);
  t.diagnostic(`tiny encoder: OOF accuracy ${first.summary.oofAccuracy.toFixed(3)}, AP ${ap.toFixed(3)}`);
  assert.ok(first.summary.oofAccuracy > 0.33, `OOF accuracy ${first.summary.oofAccuracy}`);
  assert.ok(ap > 0.25, `AP ${ap}`);
  const b = cli('analyze', file, '--encoder', model, '--folds', '3', '--out', join(dir, 'enc2'));
  assert.equal(b.code, 0, b.err);
  assert.match(b.out, /64 dimensions \(read from the cache\)/);
  // The logistic regression and the MLP averaged (--embedding-model), on the same embeddings.
  const l = cli('analyze', file, '--encoder', model, '--folds', '3', '--embedding-model', 'logreg+mlp', '--out', join(dir, 'enc-both'));
  assert.equal(l.code, 0, l.err);
  assert.match(l.out, /embedding data, logreg\+mlp on \w+/);
  const both = run(join(dir, 'enc-both'));
  assert.ok(averagePrecision(both.arrays.suspicion, truth) > 0.25, 'AP above chance');
  const nf = cli('analyze', file, '--encoder', join(dir, 'no-such-model'), '--out', join(dir, 'nf'), '-q');
  assert.equal(nf.code, 1);
  assert.match(nf.err, /no such folder/);
});

test('duplicates use the embeddings: texts whose words were shuffled (n-gram Jaccard below the threshold) are grouped by embedding cosine, their label conflicts found', (t) => {
  const dir = tempDir(t);
  const src = openDataset(dataset('ag_news_test'));
  const rng = new Random(5);
  const lines = ['id,text,label'];
  const sources = new Map<number, number>();
  const n = 400;
  for (let i = 0; i < n; i++) { const [id, text, label] = src.table.row(i); lines.push([id, quoteIfNeeded(text, ',', false), label].join(',')); }
  // 20 rows repeat an earlier row with its words shuffled: the same bag of words, other bigrams. Half keep the label, half carry another.
  for (let c = 0; c < 20; c++) {
    const s = c * 17;
    const [id, text, label] = src.table.row(s);
    const words = text.split(' ');
    rng.shuffle(words);
    const other = src.classes[(src.classes.indexOf(label) + 1) % src.classes.length];
    lines.push([`${id}-shuffled`, quoteIfNeeded(words.join(' '), ',', false), c % 2 ? other : label].join(','));
    sources.set(n + c, s);
  }
  const file = join(dir, 'shuffled.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  const texts = Array.from({ length: n }, (_, i) => src.table.cell(i, src.roles.text!));
  const model = writeTinyEncoder(join(dir, 'tiny'), { words: texts.flatMap((x) => x.toLowerCase().match(/[a-z]+/g) ?? []), dim: 64 }).dir;
  const grouped = (arrays: ReturnType<typeof run>['arrays']) => [...sources].filter(([c, s]) => arrays.duplicateGroup![c] >= 0 && arrays.duplicateGroup![c] === arrays.duplicateGroup![s]).length;

  // The text alone (MinHash over word 1–2-grams at Jaccard 0.5) does not see them.
  const plain = cli('analyze', file, '--folds', '3', '--epochs', '6', '--out', join(dir, 'text'), '-q');
  assert.equal(plain.code, 0, plain.err);
  const byText = run(join(dir, 'text'));
  assert.ok(grouped(byText.arrays) <= 2, `the text grouped ${grouped(byText.arrays)} of the 20`);
  assert.equal(byText.summary.duplicates?.embeddingPairs, undefined);

  const a = cli('analyze', file, '--encoder', model, '--folds', '3', '--out', join(dir, 'emb'));
  assert.equal(a.code, 0, a.err);
  const byEmb = run(join(dir, 'emb'));
  assert.equal(grouped(byEmb.arrays), 20, 'every shuffled copy is in its source\'s group');
  const d = byEmb.summary.duplicates!;
  assert.ok(d.embeddingPairs! >= 18 && d.embeddingPairs! <= 40, `embedding pairs ${d.embeddingPairs}`);
  assert.equal(d.cosine, 0.99);
  assert.match(a.out, /\d+ pairs by embedding cosine ≥ 0\.99/);
  // The 10 copies with another label are label conflicts.
  const conflicted = [...sources].filter(([c, s], k) => k % 2 === 1 && byEmb.arrays.conflict![c] === 1 && byEmb.arrays.conflict![s] === 1).length;
  assert.equal(conflicted, 10);
  assert.ok(d.conflicts >= 10, `conflicts ${d.conflicts}`);
});
