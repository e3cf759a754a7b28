/**
 * `npm run bench -- duplicates`:
 * 1. the measurement behind the default Jaccard threshold: near copies injected into ag_news and
 *    toutiao (a few characters edited, words reordered, punctuation added; 600 each), found with
 *    which precision and recall at each threshold;
 * 2. detection throughput: 1M distinct text rows (ag_news's words, real lengths) with 5% exact and
 *    5% near copies, in the engine's process (one thread), time and peak memory;
 * 3. leakage: ag_news_test with the peer's 20% uniform noise, and the same file repeated 13 times
 *    (100k rows, same rows flipped in every copy), analysed with duplicate groups kept in one fold
 *    and with them split (--split-duplicates): AP and flagged rows beside the original's.
 * `npm run bench -- duplicates threshold|throughput|leakage` runs one part.
 */
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../src/client/engineClient';
import { openDataset } from '../src/core/table/dataset';
import { readArrays, type Summary } from '../src/core/results';
import { averagePrecision } from '../src/core/signals/metrics';
import { Random } from '../src/core/random';
import { textDuplicates, DEFAULT_DUPLICATES } from '../src/engine/duplicates';
import { injectNearCopies, nearCopy, COPY_KINDS, repeatedCsv, syntheticTexts } from '../test/nearCopies';
import { noisyCopy, OUT, SHARED } from './noisy';

const only = process.argv.slice(2);
const want = (p: string) => only.length === 0 || only.includes(p);
const f3 = (x: number) => x.toFixed(3);

function load(name: string) {
  const ds = openDataset(join(SHARED, 'data', name, 'data.csv'));
  const texts = Array.from({ length: ds.rowCount }, (_, i) => ds.table.cell(i, ds.roles.text!));
  const labels = Array.from({ length: ds.rowCount }, (_, i) => ds.labelName(i));
  return { ds, texts, labels };
}

function threshold(): void {
  console.log('\n## Near-duplicate threshold: injected near copies (600 per dataset) found, by Jaccard threshold\n');
  console.log('Recall: copies grouped with their source. Precision: of the rows newly in a group, those that are a found copy or its source. Natural pairs: near-duplicate pairs in the file as shipped.\n');
  console.log('| dataset | Jaccard | recall | precision | natural near pairs | seconds |');
  console.log('|---|---|---|---|---|---|');
  for (const name of ['ag_news_test', 'toutiao_news_20k']) {
    const { ds, texts, labels } = load(name);
    const inj = injectNearCopies(texts, labels, ds.classes, 600, 7);
    for (const t of [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]) {
      const opts = { ...DEFAULT_DUPLICATES, jaccard: t };
      const before = textDuplicates(texts.length, (i) => texts[i], opts);
      const t0 = performance.now();
      const after = textDuplicates(inj.texts.length, (i) => inj.texts[i], opts);
      const secs = (performance.now() - t0) / 1000;
      const g = after.groups.group;
      const correct = new Set<number>();
      let found = 0;
      for (const [c, s] of inj.source) if (g[c] >= 0 && g[c] === g[s]) { found++; correct.add(c); correct.add(s); }
      let fresh = 0, right = 0;
      for (let i = 0; i < g.length; i++) {
        if (g[i] < 0 || (i < texts.length && before.groups.group[i] >= 0)) continue;
        fresh++;
        if (correct.has(i)) right++;
      }
      console.log(`| ${name} | ${t} | ${f3(found / inj.source.size)} | ${f3(fresh ? right / fresh : 1)} | ${before.near?.pairs ?? 0} | ${secs.toFixed(1)} |`);
    }
  }
}

function throughput(): void {
  const n = 1_000_000;
  console.log(`\n## Detection throughput: ${n.toLocaleString('en')} text rows, one thread (default Jaccard ${DEFAULT_DUPLICATES.jaccard})\n`);
  const { texts } = load('ag_news_test');
  const rows = syntheticTexts(texts, n, 1);
  const rng = new Random(2);
  for (let i = 0; i < n; i += 20) rows[i + 1] = rows[rng.int(n)]; // 5% exact copies
  for (let i = 10; i < n; i += 20) rows[i + 1] = nearCopy(rows[i], COPY_KINDS[(i / 20) % 3 | 0], rng); // 5% near copies
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = textDuplicates(n, (i) => rows[i]);
  const secs = (performance.now() - t0) / 1000;
  const peak = (process.resourceUsage().maxRSS * 1024 - rss0) / 1e6;
  console.log('| rows | seconds | rows/s | groups | exact repeats | near pairs | LSH candidates | verified | memory above the texts MB |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  console.log(`| ${n} | ${secs.toFixed(1)} | ${Math.round(n / secs)} | ${r.groups.count} | ${r.exactRepeats} | ${r.near?.pairs} | ${r.near?.candidates} | ${r.near?.verified} | ${peak.toFixed(0)} |`);
}

async function analyze(file: string, out: string, groupFolds: boolean): Promise<{ summary: Summary; suspicion: Float32Array; seconds: number }> {
  const c = new EngineClient({ enginePath: join(__dirname, '../dist/engine.js') });
  try {
    const t0 = performance.now();
    const res = await c.run({ type: 'analyze', dataset: { file }, options: { splitDuplicates: !groupFolds }, outDir: join(OUT, out) }).done;
    const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
    return { summary, suspicion: readArrays(res.arraysPath, summary.arrays).suspicion, seconds: (performance.now() - t0) / 1000 };
  } finally {
    c.dispose();
  }
}

async function leakage(): Promise<void> {
  console.log('\n## Leakage: ag_news_test + 20% uniform noise, and the same file 13 times (same rows flipped in every copy)\n');
  console.log('| file | rows | folds | AP | flagged (per copy) | duplicate groups | seconds |');
  console.log('|---|---|---|---|---|---|---|');
  const nc = noisyCopy('ag_news_test', 'ag_news-uniform20');
  const times = 13;
  const rep = join(OUT, 'ag_news-uniform20-x13.csv');
  if (!existsSync(rep)) {
    mkdirSync(OUT, { recursive: true });
    const ds = openDataset(nc.path);
    writeFileSync(rep, repeatedCsv(ds.table.header, Array.from({ length: ds.rowCount }, (_, i) => ds.table.row(i)), ds.roles.id!, times));
  }
  const truth13 = Array.from({ length: times * nc.truth.length }, (_, i) => nc.truth[i % nc.truth.length]);
  const base = await analyze(nc.path, 'leak-original', true);
  const apBase = averagePrecision(base.suspicion, nc.truth);
  console.log(`| original | ${nc.truth.length} | grouped | ${f3(apBase)} | ${base.summary.flagged} | ${base.summary.duplicates?.groups} | ${base.seconds.toFixed(1)} |`);
  for (const grouped of [true, false]) {
    const r = await analyze(rep, `leak-x13-${grouped}`, grouped);
    const ap = averagePrecision(r.suspicion, truth13);
    console.log(`| ×${times} | ${truth13.length} | ${grouped ? 'grouped' : 'split (--split-duplicates)'} | ${f3(ap)} (Δ ${(ap - apBase).toFixed(3)}) | ${(r.summary.flagged / times).toFixed(1)} | ${r.summary.duplicates?.groups} | ${r.seconds.toFixed(1)} |`);
  }
}

async function main(): Promise<void> {
  if (want('threshold')) threshold();
  if (want('throughput')) throughput();
  if (want('leakage')) await leakage();
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
