/**
 * Analysis at scale: a text dataset of 25k, 50k and 100k rows (toutiao_news_38k's rows repeated, ids
 * made unique) through the engine with default options, wall time and the engine process's peak
 * memory (VmHWM: the main thread and its fold workers). Time and memory should grow linearly.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../src/client/engineClient';
import { Table } from '../src/core/table/table';
import { quoteIfNeeded } from '../src/core/table/csv';
import { OUT, SHARED } from './noisy';

function generate(rows: number): string {
  const path = join(OUT, `scale-${rows}.csv`);
  if (existsSync(path)) return path;
  mkdirSync(OUT, { recursive: true });
  const src = new Table('toutiao_news_38k.csv', readFileSync(join(SHARED, 'data', 'toutiao_news_38k', 'data.csv')));
  const header = src.header;
  const lines = [header.map((h) => quoteIfNeeded(h, ',', false)).join(',')];
  for (let i = 0; i < rows; i++) {
    const cells = src.row(i % src.rowCount).slice();
    cells[0] = `${cells[0]}-${Math.floor(i / src.rowCount)}`;
    lines.push(cells.map((c) => quoteIfNeeded(c, ',', false)).join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

function peakKb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function main(): Promise<void> {
  console.log('\n## Analysis at scale: toutiao rows repeated, default options (text: 5 folds × 2 repeats)\n');
  console.log('| rows | MB | seconds | seconds per 1k rows | engine peak memory MB | MB per 1k rows |');
  console.log('|---|---|---|---|---|---|');
  for (const rows of [25_000, 50_000, 100_000]) {
    const file = generate(rows);
    const mb = readFileSync(file).length / 1e6;
    const c = new EngineClient({ enginePath: join(__dirname, '../dist/engine.js') });
    try {
      const t0 = performance.now();
      await c.run({ type: 'analyze', dataset: { file }, options: {}, outDir: join(OUT, `scale-${rows}-out`) }).done;
      const secs = (performance.now() - t0) / 1000;
      const peak = peakKb(c.pid!) / 1024;
      console.log(`| ${rows} | ${mb.toFixed(1)} | ${secs.toFixed(1)} | ${(secs / (rows / 1000)).toFixed(2)} | ${peak.toFixed(0)} | ${(peak / (rows / 1000)).toFixed(1)} |`);
    } finally {
      c.dispose();
    }
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
