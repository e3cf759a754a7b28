/**
 * Stores what the ranking experiments need, once per run, so that rankings and consensus weights
 * can be compared offline (bench/rankings.ts) instead of retraining: the engine's out-of-fold arrays
 * (an analysis with the default options, the map off) and, for text, naive Bayes's out-of-fold log
 * joints per split and the duplicate groups, computed here in-process exactly as the engine's score
 * phase does (same featurize, duplicates, folds). Written to bench/out/<run>.parts.json + .bin.
 * `npm run bench -- rankParts [run ...]` (see bench/quality.ts for the run names).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../src/client/engineClient';
import { readArrays, type Summary } from '../src/core/results';
import { foldAssignment } from '../src/engine/crossval';
import { naiveBayesFits, naiveBayesLogJoints } from '../src/engine/models/naiveBayes';
import { duplicates, featurize, load } from '../src/engine/phases';
import { OUT } from './noisy';
import { RUNS } from './quality';

const ENGINE = join(__dirname, '../dist/engine.js');

async function analyze(file: string, outDir: string): Promise<{ summary: Summary; arrays: ReturnType<typeof readArrays> }> {
  const c = new EngineClient({ enginePath: ENGINE });
  try {
    const res = await c.run({ type: 'analyze', dataset: { file }, options: { map: 'none' }, outDir }).done;
    const summary = JSON.parse((await import('node:fs')).readFileSync(res.summaryPath, 'utf8')) as Summary;
    return { summary, arrays: readArrays(res.arraysPath, summary.arrays) };
  } finally {
    c.dispose();
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => a !== 'rankParts');
  for (const r of RUNS.filter((x) => only.length === 0 || only.includes(x.run))) {
    const t0 = performance.now();
    const { file, truth, clean } = r.data();
    const { summary, arrays } = await analyze(file, join(OUT, `${r.run}-parts`));
    const K = summary.classes.length;
    const N = arrays.label.length;
    const own = new Float32Array(N * K);
    const parts = [arrays.student, arrays.ema, arrays.teacher, arrays.pi].filter((x): x is Float32Array => x !== undefined && x.length === N * K);
    for (const p of parts) for (let i = 0; i < own.length; i++) own[i] += p[i] / parts.length;
    const blobs: Record<string, Float32Array> = { own, consensus: arrays.consensus, suspicion: arrays.suspicion, label: Float32Array.from(arrays.label), truth: Float32Array.from(truth), flagged: Float32Array.from(arrays.flagged) };
    if (clean) blobs.clean = Float32Array.from(clean);
    if (summary.dataKind === 'text') {
      const loaded = load({ file }, { map: 'none' }, false);
      const { prep } = await featurize(loaded);
      duplicates(loaded, prep);
      const { text, classes, labels, targets } = prep.base;
      if (text && naiveBayesFits(text, classes)) {
        const lj = naiveBayesLogJoints({ text, classes, labels, targets, exclude: prep.base.exclude }, foldAssignment(prep.base, prep.group));
        lj.forEach((l, s) => { blobs[`nb${s}`] = l; });
      }
      if (prep.group) blobs.group = Float32Array.from(prep.group);
    }
    const names = Object.keys(blobs);
    const total = names.reduce((a, n) => a + blobs[n].length, 0);
    const buf = new Float32Array(total);
    const toc: Record<string, [number, number]> = {};
    let at = 0;
    for (const n of names) { buf.set(blobs[n], at); toc[n] = [at, blobs[n].length]; at += blobs[n].length; }
    writeFileSync(join(OUT, `${r.run}.parts.bin`), Buffer.from(buf.buffer));
    writeFileSync(join(OUT, `${r.run}.parts.json`), JSON.stringify({ run: r.run, K, N, kind: summary.dataKind, toc }));
    console.log(`${r.run}: K ${K}, N ${N}, parts ${names.join(' ')} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
