/**
 * Detection quality and speed beside the peer (scikit-learn + cleanlab, ../shared/peer/RESULTS.md):
 * the same datasets, the same noisy labels, the same metrics, through the real engine child process.
 * Then an ablation of the consistency signals on one dataset.
 * `npm run bench -- quality [run ... | ablation | label-names | prune | naive-bayes]` runs a subset.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '../src/client/engineClient';
import type { TrainOptions } from '../src/protocol/engine';
import type { Summary } from '../src/core/results';
import { readArrays, type ResultArrays } from '../src/core/results';
import { openDataset } from '../src/core/table/dataset';
import { averagePrecision, auroc, precisionAtK } from '../src/core/signals/metrics';
import { scoreConsensus, scoreRows } from '../src/core/signals/score';
import { Table } from '../src/core/table/table';
import { noisyCopy, OUT, SHARED } from './noisy';
import { TABULAR_RUNS, tabularRun } from './tabular';
import { prepare } from '../src/engine/prepare';
import { crossValidate } from '../src/engine/crossval';
import { resolveOptions } from '../src/engine/job';
import { trainFold } from '../src/engine/trainFold';
import { denseModelFactory, TABULAR, tabularModelFactory } from '../src/engine/models/factories';
import { tune } from '../src/engine/phases';
import type { ModelFactory } from '../src/engine/models/types';
import { LinearModel } from '../src/engine/models/linear';
import { KnnModel } from '../src/engine/models/knn';
import { AverageModel } from '../src/engine/models/average';
import { calibrateJoint, classThresholds, confidentClasses, confidentJoint, flagRows, issuesPerClass } from '../src/core/signals/confident';

/** One bench run: the same file and truth for both tools; how the peer is called on it. */
interface Run {
  run: string;
  /** Noisy file, flipped rows, clean labels (for out-of-fold accuracy; absent for real errors). */
  data: () => { file: string; truth: Uint8Array; clean?: Int32Array };
  peerArgs: string[];
}

const CHINESE = new Set(['toutiao_news_20k', 'toutiao_news_38k', 'clue_iflytek_fewclue', 'clue_tnews_fewclue']);

function textRun(run: string, dataset: string): Run {
  // iflytek: the peer's default pipeline runs out of memory on 119 classes × 1M n-grams (../shared/peer/RESULTS.md).
  const extra = dataset === 'clue_iflytek_fewclue' ? ['--max-features', '50000'] : [];
  return {
    run,
    data: () => { const nc = noisyCopy(dataset, run); return { file: nc.path, truth: nc.truth, clean: openDataset(join(SHARED, 'data', dataset, 'data.csv')).labels }; },
    peerArgs: ['--text-col', 'text', '--analyzer', CHINESE.has(dataset) ? 'char' : 'word', ...extra],
  };
}

function mnistRun(run: string, model: string): Run {
  return {
    run,
    data: () => {
      const file = join(SHARED, 'data', 'mnist_test_labelerrors', 'data.csv');
      const ds = openDataset(file);
      const errs = new Table('errors.csv', readFileSync(join(SHARED, 'data', 'mnist_test_labelerrors', 'errors.csv')));
      const truth = new Uint8Array(ds.rowCount);
      for (let i = 0; i < errs.rowCount; i++) { const r = errs.row(i); if (r[8] === '1') truth[ds.rowOf(r[0])!] = 1; }
      return { file, truth };
    },
    peerArgs: ['--model', model],
  };
}

export const RUNS: Run[] = [
  textRun('sms_spam-uniform10', 'sms_spam'),
  textRun('ag_news-uniform20', 'ag_news_test'),
  textRun('toutiao20k-uniform20', 'toutiao_news_20k'),
  textRun('toutiao20k-asym20', 'toutiao_news_20k'),
  textRun('iflytek-uniform10', 'clue_iflytek_fewclue'),
  mnistRun('mnist-real-mlp', 'mlp'),
  mnistRun('mnist-real-logreg', 'logreg'),
  ...TABULAR_RUNS.map((run): Run => ({ run, data: () => { const t = tabularRun(run); return { file: t.path, truth: t.truth }; }, peerArgs: [] })),
];

const ENGINE = join(__dirname, '../dist/engine.js');
const PEER = join(SHARED, 'peer', 'peer.py');

/** seconds: engine start to the job's result (what the user waits for); mapSeconds: to its map written (undefined without one). */
async function analyze(file: string, outName: string, options: Partial<TrainOptions> = {}): Promise<{ summary: Summary; arrays: ResultArrays; seconds: number; mapSeconds?: number }> {
  const c = new EngineClient({ enginePath: ENGINE });
  const t0 = performance.now();
  try {
    const job = c.run({ type: 'analyze', dataset: { file }, options, outDir: join(OUT, outName) });
    const res = await job.done;
    const seconds = (performance.now() - t0) / 1000;
    const map = await job.map;
    const mapSeconds = map ? (performance.now() - t0) / 1000 : undefined;
    const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
    return { summary, arrays: readArrays(res.arraysPath, summary.arrays), seconds, mapSeconds };
  } finally {
    c.dispose();
  }
}

/**
 * The peer on the same file, timed from process start to exit (as ours is, engine start included).
 * Its ranking is cleanlab's self-confidence; its flags are confident learning's "both" rule on its
 * probabilities, computed by our implementation of it (peer.py does not flag).
 */
/**
 * The peer's run on a file: its scores file and wall seconds, with the load average when it ran.
 * A run is kept (OUT/<run>.peer.json) and reused when the same input and arguments come again,
 * unless PEER_FRESH=1: the toutiao and iflytek peer runs take 6–20 minutes each, so they are run
 * once (`npm run bench -- quality peer <run ...>`, niced, in the background) and the table says
 * when each figure was taken.
 */
interface PeerRun { out: string; seconds: number; load: number; at: string; cached: boolean }

export function peerRun(file: string, run: string, args: string[]): PeerRun {
  const out = join(OUT, `${run}.peer.csv`);
  const meta = join(OUT, `${run}.peer.json`);
  const st = statSync(file);
  const key = { file, size: st.size, mtimeMs: st.mtimeMs, args };
  if (process.env.PEER_FRESH !== '1' && existsSync(meta) && existsSync(out)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { key: typeof key; seconds: number; load: number; at: string };
    if (JSON.stringify(m.key) === JSON.stringify(key)) return { out, seconds: m.seconds, load: m.load, at: m.at, cached: true };
  }
  const load = loadavg()[0];
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/python3', [PEER, file, ...args, '--out', out], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`peer failed on ${run}: ${r.stderr}`);
  const at = new Date().toISOString();
  const avgLoad = (load + loadavg()[0]) / 2;
  writeFileSync(meta, JSON.stringify({ key, seconds, load: avgLoad, at }));
  return { out, seconds, load: avgLoad, at, cached: false };
}

function runPeer(file: string, run: string, args: string[]): { probs: Float32Array; labels: Int32Array; suspicion: Float32Array; flagged: Uint8Array; seconds: number; load: number; cached: boolean } {
  const { out, seconds, load, cached } = peerRun(file, run, args);
  const ds = openDataset(file);
  const t = new Table('peer.csv', readFileSync(out));
  const K = t.header.length - 4;
  const N = ds.rowCount;
  const probs = new Float32Array(N * K);
  const suspicion = new Float32Array(N);
  // The peer's classes are sorted names, as ours are (dataset.classes).
  for (let i = 0; i < t.rowCount; i++) {
    const c = t.row(i);
    const row = ds.rowOf(c[0])!;
    suspicion[row] = Number(c[3]);
    for (let k = 0; k < K; k++) probs[row * K + k] = Number(c[4 + k]);
  }
  const labels = ds.labels;
  const thresholds = classThresholds(probs, labels, K);
  const counts = new Float64Array(K);
  for (const y of labels) if (y >= 0) counts[y]++;
  const joint = calibrateJoint(confidentJoint(labels, confidentClasses(probs, labels, K, thresholds), K), counts, K);
  const flagged = flagRows(labels, suspicion, probs, K, thresholds, issuesPerClass(joint, K)); // cleanlab's rule: no cap
  return { probs, labels, suspicion, flagged, seconds, load, cached };
}

interface Ours { ap: number; auroc: number; flagP: number; flagR: number; pk: number; oofAcc: number; seconds: number; flagged: number; load?: number; mapSeconds?: number }

function evaluate(score: ArrayLike<number>, flagged: ArrayLike<number>, truth: Uint8Array, suggested: ArrayLike<number>, clean: Int32Array | undefined): Omit<Ours, 'seconds'> {
  let tp = 0, nf = 0, errors = 0, correct = 0, n = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i]) errors++;
    if (flagged[i]) { nf++; if (truth[i]) tp++; }
    if (clean && clean[i] >= 0) { n++; if (suggested[i] === clean[i]) correct++; }
  }
  return { ap: averagePrecision(score, truth), auroc: auroc(score, truth), flagP: nf ? tp / nf : 0, flagR: errors ? tp / errors : 0, pk: precisionAtK(score, truth, errors), oofAcc: n ? correct / n : NaN, flagged: nf };
}

function argmaxRows(p: Float32Array, K: number): Int32Array {
  const n = p.length / K;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) { let b = 0; for (let k = 1; k < K; k++) if (p[i * K + k] > p[i * K + b]) b = k; out[i] = b; }
  return out;
}

const f1 = (o: { flagP: number; flagR: number }) => (o.flagP + o.flagR > 0 ? (2 * o.flagP * o.flagR) / (o.flagP + o.flagR) : 0);
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '–');

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => a !== 'quality');
  // 'small': the runs that take seconds (SMS and the generated tables).
  const small = (r: Run) => r.run.startsWith('sms_spam') || (TABULAR_RUNS as readonly string[]).includes(r.run);
  const runs = RUNS.filter((r) => only.length === 0 || only.includes(r.run) || (only.includes('small') && small(r)));
  if (only.includes('peer')) {
    // The peer alone (to run its long runs once, ahead of the table).
    const log = (run: string, p: PeerRun) => console.log(`${run}: peer ${p.seconds.toFixed(1)} s at load ${p.load.toFixed(1)}${p.cached ? ' (kept from ' + p.at + ')' : ''}`);
    for (const r of runs) log(r.run, peerRun(r.data().file, r.run, r.peerArgs));
    if (only.includes('noise-rate')) for (const [name, args] of NOISE_SETS) log(`clean-${name}`, peerRun(join(SHARED, 'data', name, 'data.csv'), `clean-${name}`, args));
    return;
  }
  console.log('\n## Detection quality and speed beside the peer (scikit-learn + cleanlab), measured in this run');
  console.log('AP and AUROC rank all rows by suspicion (peer: cleanlab self-confidence); seconds: process start to results, both tools.');
  console.log('Ours: "s to results" is engine start to the job\'s result (table printed, suspects shown), "s to map" to its embedding map written after it; the time ratio is on seconds to results.');
  console.log('Flag P/R: our flagged set; the peer\'s is confident learning\'s "both" rule on its probabilities. OOF acc: against the clean labels.\n');
  console.log('| run | rows | AP ours | AP peer | AP ratio | AUROC ours | AUROC peer | AUROC ratio | s ours to results | s ours to map | s peer | time ratio (to results) | load ours / peer | flag P ours / peer | flag R ours / peer | flag F1 ours / peer | OOF acc ours / peer |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const mnistDone = new Map<string, { ours: Ours }>();
  for (const r of runs) {
    const { file, truth, clean } = r.data();
    let ours: Ours;
    const cached = r.run.startsWith('mnist-real') ? mnistDone.get('mnist') : undefined;
    if (cached) ours = cached.ours; // one run of ours serves both MNIST peer rows
    else {
      const load0 = loadavg()[0];
      const { arrays, seconds, mapSeconds } = await analyze(file, r.run);
      ours = { ...evaluate(arrays.suspicion!, arrays.flagged!, truth, arrays.suggested!, clean), seconds, load: (load0 + loadavg()[0]) / 2, mapSeconds };
      if (r.run.startsWith('mnist-real')) mnistDone.set('mnist', { ours });
    }
    const published = PEER_PUBLISHED.has(r.run) ? publishedPeer(r.run) : undefined;
    const pr = published ?? runPeer(file, r.run, r.peerArgs);
    const peer = 'ap' in pr ? pr : { ...evaluate(pr.suspicion, pr.flagged, truth, argmaxRows(pr.probs, pr.probs.length / truth.length), clean), seconds: pr.seconds };
    console.log(`| ${r.run} | ${truth.length} | ${f3(ours.ap)} | ${f3(peer.ap)} | ${ratio(ours.ap, peer.ap)} | ${f3(ours.auroc)} | ${f3(peer.auroc)} | ${ratio(ours.auroc, peer.auroc)} | ${ours.seconds.toFixed(1)} | ${ours.mapSeconds?.toFixed(1) ?? '–'} | ${peer.seconds.toFixed(1)} | ${ratio(ours.seconds, peer.seconds)} | ${ours.load?.toFixed(1) ?? '–'} / ${published ? '†' : pr.load.toFixed(1) + (pr.cached ? '*' : '')} | ${f3(ours.flagP)} / ${f3(peer.flagP)} | ${f3(ours.flagR)} / ${f3(peer.flagR)} | ${f3(f1(ours))} / ${f3(f1(peer))} | ${f3(ours.oofAcc)} / ${f3(peer.oofAcc)} |`);
  }
  if (only.length === 0 || only.includes('noise-rate')) await noiseRate();
  if (only.length === 0 || only.includes('ablation')) await ablation();
  if (only.length === 0 || only.includes('tabular-ablation')) await tabularAblation();
  if (only.length === 0 || only.includes('signals')) await signalsAblation();
  if (only.length === 0 || only.includes('label-names')) await labelNames();
  if (only.length === 0 || only.includes('prune')) await prune();
  if (only.length === 0 || only.includes('naive-bayes')) await naiveBayes();
}

/**
 * Runs whose peer figures come from ../shared/peer/RESULTS.md instead of a run here
 * (PEER_PUBLISHED=run,run): the peer is deterministic (same scikit-learn, folds and seed), so AP,
 * AUROC, flags and OOF accuracy are what a run here computes; its seconds are that quieter
 * machine's. For the runs a loaded machine cannot finish (toutiao pair noise: 19 minutes quiet).
 */
const PEER_PUBLISHED = new Set((process.env.PEER_PUBLISHED ?? '').split(',').filter(Boolean));

function publishedPeer(run: string): Ours & { load: number; cached: boolean } {
  const line = readFileSync(join(SHARED, 'peer', 'RESULTS.md'), 'utf8').split('\n').find((l) => l.startsWith(`| ${run} |`));
  if (!line) throw new Error(`${run}: not in ../shared/peer/RESULTS.md`);
  // | run | dataset | rows | classes | noise | OOF acc | flagged | flag P | flag R | AP | AUROC | AP margin | P@k | seconds | file |
  const c = line.split('|').slice(1, -1).map((x) => x.trim());
  const num = (x: string) => (x === '–' ? NaN : Number(x));
  return { oofAcc: num(c[5]), flagged: num(c[6]), flagP: num(c[7]), flagR: num(c[8]), ap: num(c[9]), auroc: num(c[10]), pk: num(c[12]), seconds: num(c[13]), load: NaN, cached: true };
}

/**
 * The shared datasets as published, for the noise-rate table: name, the peer's arguments, and the
 * share of labels people confirmed wrong (labelerrors.com, Northcutt et al. 2021) where published.
 * MNIST's file is the clean one: its flagged share is in the main table's run (mnist-real-*).
 */
const NOISE_SETS: [string, string[], string][] = [
  ['sms_spam', ['--text-col', 'text'], '–'],
  ['ag_news_test', ['--text-col', 'text'], '–'],
  ['imdb_test_labelerrors', ['--text-col', 'text'], '2.9% (725 of 25,000)'],
  ['clue_tnews_fewclue', ['--text-col', 'text', '--analyzer', 'char'], '–'],
];

/**
 * Estimated noise rate (flagged / labeled) on the shared datasets as published, no noise injected,
 * beside cleanlab's rule on the peer's probabilities, and the published figure: labelerrors.com
 * (Northcutt et al. 2021) found 3.3% of labels wrong on average across ten test sets, by asking
 * people about the rows confident learning flagged.
 */
async function noiseRate(): Promise<void> {
  console.log('\n## Estimated noise rate on the clean shared datasets (no injected noise): flagged / labeled\n');
  console.log('| dataset | rows | ours | peer (cleanlab rule on its probabilities) | published |');
  console.log('|---|---|---|---|---|');
  for (const [name, args, published] of NOISE_SETS) {
    const file = join(SHARED, 'data', name, 'data.csv');
    const { summary } = await analyze(file, `clean-${name}`);
    const pr = runPeer(file, `clean-${name}`, args);
    const peerFlagged = pr.flagged.reduce((a, b) => a + b, 0);
    console.log(`| ${name} | ${summary.labeled} | ${(100 * summary.estimatedNoiseRate).toFixed(1)}% (${summary.flagged}) | ${(100 * peerFlagged / summary.labeled).toFixed(1)}% (${peerFlagged}) | ${published} |`);
  }
}

/** Which model for tabular rows: each alone and averaged, same folds (in this thread: CPU seconds). */
async function tabularAblation(): Promise<void> {
  console.log('\n## Tabular models, 20% uniform noise: AP / AUROC (CPU seconds, all folds, one thread)\n');
  const lin: ModelFactory = async (input) => new LinearModel({ dim: input.dense!.dim, classes: input.classes, C: TABULAR.C, iterations: TABULAR.iterations, epochs: input.options.epochs, memory: TABULAR.lbfgsMemory }, input.dense!.x);
  const knn: ModelFactory = async (input) => new KnnModel({ dim: input.dense!.dim, classes: input.classes, k: TABULAR.k }, input.dense!.x);
  const avg = (...fs: ModelFactory[]): ModelFactory => async (input, n, seed) => new AverageModel(await Promise.all(fs.map((f) => f(input, n, seed))));
  const variants: [string, ModelFactory][] = [['MLP (first)', denseModelFactory], ['logreg C = 1', lin], ['k-NN', knn], ['logreg C = 1 + k-NN (before)', avg(lin, knn)], ['logreg C chosen + k-NN (default)', tabularModelFactory], ['logreg C = 1 + MLP', avg(lin, denseModelFactory)]];
  console.log(`| run | ${variants.map((v) => v[0]).join(' | ')} |`);
  console.log(`|---|${variants.map(() => '---').join('|')}|`);
  for (const run of TABULAR_RUNS) {
    const t = tabularRun(run);
    const prep = prepare(openDataset(t.path), resolveOptions({}), undefined);
    const cells: string[] = [];
    for (const [, f] of variants) {
      const c0 = process.cpuUsage();
      if (f === tabularModelFactory) console.error(`${run}: ${tune(prep)}`); // the choice's cost counts
      const cv = await crossValidate(prep.base, (input) => trainFold(input, f), 1);
      const sc = scoreRows({ K: cv.K, labels: prep.base.labels, student: cv.student, ema: cv.ema, teacher: cv.teacher, pi: cv.pi, piDisagree: cv.piDisagree, piPasses: cv.piPasses });
      cells.push(`${f3(averagePrecision(sc.suspicion, t.truth))} / ${f3(auroc(sc.suspicion, t.truth))} (${(process.cpuUsage(c0).user / 1e6).toFixed(2)})`);
    }
    console.log(`| ${run} | ${cells.join(' | ')} |`);
  }
}

/**
 * Rankings from one analysis's arrays (no retraining): the default noise posterior against odds, self-confidence,
 * training dynamics (area under p(given) across epochs, AUM-style), per-class calibration and
 * post-hoc logit adjustment.
 */
async function signalsAblation(): Promise<void> {
  console.log('\n## Ranking signals on one analysis each: AP (AUROC)\n');
  const names = ['noise posterior (default)', 'odds', 'self-confidence', 'AUM: 1 − mean p(given) over epochs', 'odds + AUM (mean)', 'per-class: 1 − p(given)/t(given)', 'odds after logit adjustment τ = 0.5'];
  console.log(`| run | ${names.join(' | ')} |`);
  console.log(`|---|${names.map(() => '---').join('|')}|`);
  for (const [dataset, run] of [['sms_spam', 'sms_spam-uniform10'], ['ag_news_test', 'ag_news-uniform20'], ['toutiao_news_20k', 'toutiao20k-uniform20'], ['toutiao_news_20k', 'toutiao20k-asym20']]) {
    const nc = noisyCopy(dataset, run);
    const { arrays, summary } = await analyze(nc.path, `${run}-signals`);
    const K = summary.classes.length;
    const labels = Int32Array.from(arrays.label!);
    const N = labels.length;
    const p = arrays.consensus!;
    const hist = arrays.history!;
    const E = hist.length / N;
    const odds = (q: Float32Array) => Float32Array.from({ length: N }, (_, i) => { const y = labels[i]; let o = 0; for (let k = 0; k < K; k++) if (k !== y) o = Math.max(o, q[i * K + k]); return o / (q[i * K + y] + o || 1); });
    const aum = Float32Array.from({ length: N }, (_, i) => { let m = 0; for (let e = 0; e < E; e++) m += hist[e * N + i]; return 1 - m / E; });
    const t = classThresholds(p, labels, K);
    const prior = new Float64Array(K);
    for (const y of labels) prior[y] += 1 / N;
    const adjusted = new Float32Array(p.length);
    for (let i = 0; i < N; i++) {
      let sum = 0;
      for (let k = 0; k < K; k++) { adjusted[i * K + k] = p[i * K + k] / Math.sqrt(prior[k]); sum += adjusted[i * K + k]; }
      for (let k = 0; k < K; k++) adjusted[i * K + k] /= sum;
    }
    const o = odds(p);
    const rankings = [
      scoreConsensus({ K, labels }, p).suspicion, o, Float32Array.from({ length: N }, (_, i) => 1 - p[i * K + labels[i]]), aum, Float32Array.from(o, (v, i) => (v + aum[i]) / 2),
      Float32Array.from({ length: N }, (_, i) => 1 - Math.min(1, p[i * K + labels[i]] / t[labels[i]])), odds(adjusted),
    ];
    console.log(`| ${run} | ${rankings.map((r) => `${f3(averagePrecision(r, nc.truth))} (${f3(auroc(r, nc.truth))})`).join(' | ')} |`);
  }
}

/** The prune option: a second pass without the rows the first flagged. */
async function prune(): Promise<void> {
  console.log('\n## Second pass without the flagged rows (--prune): AP / seconds, default → prune\n');
  console.log('| run | AP default | AP prune | seconds default | seconds prune |');
  console.log('|---|---|---|---|---|');
  for (const [name, run] of [['toutiao_news_20k', 'toutiao20k-asym20'], ['toutiao_news_20k', 'toutiao20k-uniform20'], ['ag_news_test', 'ag_news-uniform20']]) {
    const nc = noisyCopy(name, run);
    const cells: string[] = [];
    const secs: string[] = [];
    for (const on of [false, true]) {
      const { arrays, seconds } = await analyze(nc.path, `${run}-prune-${on}`, { prune: on });
      cells.push(f3(averagePrecision(arrays.suspicion!, nc.truth)));
      secs.push(seconds.toFixed(1));
    }
    console.log(`| ${run} | ${cells[0]} | ${cells[1]} | ${secs[0]} | ${secs[1]} |`);
  }
}

/**
 * Naive Bayes on the n-grams as an equal part of the consensus (models/naiveBayes), off → on, on
 * every shared text run with injected noise: AP, AUROC, flag F1 and engine CPU seconds (the part
 * is computed in the score phase, so `score` shows its cost).
 */
async function naiveBayes(): Promise<void> {
  console.log('\n## Naive Bayes in the consensus (text): AP / AUROC / flag F1, off → on (score phase seconds)\n');
  console.log('| run | AP off | AP on | AUROC off | AUROC on | flag F1 off | flag F1 on | score s off | score s on |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [name, run] of [['sms_spam', 'sms_spam-uniform10'], ['ag_news_test', 'ag_news-uniform20'], ['toutiao_news_20k', 'toutiao20k-uniform20'], ['toutiao_news_20k', 'toutiao20k-asym20']]) {
    const nc = noisyCopy(name, run);
    const e: Ours[] = [];
    const secs: string[] = [];
    for (const on of [false, true]) {
      const { arrays, summary, seconds } = await analyze(nc.path, `${run}-nb-${on}`, { naiveBayes: on, map: 'none' });
      e.push({ ...evaluate(arrays.suspicion!, arrays.flagged!, nc.truth, arrays.suggested!, undefined), seconds });
      secs.push((summary.seconds.score ?? NaN).toFixed(2));
    }
    console.log(`| ${run} | ${f3(e[0].ap)} | ${f3(e[1].ap)} | ${f3(e[0].auroc)} | ${f3(e[1].auroc)} | ${f3(f1(e[0]))} | ${f3(f1(e[1]))} | ${secs[0]} | ${secs[1]} |`);
  }
}

/** Label-name augmentation: each class's name as one extra training example of that class. */
async function labelNames(): Promise<void> {
  console.log('\n## Label-name augmentation (text): AP / out-of-fold accuracy against the clean labels, without → with\n');
  console.log('| run | AP without | AP with | OOF acc without | OOF acc with |');
  console.log('|---|---|---|---|---|');
  // One dataset: iflytek's run takes minutes and moved AP by 0.005 (bench/RESULTS.md).
  for (const [name, run] of [['toutiao_news_20k', 'toutiao20k-uniform20']]) {
    const nc = noisyCopy(name, run);
    const clean = openDataset(join(SHARED, 'data', name, 'data.csv')).labels;
    const cells: string[] = [];
    const accs: string[] = [];
    for (const on of [false, true]) {
      const { arrays } = await analyze(nc.path, `${run}-names-${on}`, { labelNames: on });
      const e = evaluate(arrays.suspicion!, arrays.flagged!, nc.truth, arrays.suggested!, clean);
      cells.push(f3(e.ap));
      accs.push(f3(e.oofAcc));
    }
    console.log(`| ${run} | ${cells[0]} | ${cells[1]} | ${accs[0]} | ${accs[1]} |`);
  }
}

/** Which signal adds what, on ag_news with 20% uniform noise. */
async function ablation(): Promise<void> {
  const run = 'ag_news-uniform20';
  const nc = noisyCopy('ag_news_test', run);
  console.log(`\n## Ablation on ${run}: AP / AUROC of the suspicion ranking by the signals in the consensus\n`);
  console.log('| signals | AP | AUROC |');
  console.log('|---|---|---|');
  const { arrays, summary } = await analyze(nc.path, `${run}-ablation`);
  const labels = Int32Array.from(arrays.label!);
  const K = summary.classes.length;
  const piPasses = summary.piPasses;
  const piDisagree = Uint8Array.from(arrays.piDisagree!);
  const get = (n: 'student' | 'ema' | 'pi' | 'teacher') => arrays[n]!;
  const rows: [string, Float32Array[]][] = [
    ['out-of-fold student only', [get('student')]],
    ['+ temporal ensemble', [get('student'), get('ema')]],
    ['+ Π-model', [get('student'), get('ema'), get('pi')]],
    ['+ mean teacher (all four)', [get('student'), get('ema'), get('pi'), get('teacher')]],
    ['temporal ensemble alone', [get('ema')]],
  ];
  for (const [name, parts] of rows) {
    const s = scoreRows({ K, labels, student: parts[0], piPasses, piDisagree }, 'noise-posterior', parts);
    console.log(`| ${name} | ${f3(averagePrecision(s.suspicion, nc.truth))} | ${f3(auroc(s.suspicion, nc.truth))} |`);
  }
  const withLoss = await analyze(nc.path, `${run}-consistency`, { consistency: 1 });
  const s = scoreRows({ K, labels, student: withLoss.arrays.student!, piPasses, piDisagree }, 'noise-posterior', [withLoss.arrays.student, withLoss.arrays.ema, withLoss.arrays.pi!, withLoss.arrays.teacher!]);
  console.log(`| + consistency loss (λ=1, sigmoid ramp-up) | ${f3(averagePrecision(s.suspicion, nc.truth))} | ${f3(auroc(s.suspicion, nc.truth))} |`);
}

// Imported by bench/rankParts for its RUNS: the table runs only when this file is the one run.
if (/quality\.ts$/.test(process.argv[1] ?? '')) main().catch((err) => { console.error(err); process.exitCode = 1; });
