/**
 * Analysis at scale (`npm run bench -- scale [rows ...] [--no-peer] [--peer-minutes N]`; default
 * 10k, 100k and 1M rows): text files built at bench time from toutiao_news_38k (bench/scaleData:
 * rows composed of windows of several titles of one class, 10% of labels flipped), each analysed by the engine with
 * default options, and by the peer (scikit-learn + cleanlab) on the same file, niced, with a time
 * limit. Run it niced on a shared machine: `nice -n 5 npm run bench -- scale`.
 *
 * Engine peak memory: VmHWM of the engine process, which holds the fold workers (threads of the
 * same process), so it is the whole engine's peak, not a sum of separate peaks taken at different
 * moments; the client (CLI or extension host) is not in it. CPU seconds: user + system time of the
 * engine process (all its threads), which the machine's load does not inflate the way it does
 * wall time; with two cores busy, wall time on a quiet machine is about CPU / 2 in training.
 * Progress: the longest time between two progress messages.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { EngineClient } from '../src/client/engineClient';
import { readArrays, type Summary } from '../src/core/results';
import { averagePrecision } from '../src/core/signals/metrics';
import { Table } from '../src/core/table/table';
import { scaleFile } from './scaleData';
import { OUT, SHARED } from './noisy';

const args = process.argv.slice(2);
const sizes = args.filter((a, i) => /^\d+$/.test(a) && !['--peer-minutes', '--epochs'].includes(args[i - 1])).map(Number);
const ROWS = sizes.length ? sizes : [10_000, 100_000, 1_000_000];
const PEER = !args.includes('--no-peer');
const at = args.indexOf('--peer-minutes');
const PEER_MINUTES = at >= 0 ? Number(args[at + 1]) : 60;
// --engine PATH: a copy of dist/engine.js (with its foldWorker.js) to measure while the tree is rebuilt.
const ei = args.indexOf('--engine');
const ENGINE = ei >= 0 ? args[ei + 1] : join(__dirname, '../dist/engine.js');
// --epochs N: the text model's epochs instead of the data's rule (to measure AP against epochs at scale).
const xi = args.indexOf('--epochs');
const EPOCHS = xi >= 0 ? Number(args[xi + 1]) : undefined;

interface Ours { rssByPhase: Record<string, number>; secs: number; cpu: number; peakMB: number; ap: number; gap: number; gapAt: string; phases: Record<string, number>; epochs: number; repeats: number }

function procStat(pid: number): { cpu: number; hwmKb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpu: (Number(stat[11]) + Number(stat[12])) / 100, hwmKb: hwm ? Number(hwm[1]) : NaN };
}

async function ours(file: string, truth: Uint8Array, rows: number): Promise<Ours> {
  const c = new EngineClient({ enginePath: ENGINE });
  try {
    const t0 = performance.now();
    let last = t0, gap = 0, gapAt = '';
    // Resident memory by phase (VmHWM gives only the whole run's peak): sampled every 250 ms and
    // counted to the phase of the last progress message.
    const rssByPhase: Record<string, number> = {};
    let phase = 'load';
    const sample = () => {
      try {
        const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${c.pid!}/status`, 'utf8'));
        if (rss) rssByPhase[phase] = Math.max(rssByPhase[phase] ?? 0, Math.round(Number(rss[1]) / 1024));
      } catch { /* the engine is gone */ }
    };
    const sampler = setInterval(sample, 250);
    const res = await c.run({ type: 'analyze', dataset: { file }, options: EPOCHS ? { epochs: EPOCHS } : {}, outDir: join(OUT, `scale-${rows}-out`) }, (p) => {
      sample();
      phase = p.phase;
      const now = performance.now();
      if (now - last > gap) { gap = now - last; gapAt = `${p.phase}: ${p.message}`; }
      last = now;
    }).done.finally(() => clearInterval(sampler));
    const secs = (performance.now() - t0) / 1000;
    const { cpu, hwmKb } = procStat(c.pid!);
    const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
    const suspicion = readArrays(res.arraysPath, summary.arrays).suspicion;
    return {
      rssByPhase, secs, cpu, peakMB: hwmKb / 1024, ap: averagePrecision(suspicion, truth), gap: gap / 1000, gapAt,
      phases: summary.seconds as Record<string, number>, epochs: Number(summary.options.epochs), repeats: Number(summary.options.repeats),
    };
  } finally {
    c.dispose();
  }
}

interface Peer { secs?: number; peakMB?: number; ap?: number; failed?: string }

/** The peer on the same file, niced, under `timeout`; its peak RSS from GNU time. */
function peer(file: string, truth: Uint8Array, rows: number): Peer {
  const out = join(OUT, `peer-scale-${rows}.csv`);
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', 'timeout', `${PEER_MINUTES}m`, 'nice', '-n', '5', '/usr/bin/python3', join(SHARED, 'peer', 'peer.py'), file,
    '--text-col', 'text', '--label-col', 'label', '--id-col', 'id', '--analyzer', 'char', '--out', out], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const secs = (performance.now() - t0) / 1000;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const peakMB = rss ? Number(rss[1]) / 1024 : undefined;
  if (/Command exited with non-zero status 124/.test(r.stderr)) return { failed: `did not finish in ${PEER_MINUTES} min`, peakMB };
  if (r.status !== 0 || !existsSync(out)) return { failed: `failed: ${(r.stderr.split('\n').find((l) => /Error/.test(l)) ?? `exit ${r.status}`).trim()}`, peakMB };
  const t = new Table('peer.csv', readFileSync(out));
  const col = t.header.indexOf('suspicion');
  const suspicion = Float32Array.from({ length: t.rowCount }, (_, i) => Number(t.cell(i, col)));
  return { secs, peakMB, ap: averagePrecision(suspicion, truth) };
}

async function main(): Promise<void> {
  console.log('\n## Analysis at scale: rows composed of windows of toutiao titles (10% of labels flipped), default options\n');
  const lines: string[] = [];
  const results: { rows: number; o: Ours; p?: Peer; mb: number }[] = [];
  for (const rows of ROWS) {
    const f = scaleFile(rows);
    const load = loadavg()[0].toFixed(1);
    const o = await ours(f.path, f.truth, rows);
    const p = PEER ? peer(f.path, f.truth, rows) : undefined;
    results.push({ rows, o, p, mb: f.bytes / 1e6 });
    const peerCell = !p ? 'not run' : p.failed ? `${p.failed}${p.peakMB ? ` (peak ${p.peakMB.toFixed(0)} MB)` : ''}` : `${p.secs!.toFixed(0)} s, ${p.peakMB?.toFixed(0)} MB, AP ${p.ap!.toFixed(3)}`;
    const phases = Object.entries(o.phases).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
    lines.push(`| ${rows.toLocaleString('en')} | ${f.bytes / 1e6 < 10 ? (f.bytes / 1e6).toFixed(1) : (f.bytes / 1e6).toFixed(0)} | ${o.secs.toFixed(0)} | ${o.cpu.toFixed(0)} | ${Math.round(rows / o.secs).toLocaleString('en')} | ${o.peakMB.toFixed(0)} | ${o.ap.toFixed(3)} | ${o.epochs}×${o.repeats} | ${o.gap.toFixed(1)} | ${phases} | ${load} | ${peerCell} |`);
    console.log(lines.at(-1));
    console.log(`  resident MB by phase (sampled every 250 ms), max: ${Object.entries(o.rssByPhase).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    // Where the longest silence ended: the message after it (its phase, and what it said).
    console.log(`  longest silence ${o.gap.toFixed(1)} s, ended by: ${o.gapAt}`);
  }
  console.log('\n| rows | file MB | seconds | engine CPU s | rows/s | engine peak MB | AP | epochs×repeats | longest silence s | phases (s) | load avg at start | peer (same file) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const l of lines) console.log(l);
  if (results.length >= 2) {
    console.log('\nGrowth between sizes (linear: CPU per row and memory per row above the smallest run roughly constant):\n');
    console.log('| from → to | rows × | CPU × | wall × | peak MB added per 100k rows |');
    console.log('|---|---|---|---|---|');
    for (let i = 1; i < results.length; i++) {
      const a = results[i - 1], b = results[i];
      console.log(`| ${a.rows.toLocaleString('en')} → ${b.rows.toLocaleString('en')} | ${(b.rows / a.rows).toFixed(0)} | ${(b.o.cpu / a.o.cpu).toFixed(1)} | ${(b.o.secs / a.o.secs).toFixed(1)} | ${((b.o.peakMB - a.o.peakMB) / ((b.rows - a.rows) / 1e5)).toFixed(0)} |`);
    }
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
