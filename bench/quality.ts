/**
 * Detection quality and speed beside the peer (scikit-learn + cleanlab, ../shared/peer/RESULTS.md):
 * the same datasets, the same noisy labels, the same metrics, through the real engine child process.
 * Then an ablation of the consistency signals on one dataset.
 * `npm run bench -- quality [run ... | ablation | label-names | prune]` runs a subset.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../src/client/engineClient';
import type { TrainOptions } from '../src/protocol/engine';
import type { Summary } from '../src/core/results';
import { readArrays, type ResultArrays } from '../src/core/results';
import { openDataset } from '../src/core/table/dataset';
import { averagePrecision, auroc, precisionAtK } from '../src/core/signals/metrics';
import { scoreRows } from '../src/core/signals/score';
import { Table } from '../src/core/table/table';
import { noisyCopy, OUT, SHARED } from './noisy';

interface PeerRow { run: string; dataset: string; ap: number; auroc: number; flagP: number; flagR: number; pk: number; oofAcc: number; seconds: number }

function peerRows(): PeerRow[] {
  const md = readFileSync(join(SHARED, 'peer', 'RESULTS.md'), 'utf8');
  return md.split('\n').filter((l) => /^\| [a-z0-9_-]+ \| /.test(l) && !l.startsWith('| run')).map((l) => {
    const c = l.split('|').map((x) => x.trim());
    const n = (s: string) => (s === '–' ? NaN : Number(s));
    return { run: c[1], dataset: c[2], oofAcc: n(c[6]), flagP: n(c[8]), flagR: n(c[9]), ap: n(c[10]), auroc: n(c[11]), pk: n(c[13]), seconds: n(c[14]) };
  });
}

const ENGINE = join(__dirname, '../dist/engine.js');

async function analyze(file: string, outName: string, options: Partial<TrainOptions> = {}): Promise<{ summary: Summary; arrays: ResultArrays; seconds: number }> {
  const c = new EngineClient({ enginePath: ENGINE });
  const t0 = performance.now();
  try {
    const res = await c.run({ type: 'analyze', dataset: { file }, options, outDir: join(OUT, outName) }).done;
    const seconds = (performance.now() - t0) / 1000;
    const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
    return { summary, arrays: readArrays(res.arraysPath, summary.arrays), seconds };
  } finally {
    c.dispose();
  }
}

interface Ours { ap: number; auroc: number; flagP: number; flagR: number; pk: number; oofAcc: number; seconds: number; flagged: number }

function evaluate(score: Float32Array, flagged: Float32Array, truth: Uint8Array, suggested: Float32Array, clean: Int32Array | undefined): Omit<Ours, 'seconds'> {
  let tp = 0, nf = 0, errors = 0, correct = 0, n = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i]) errors++;
    if (flagged[i]) { nf++; if (truth[i]) tp++; }
    if (clean && clean[i] >= 0) { n++; if (suggested[i] === clean[i]) correct++; }
  }
  return { ap: averagePrecision(score, truth), auroc: auroc(score, truth), flagP: nf ? tp / nf : 0, flagR: errors ? tp / errors : 0, pk: precisionAtK(score, truth, errors), oofAcc: n ? correct / n : NaN, flagged: nf };
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => a !== 'quality');
  const peers = peerRows().filter((p) => only.length === 0 || only.includes(p.run));
  console.log('\n## Detection quality and speed beside the peer (scikit-learn + cleanlab)');
  console.log('Each cell: ours / peer. AP and AUROC rank all rows by suspicion; P@k with k = true errors; OOF acc against the clean labels.\n');
  console.log('| run | rows | AP | AUROC | flag P | flag R | P@k | OOF acc | seconds | AP ours/peer | time ours/peer |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  let mnistDone: Ours | undefined;
  for (const p of peers) {
    let truth: Uint8Array;
    let file: string;
    let clean: Int32Array | undefined;
    if (p.run.startsWith('mnist-real')) {
      file = join(SHARED, 'data', p.dataset, 'data.csv');
      const ds = openDataset(file);
      const errs = new Table('errors.csv', readFileSync(join(SHARED, 'data', p.dataset, 'errors.csv')));
      truth = new Uint8Array(ds.rowCount);
      for (let i = 0; i < errs.rowCount; i++) { const r = errs.row(i); if (r[8] === '1') truth[ds.rowOf(r[0])!] = 1; }
    } else {
      const nc = noisyCopy(p.dataset, p.run);
      file = nc.path;
      truth = nc.truth;
      clean = openDataset(join(SHARED, 'data', p.dataset, 'data.csv')).labels;
    }
    let ours: Ours;
    if (p.run.startsWith('mnist-real') && mnistDone) ours = mnistDone; // one MLP run serves both peer rows
    else {
      const { summary, arrays, seconds } = await analyze(file, p.run);
      ours = { ...evaluate(arrays.suspicion!, arrays.flagged!, truth, arrays.suggested!, clean), seconds };
      if (p.run.startsWith('mnist-real')) mnistDone = ours;
      void summary;
    }
    console.log(`| ${p.run} | ${truth.length} | ${f3(ours.ap)} / ${f3(p.ap)} | ${f3(ours.auroc)} / ${f3(p.auroc)} | ${f3(ours.flagP)} / ${f3(p.flagP)} | ${f3(ours.flagR)} / ${f3(p.flagR)} | ${f3(ours.pk)} / ${f3(p.pk)} | ${f3(ours.oofAcc)} / ${f3(p.oofAcc)} | ${ours.seconds.toFixed(1)} / ${p.seconds} | ${(ours.ap / p.ap).toFixed(2)} | ${(ours.seconds / p.seconds).toFixed(2)} |`);
  }
  if (only.length === 0 || only.includes('ablation')) await ablation();
  if (only.length === 0 || only.includes('label-names')) await labelNames();
  if (only.length === 0 || only.includes('prune')) await prune();
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
    const s = scoreRows({ K, labels, student: parts[0], piPasses, piDisagree }, 'odds', parts);
    console.log(`| ${name} | ${f3(averagePrecision(s.suspicion, nc.truth))} | ${f3(auroc(s.suspicion, nc.truth))} |`);
  }
  const withLoss = await analyze(nc.path, `${run}-consistency`, { consistency: 1 });
  const s = scoreRows({ K, labels, student: withLoss.arrays.student!, piPasses, piDisagree }, 'odds', [withLoss.arrays.student, withLoss.arrays.ema, withLoss.arrays.pi!, withLoss.arrays.teacher!]);
  console.log(`| + consistency loss (λ=1, sigmoid ramp-up) | ${f3(averagePrecision(s.suspicion, nc.truth))} | ${f3(auroc(s.suspicion, nc.truth))} |`);
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
