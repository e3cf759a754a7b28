/**
 * Parse throughput and peak memory on generated 100k- and 1M-row files.
 * Target: ≥ 50 MB/s and memory under 3× the file size. Each size runs in a fresh process so that
 * peak RSS belongs to that size alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Table } from '../src/core/table/table';

const OUT = join(__dirname, 'out');

function generate(rows: number): string {
  const path = join(OUT, `gen-${rows}.csv`);
  try { if (statSync(path).size > 0) return path; } catch { /* make it */ }
  mkdirSync(OUT, { recursive: true });
  const words = ['label', 'lens', 'finds', 'noisy', 'rows', '数据', '标注', 'quick', 'brown', 'fox', 'jumps', 'over', '"quoted"', 'comma,'];
  const parts: string[] = ['id,text,label\r\n'];
  let s = 1;
  for (let i = 0; i < rows; i++) {
    let text = '';
    const n = 8 + (i % 17);
    for (let k = 0; k < n; k++) { s = (s * 1103515245 + 12345) >>> 0; text += words[s % words.length] + ' '; }
    parts.push(`${i},"${text.replace(/"/g, '""')}",class_${i % 12}\r\n`);
  }
  writeFileSync(path, parts.join(''));
  return path;
}

function measure(path: string): void {
  // Baseline before the file is read: the figure counts the file's bytes, the index and all the rest.
  const rssBefore = process.memoryUsage().rss;
  const bytes = readFileSync(path);
  const t0 = process.hrtime.bigint();
  const t = new Table(path, bytes);
  const tOpen = process.hrtime.bigint();
  let labels = 0;
  for (let i = 0; i < t.rowCount; i++) labels += t.cell(i, 2).length > 0 ? 1 : 0;
  const t1 = process.hrtime.bigint();
  const secs = Number(t1 - t0) / 1e9;
  const openSecs = Number(tOpen - t0) / 1e9;
  const mb = bytes.length / 1e6;
  const peak = (process.resourceUsage().maxRSS * 1024 - rssBefore) / bytes.length;
  console.log(JSON.stringify({ rows: t.rowCount, mb: +mb.toFixed(1), openSeconds: +openSecs.toFixed(2), openMbPerSec: +(mb / openSecs).toFixed(0), seconds: +secs.toFixed(2), mbPerSec: +(mb / secs).toFixed(0), rowsPerSec: Math.round(t.rowCount / secs), peakOverFile: +peak.toFixed(2), labels }));
}

if (process.argv[2] === '--measure') {
  measure(process.argv[3]);
} else {
  console.log('## Parse: open (detect, index, validate) and then read every label (target ≥ 50 MB/s, memory < 3× file)');
  console.log('| rows | MB | open s | open MB/s | open + all labels s | MB/s | rows/s | peak memory / file size |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const rows of [100_000, 1_000_000]) {
    const path = generate(rows);
    const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--measure', path], { encoding: 'utf8' });
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    console.log(`| ${j.rows} | ${j.mb} | ${j.openSeconds} | ${j.openMbPerSec} | ${j.seconds} | ${j.mbPerSec} | ${j.rowsPerSec} | ${j.peakOverFile}× |`);
  }
}
