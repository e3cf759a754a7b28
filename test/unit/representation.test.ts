/**
 * The learned representation (engine/representation), the outliers scored in it (engine/findings)
 * and the 2-D map (engine/projection), on real text: a subsample of ag_news with Chinese news
 * (toutiao) injected, trained once for every test here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, featurize, duplicates, trainFolds } from '../../src/engine/phases';
import { inProcessRunners } from '../../src/engine/foldPool';
import { modelKindOf } from '../../src/engine/models/factories';
import { anchorRows, fitAlignment, gatherRepresentation, REPRESENTATION, representationFor, featureSketch, type Representation } from '../../src/engine/representation';
import { findOutliers } from '../../src/engine/findings';
import { outlierScores } from '../../src/engine/neighbours';
import { projectMap, pca2 } from '../../src/engine/projection';
import { auroc } from '../../src/core/signals/metrics';
import { Random } from '../../src/core/random';
import { Table } from '../../src/core/table/table';
import type { FoldOutput } from '../../src/engine/trainFold';
import { dataset, tempDir } from '../helpers';

const AG_ROWS = 3000;
const INJECTED = 30;

/** ag_news' first rows with INJECTED Chinese news rows appended (given ag_news labels); truth: 1 = injected. */
function injectedAgNews(dir: string): { file: string } {
  const ag = readFileSync(dataset('ag_news_test'), 'utf8').split('\n');
  const tt = new Table('t.csv', readFileSync(dataset('toutiao_news_20k')));
  const classes = ['Business', 'Sci/Tech', 'Sports', 'World'];
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const lines = ag.slice(0, AG_ROWS + 1).map((l) => l.replace(/\r$/, ''));
  for (let i = 0; i < INJECTED; i++) lines.push(`zh${i},${q(tt.row(i * 37)[1])},${classes[i % 4]}`);
  const file = join(dir, 'ag_injected.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return { file };
}

let trained: Promise<{ labels: Int32Array; truth: Uint8Array; rep: Representation; outputs: FoldOutput[]; text: NonNullable<Awaited<ReturnType<typeof featurize>>['prep']['base']['text']> }> | undefined;
function train(t: { after: (fn: () => void) => void }) {
  trained ??= (async () => {
    const { file } = injectedAgNews(tempDir(t));
    const l = load({ file }, { seed: 3, workers: 1, repeats: 1 }, false);
    const { prep } = await featurize(l);
    duplicates(l, prep);
    const { run } = inProcessRunners(modelKindOf(prep.kind), () => {});
    const outputs: FoldOutput[] = [];
    const cv = await trainFolds(prep, async (input) => { const o = await run(input); outputs.push(o); return o; });
    const N = l.ds.rowCount;
    const truth = Uint8Array.from({ length: N }, (_, i) => (l.ds.rowId(i).startsWith('zh') ? 1 : 0));
    return { labels: prep.base.labels, truth, rep: representationFor(prep.kind, prep.base, cv.representation, N), outputs, text: prep.base.text! };
  })();
  return trained;
}

/** Share of each row's `k` nearest rows (squared Euclidean over `dim` columns) with its label, over a sample of rows. */
function neighbourAgreement(x: Float32Array, dim: number, labels: Int32Array, k = 10): number {
  const n = labels.length;
  let agree = 0, total = 0;
  for (let i = 0; i < n; i += 5) {
    if (labels[i] < 0) continue;
    const d: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (j === i || labels[j] < 0) continue;
      let s = 0;
      for (let e = 0; e < dim; e++) s += (x[i * dim + e] - x[j * dim + e]) ** 2;
      d.push([s, j]);
    }
    d.sort((a, b) => a[0] - b[0]);
    for (const [, j] of d.slice(0, k)) { total++; if (labels[j] === labels[i]) agree++; }
  }
  return agree / total;
}

test('alignment: the least-squares map sends a linearly transformed copy back onto the original exactly', () => {
  const D = 5, n = 200;
  const r = new Random(4);
  const to = Float32Array.from({ length: n * D }, () => r.normal());
  const A = Array.from({ length: D * D }, () => r.normal());
  const from = new Float32Array(n * D);
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) { let s = 0.7 * d; for (let e = 0; e < D; e++) s += to[i * D + e] * A[e * D + d]; from[i * D + d] = s; }
  const M = fitAlignment(from, to, D);
  let err = 0;
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) {
    let s = M[D * D + d];
    for (let e = 0; e < D; e++) s += from[i * D + e] * M[e * D + d];
    err = Math.max(err, Math.abs(s - to[i * D + d]));
  }
  assert.ok(err < 1e-3, `max error ${err}`);
});

test('learned representation on ag_news: one small float32 vector per row, out of fold, folds aligned so that neighbours share labels', async (t) => {
  const { labels, rep, outputs } = await train(t);
  const N = labels.length;
  assert.equal(rep.source, 'learned');
  assert.ok(rep.x instanceof Float32Array);
  assert.equal(rep.x.length, N * rep.dim);
  assert.ok(rep.dim <= REPRESENTATION.maxDim && rep.dim === 8 + 4, `dim ${rep.dim}: fastText's 8-d bag and 4 logits`);
  assert.match(rep.description, /fastText embedding bag \+ logits, out of fold/);
  // Every labeled row came from the fold that held it out: fold outputs' held rows cover them once.
  const seen = new Uint8Array(N);
  for (const o of outputs) for (const r of o.held) seen[r]++;
  for (let i = 0; i < N; i++) if (labels[i] >= 0) assert.equal(seen[i], 1);
  for (const o of outputs) assert.equal(o.representation!.anchors.length, anchorRows(N).length * rep.dim);

  // Each fold's anchors, mapped onto fold 0's space, land nearer where fold 0 put them (R² over the
  // 8 columns of the embedding bag) than the fold's own coordinates do (its bag started from other
  // random weights; the logits columns already agree, class for class). Measured: R² about 0.1
  // aligned against −1 as it is — fastText's bag is small and the wide layer carries the model, so
  // the bag is only loosely determined by the data (docs/ARCHITECTURE.md, representation).
  const ref = outputs.find((o) => o.fold === 0)!.representation!.anchors;
  const D = rep.dim;
  const r2 = (x: Float32Array) => {
    let res = 0, tot = 0;
    const mean = new Float64Array(D);
    for (let i = 0; i < ref.length; i++) mean[i % D] += ref[i] / (ref.length / D);
    for (let i = 0; i < ref.length; i++) if (i % D < 8) { res += (x[i] - ref[i]) ** 2; tot += (ref[i] - mean[i % D]) ** 2; }
    return 1 - res / tot;
  };
  for (const o of outputs.filter((f) => f.fold > 0)) {
    const a = o.representation!.anchors;
    const M = fitAlignment(a, ref, D);
    const mapped = new Float32Array(a.length);
    for (let i = 0; i < a.length / D; i++) for (let d = 0; d < D; d++) { let s = M[D * D + d]; for (let e = 0; e < D; e++) s += a[i * D + e] * M[e * D + d]; mapped[i * D + d] = s; }
    assert.ok(r2(mapped) > 0 && r2(mapped) > r2(a) + 0.5, `fold ${o.fold}: R² aligned ${r2(mapped).toFixed(3)}, as it is ${r2(a).toFixed(3)}`);
  }
  const aligned = neighbourAgreement(rep.x, rep.dim, labels);
  // The same fold outputs gathered with each fold's space taken as it is (its anchors replaced by fold 0's: no alignment).
  const unaligned = gatherRepresentation(outputs.map((o) => ({ ...o, representation: { ...o.representation!, anchors: ref } })), N)!;
  const raw = neighbourAgreement(unaligned.x, unaligned.dim, labels);
  assert.ok(aligned > 0.65, `10-NN label agreement ${aligned.toFixed(3)} (chance 0.25)`);
  assert.ok(aligned > raw, `aligned ${aligned.toFixed(3)} vs unaligned folds ${raw.toFixed(3)}`);
});

test('text outliers on the learned representation: injected Chinese rows rank as outliers (the old IDF sketch could not tell)', async (t) => {
  const { truth, rep, text } = await train(t);
  const N = truth.length;
  const o = findOutliers(rep, 3);
  const learned = auroc(o.score, truth);
  const sketch = auroc(outlierScores(featureSketch(text, N), REPRESENTATION.sketch, { k: 10, reference: 1000, seed: 3 }), truth);
  assert.ok(learned > 0.85, `AUROC of injected rows on the learned representation ${learned.toFixed(3)}`);
  assert.ok(learned > sketch + 0.15, `learned ${learned.toFixed(3)} vs sketch ${sketch.toFixed(3)}`);
  let flagged = 0, injected = 0;
  for (let i = 0; i < N; i++) if (o.flagged[i]) { flagged++; injected += truth[i]; }
  assert.ok(flagged > 0 && flagged <= Math.ceil(N * 0.01) + 1, `${flagged} flagged`);
  // Injected rows are 1.3% of the file; among the flagged they are many times that.
  assert.ok(injected / flagged > 0.2, `${injected} of ${flagged} flagged are injected`);
});

test('map: UMAP of the learned representation is deterministic under the seed, one point per row, neighbours on the map mostly share a label', async (t) => {
  const { labels, rep } = await train(t);
  const N = labels.length;
  // A sample of 600 rows for UMAP (the rest placed by their nearest sample rows) keeps the test short.
  const a = (await projectMap(rep, 'umap', 5, undefined, undefined, 600))!;
  assert.equal(a.sample, 600);
  assert.equal(a.method, 'umap');
  assert.equal(a.x.length, N);
  assert.equal(a.y.length, N);
  assert.ok(a.x.every(Number.isFinite) && a.y.every(Number.isFinite));
  const xy = new Float32Array(N * 2);
  for (let i = 0; i < N; i++) { xy[2 * i] = a.x[i]; xy[2 * i + 1] = a.y[i]; }
  const agreement = neighbourAgreement(xy, 2, labels);
  assert.ok(agreement > 0.65, `2-D 10-NN label agreement ${agreement.toFixed(3)} (chance 0.25)`);
  const b = (await projectMap(rep, 'umap', 5, undefined, undefined, 600))!;
  assert.deepEqual(b.x, a.x);
  assert.deepEqual(b.y, a.y);
  const other = (await projectMap(rep, 'umap', 6, undefined, undefined, 600))!;
  assert.notDeepEqual(other.x, a.x);
  assert.equal(await projectMap(rep, 'none', 5), undefined);
});

test('map: PCA finds the two directions of largest spread, with a fixed sign', () => {
  const n = 500, D = 6;
  const r = new Random(9);
  const x = new Float32Array(n * D);
  // Spread 5 along column 2, 2 along column 4, 0.1 elsewhere.
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) x[i * D + d] = r.normal() * (d === 2 ? 5 : d === 4 ? 2 : 0.1);
  const p = pca2(x, D, 1);
  const corr = (u: Float32Array, col: number) => {
    let sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < n; i++) { const v = x[i * D + col]; sxy += u[i] * v; sxx += u[i] ** 2; syy += v * v; }
    return sxy / Math.sqrt(sxx * syy);
  };
  assert.ok(corr(p.x, 2) > 0.99, `first component ~ column 2: ${corr(p.x, 2)}`);
  assert.ok(Math.abs(corr(p.y, 4)) > 0.99, `second component ~ column 4: ${corr(p.y, 4)}`);
  assert.deepEqual(pca2(x, D, 1).x, p.x);
});

/** The first `rows` data rows of a shared dataset, as a file of its own. */
function head(dir: string, name: string, rows: number): string {
  const lines = readFileSync(dataset(name), 'utf8').split(/\r?\n/);
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, lines.slice(0, rows + 1).join('\n') + '\n');
  return file;
}

test('analyze writes the results first, then the map as its own file (read back as mapX, mapY and summary.map), with progress; pixels get the network\'s learned layer', async (t) => {
  const { runAnalyze } = await import('../../src/engine/job');
  const { readRun } = await import('../../src/core/results');
  const { existsSync } = await import('node:fs');
  const dir = tempDir(t);
  for (const [name, rows, options, what] of [
    ['sms_spam', 600, { epochs: 6 }, /fastText embedding bag \+ logits, out of fold \(10-d\)/],
    ['mnist_test_labelerrors', 400, { epochs: 3, piPasses: 1 }, /mlp penultimate layer, out of fold \(256-d projected to 64-d\)/],
  ] as const) {
    const file = head(dir, name, rows);
    const messages: string[] = [];
    const phases: string[] = [];
    const outDir = join(dir, `${name}-results`);
    let atResult: ReturnType<typeof readRun>;
    let mapThen = true;
    const done = await runAnalyze({ type: 'analyze', jobId: name, dataset: { file }, options: { seed: 2, workers: 1, ...options }, outDir }, (p) => { messages.push(p.message); phases.push(p.phase); }, () => false, inProcessRunners,
      () => { atResult = readRun(outDir, 'analysis'); mapThen = existsSync(join(outDir, 'map.bin')); phases.push('result'); });
    // At the result: summary, arrays and rows.csv are on disk, the map is not made yet (and not in arrays.bin).
    assert.equal(mapThen, false, 'no map file when the result is reported');
    assert.equal(atResult!.mapState, 'missing');
    assert.equal(atResult!.summary.mapFile, 'map.bin');
    assert.equal(atResult!.arrays.mapX, undefined);
    assert.ok(existsSync(join(outDir, 'rows.csv')));
    assert.ok(phases.indexOf('result') < phases.indexOf('map') && phases.lastIndexOf('map') === phases.length - 1, 'map progress comes after the result');
    assert.equal(done.map?.path, join(outDir, 'map.bin'));
    const run = readRun(outDir, 'analysis')!;
    assert.equal(run.mapState, 'ready');
    assert.equal(run.summary.map?.method, 'umap');
    assert.equal(run.summary.map?.sample, rows);
    assert.equal(run.summary.map?.representation.source, 'learned');
    assert.match(run.summary.map!.representation.description, what);
    assert.equal(run.arrays.mapX!.length, rows);
    assert.ok(run.arrays.mapY!.every(Number.isFinite));
    assert.ok(messages.some((m) => /^UMAP epoch \d+\/\d+/.test(m)), 'progress while the map is made (phase map)');
  }
  // --map none: no map, no arrays.
  const file = head(dir, 'sms_spam', 300);
  await runAnalyze({ type: 'analyze', jobId: 'none', dataset: { file }, options: { seed: 2, workers: 1, epochs: 2, map: 'none' }, outDir: join(dir, 'none') }, () => {}, () => false, inProcessRunners);
  const none = readRun(join(dir, 'none'), 'analysis')!;
  assert.equal(none.summary.map, undefined);
  assert.equal(none.summary.mapFile, undefined);
  assert.equal(none.mapState, 'none');
  assert.equal(none.arrays.mapX, undefined);
});
