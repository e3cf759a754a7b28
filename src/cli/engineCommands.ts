/** `label-lens analyze` and `label-lens retrain`: the engine child process, driven from a terminal. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EngineClient, EngineError } from '../client/engineClient';
import type { DatasetSpec, ImbalanceRemedy, PixelModel, ProgressMessage, TrainOptions } from '../protocol/engine';
import { checkOptions } from '../protocol/engine';
import type { Summary } from '../core/results';
import { isDatasetFolder, stateDir } from '../core/formats/stateDir';
import { padDisplay } from '../core/report';
import { datasetOptions, EXIT_DATA, EXIT_OK, fileArg, parse, UsageError, type Io } from './main';

const trainOptions = {
  ...datasetOptions,
  folds: { type: 'string' },
  repeats: { type: 'string' },
  epochs: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  workers: { type: 'string' },
  pi: { type: 'string' },
  teacher: { type: 'string' },
  consistency: { type: 'string' },
  smoothing: { type: 'string' },
  imbalance: { type: 'string' },
  'label-names': { type: 'boolean' },
  prune: { type: 'boolean' },
  'pixel-model': { type: 'string' },
  top: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

function toNumber(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got "${String(v)}"`);
  return n;
}

function optionsOf(v: Record<string, unknown>): Partial<TrainOptions> {
  const o: Partial<TrainOptions> = {};
  const set = <K extends keyof TrainOptions>(k: K, val: TrainOptions[K] | undefined) => { if (val !== undefined) o[k] = val; };
  set('folds', toNumber(v.folds, 'folds'));
  set('repeats', toNumber(v.repeats, 'repeats'));
  set('epochs', toNumber(v.epochs, 'epochs'));
  set('seed', toNumber(v.seed, 'seed'));
  set('workers', toNumber(v.workers, 'workers'));
  set('piPasses', toNumber(v.pi, 'pi'));
  set('teacherHorizon', toNumber(v.teacher, 'teacher'));
  set('consistency', toNumber(v.consistency, 'consistency'));
  set('labelSmoothing', toNumber(v.smoothing, 'smoothing'));
  if (v.imbalance !== undefined) set('imbalance', v.imbalance as ImbalanceRemedy);
  if (v['label-names']) set('labelNames', true);
  if (v.prune) set('prune', true);
  if (v['pixel-model'] !== undefined) set('pixelModel', v['pixel-model'] as PixelModel);
  const bad = checkOptions(o);
  if (bad) throw new UsageError(bad.replace(/option "(\w+)"/, (_, k: string) => `--${({ piPasses: 'pi', teacherHorizon: 'teacher', labelSmoothing: 'smoothing', labelNames: 'label-names', pixelModel: 'pixel-model' } as Record<string, string>)[k] ?? k}`));
  return o;
}

function specOf(file: string, v: Record<string, unknown>): DatasetSpec {
  return { file: resolve(file), label: v.label as string | undefined, text: v.text as string | undefined, id: v.id as string | undefined, features: v.features as string | undefined, encoding: v.encoding as string | undefined };
}

export function defaultOutDir(file: string): string {
  return isDatasetFolder(file) ? join(stateDir(resolve(file)), 'results') : join(dirname(resolve(file)), '.label-lens', 'results', basename(file));
}

function progressPrinter(io: Io, quiet: boolean): (p: ProgressMessage) => void {
  let last = 0;
  let lastPhase = '';
  return (p) => {
    if (quiet) return;
    const now = Date.now();
    if (p.phase === lastPhase && now - last < 2000 && p.fraction < 1) return;
    last = now;
    lastPhase = p.phase;
    io.err(`[${(100 * p.fraction).toFixed(0).padStart(3)}%] ${p.phase}: ${p.message}${p.etaSeconds !== undefined ? ` · ETA ${p.etaSeconds}s` : ''}`);
  };
}

async function runJob(kind: 'analyze' | 'retrain', args: string[], io: Io): Promise<{ summary: Summary; values: Record<string, unknown>; outDir: string } | number> {
  const { values, positionals } = parse(args, trainOptions);
  const file = fileArg(positionals, kind);
  if (!existsSync(file)) { io.err(`label-lens ${kind}: cannot read ${file}: no such file`); return EXIT_DATA; }
  const options = optionsOf(values);
  const outDir = resolve(typeof values.out === 'string' ? values.out : defaultOutDir(file));
  const client = new EngineClient({ enginePath: join(__dirname, 'engine.js'), log: (l) => { if (!values.quiet && /error|warn/i.test(l)) io.err(l); } });
  const onSigint = () => { io.err('cancelling…'); client.cancel(); };
  process.once('SIGINT', onSigint);
  try {
    const { done } = client.run({ type: kind, dataset: specOf(file, values), options, outDir }, progressPrinter(io, values.quiet === true));
    const res = await done;
    const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
    return { summary, values, outDir };
  } catch (err) {
    if (err instanceof EngineError) {
      io.err(`label-lens ${kind}: ${err.message}`);
      if (err.code === 'bad-request') return 2;
      return err.code === 'cancelled' ? 130 : EXIT_DATA;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    client.dispose();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatSuspects(s: Summary, top: number): string {
  const rows = s.topSuspects.slice(0, top);
  const w = (k: 'id' | 'given' | 'suggested') => Math.min(24, Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const out = [`Top ${rows.length} suspects (of ${s.labeled} labeled rows; ${s.flagged} flagged)`];
  out.push(`  ${'#'.padStart(3)}  ${padDisplay('id', w('id'))}  ${'line'.padStart(6)}  ${padDisplay('given', w('given'))}  ${padDisplay('suggested', w('suggested'))}  score  flag  reason`);
  rows.forEach((r, i) => {
    out.push(`  ${String(i + 1).padStart(3)}  ${padDisplay(r.id, w('id'))}  ${String(r.line).padStart(6)}  ${padDisplay(r.given, w('given'))}  ${padDisplay(r.suggested, w('suggested'))}  ${r.suspicion.toFixed(3)}  ${r.flagged ? ' yes' : '  no'}  ${r.reason}`);
  });
  return out.join('\n');
}

function formatSummary(s: Summary, outDir: string): string {
  const secs = Object.entries(s.seconds).map(([k, v]) => `${k} ${v.toFixed(1)}s`).join(', ');
  return [
    `${s.rows} rows, ${s.classes.length} classes, ${s.dataKind} data, ${s.model ?? 'model'} on ${s.backend}; ${s.options.folds}-fold${Number(s.options.repeats) > 1 ? ` × ${String(s.options.repeats)} repeats` : ''}, ${s.epochs} epochs`,
    `out-of-fold accuracy against the given labels: ${pct(s.oofAccuracy)}`,
    `flagged: ${s.flagged} rows (estimated noise rate ${pct(s.estimatedNoiseRate)}); ranked by ${s.ranking}${s.pruned !== undefined ? `; second pass trained without the ${s.pruned} rows the first flagged` : ''}`,
    ...(s.images?.unreadable ? [`${s.images.unreadable} images could not be decoded and were skipped (never moved): ${s.images.unreadableList.slice(0, 5).map((u) => `${u.id} (${u.message})`).join('; ')}${s.images.unreadable > 5 ? '; …' : ''}`] : []),
    `time: ${secs}`,
    `results: ${join(outDir, 'rows.csv')}, ${join(outDir, 'summary.json')}`,
  ].join('\n');
}

async function cmdAnalyze(args: string[], io: Io): Promise<number> {
  const r = await runJob('analyze', args, io);
  if (typeof r === 'number') return r;
  const { summary, values, outDir } = r;
  if (values.json) { io.out(JSON.stringify({ ...summary, arrays: undefined }, null, 1)); return EXIT_OK; }
  io.out(formatSuspects(summary, toNumber(values.top, 'top') ?? 20));
  io.out('');
  io.out(formatSummary(summary, outDir));
  return EXIT_OK;
}

async function cmdRetrain(args: string[], io: Io): Promise<number> {
  const r = await runJob('retrain', args, io);
  if (typeof r === 'number') return r;
  const { summary: after, values } = r;
  const before = after.before;
  if (values.json) { io.out(JSON.stringify({ ...after, arrays: undefined }, null, 1)); return EXIT_OK; }
  const lines = [`Retrain (${after.options.imbalance} imbalance remedy, ${after.softTargets} soft targets, label smoothing ${after.options.labelSmoothing})`];
  const col = (s?: Pick<Summary, 'oofAccuracy'>) => (s ? pct(s.oofAccuracy) : '—');
  lines.push(`  ${'held-out accuracy'.padEnd(24)} before ${col(before).padStart(7)}   after ${col(after).padStart(7)}`);
  lines.push(`  ${'flagged rows'.padEnd(24)} before ${String(before?.flagged ?? '—').padStart(7)}   after ${String(after.flagged).padStart(7)}`);
  lines.push('  recall per class:');
  for (const c of after.classStats) {
    const b = before?.classStats.find((x) => x.name === c.name);
    lines.push(`    ${padDisplay(c.name, 22)} before ${(b ? pct(b.recall) : '—').padStart(7)}   after ${pct(c.recall).padStart(7)}`);
  }
  io.out(lines.join('\n'));
  return EXIT_OK;
}

export const commands: Record<string, (args: string[], io: Io) => Promise<number>> = { analyze: cmdAnalyze, retrain: cmdRetrain };
