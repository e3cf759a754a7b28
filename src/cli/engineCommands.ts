/** `label-lens analyze` and `label-lens retrain`: the engine child process, driven from a terminal. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EngineClient, EngineError } from '../client/engineClient';
import type { DatasetSpec, ImbalanceRemedy, PixelModel, ProgressMessage, TrainOptions } from '../protocol/engine';
import { checkOptions } from '../protocol/engine';
import type { Summary } from '../core/results';
import { isDatasetFolder, stateDir } from '../core/formats/stateDir';
import { padDisplay } from '../core/report';
import { datasetOptions, datasetOpts, EXIT_DATA, EXIT_OK, fileArg, parse, UsageError, type Io } from './main';
import { readArrays } from '../core/results';
import { openDataset } from '../core/table/dataset';
import { predictionTargetOf } from '../core/predictions/read';
import { writePredictions } from '../core/predictions/write';
import { UserError } from '../core/errors';

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
  'pred-probs': { type: 'string' },
  normalize: { type: 'boolean' },
  ensemble: { type: 'boolean' },
  embeddings: { type: 'string' },
  encoder: { type: 'string' },
  'no-knn': { type: 'boolean' },
  embedding: { type: 'string' },
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
  // Paths travel absolute: the engine's working folder is not the shell's.
  if (typeof v['pred-probs'] === 'string') set('predProbs', resolve(v['pred-probs']));
  if (v.normalize) set('normalize', true);
  if (v.ensemble) set('ensemble', true);
  if (typeof v.embeddings === 'string') set('embeddings', resolve(v.embeddings));
  if (typeof v.encoder === 'string') set('encoder', v.encoder.startsWith('.') ? resolve(v.encoder) : v.encoder);
  if (v['no-knn']) set('knn', false);
  if ((v.normalize || v.ensemble) && o.predProbs === undefined) throw new UsageError(`--${v.normalize ? 'normalize' : 'ensemble'} goes with --pred-probs FILE`);
  const bad = checkOptions(o);
  if (bad) throw new UsageError(bad.replace(/option "(\w+)"/, (_, k: string) => `--${({ piPasses: 'pi', teacherHorizon: 'teacher', labelSmoothing: 'smoothing', labelNames: 'label-names', pixelModel: 'pixel-model' } as Record<string, string>)[k] ?? k}`));
  return o;
}

function specOf(file: string, v: Record<string, unknown>): DatasetSpec {
  return { file: resolve(file), label: v.label as string | undefined, text: v.text as string | undefined, id: v.id as string | undefined, features: v.features as string | undefined, encoding: v.encoding as string | undefined, embedding: v.embedding as string | undefined };
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
    s.probabilities?.kind === 'given'
      ? `${s.rows} rows, ${s.classes.length} classes, ${s.model}`
      : `${s.rows} rows, ${s.classes.length} classes, ${s.dataKind} data, ${s.model ?? 'model'} on ${s.backend}; ${s.options.folds}-fold${Number(s.options.repeats) > 1 ? ` × ${String(s.options.repeats)} repeats` : ''}, ${s.epochs} epochs`,
    `out-of-fold accuracy against the given labels: ${pct(s.oofAccuracy)}`,
    ...(s.probabilities && s.probabilities.kind !== 'model' ? [probabilitiesLine(s)] : []),
    ...(s.probabilities?.embeddings ? [embeddingsLine(s)] : []),
    `flagged: ${s.flagged} rows (estimated noise rate ${pct(s.estimatedNoiseRate)}); ranked by ${s.ranking}${s.pruned !== undefined ? `; second pass trained without the ${s.pruned} rows the first flagged` : ''}`,
    ...(s.images?.unreadable ? [`${s.images.unreadable} images could not be decoded and were skipped (never moved): ${s.images.unreadableList.slice(0, 5).map((u) => `${u.id} (${u.message})`).join('; ')}${s.images.unreadable > 5 ? '; …' : ''}`] : []),
    `time: ${secs}`,
    `results: ${join(outDir, 'rows.csv')}, ${join(outDir, 'summary.json')}`,
  ].join('\n');
}

function probabilitiesLine(s: Summary): string {
  const p = s.probabilities!;
  const norm = p.normalized ? `; ${p.normalized} rows divided by their sum (--normalize)` : '';
  return p.kind === 'given'
    ? `probabilities: given in ${p.file} (${p.format?.toUpperCase()}); no model trained${norm}`
    : `probabilities: our out-of-fold predictions averaged with ${p.file} (${p.format?.toUpperCase()})${norm}`;
}

function embeddingsLine(s: Summary): string {
  const e = s.probabilities!.embeddings!;
  return `embeddings: ${e.source}, ${e.dim} dimensions${e.encoder ? (e.cached ? ' (read from the cache)' : ` (encoded in ${e.seconds?.toFixed(1)} s)`) : ''}${s.probabilities!.knn ? `; k-NN label agreement (${s.probabilities!.knn} neighbours) in the consensus` : ''}`;
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

/**
 * `label-lens export FILE --pred-probs OUT`: our out-of-fold probabilities (the consensus the last
 * analysis scored) in the formats `analyze --pred-probs` reads, cleanlab takes and pandas/NumPy
 * load: OUT.csv / .tsv (id + one column per class), .jsonl ({"id", "pred_probs": {…}}) or .npy
 * (N×K float32, file row order, classes in the order summary.json lists).
 */
async function cmdExport(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...datasetOptions, 'pred-probs': { type: 'string' }, out: { type: 'string' }, embedding: { type: 'string' } });
  const file = fileArg(positionals, 'export');
  const target = values['pred-probs'];
  if (typeof target !== 'string') throw new UsageError('export needs --pred-probs OUT.csv|.tsv|.jsonl|.npy');
  const dir = resolve(typeof values.out === 'string' ? values.out : defaultOutDir(file));
  const summaryPath = join(dir, 'summary.json');
  if (!existsSync(summaryPath)) throw new UserError('not-found', `no analysis of ${file} in ${dir}: run \`label-lens analyze ${file}\` first (or name its results folder with --out)`, { file: summaryPath });
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Summary;
  const ds = openDataset(file, { ...datasetOpts(values), embedding: values.embedding as string | undefined });
  const K = summary.classes.length;
  if (summary.rows !== ds.rowCount) throw new UserError('data', `${file} has ${ds.rowCount} rows, its analysis (${summary.createdAt}) had ${summary.rows}: the file changed since; analyze it again first`, { file });
  const consensus = readArrays(join(dir, 'arrays.bin'), summary.arrays).get('consensus');
  if (!consensus || consensus.length !== summary.rows * K) throw new UserError('data', `${dir}: arrays.bin has no consensus probabilities of ${summary.rows}×${K}: analyze ${file} again`, { file: dir });
  // The class order is the analysis's; rows are matched by position, ids come from the file.
  const t = predictionTargetOf(ds);
  const idColumn = t.idColumn ?? 'id';
  const format = writePredictions(resolve(target), { classes: summary.classes, rowCount: ds.rowCount, idColumn, rowId: t.rowId, isSkipped: t.isSkipped, probs: consensus });
  if (values.json) io.out(JSON.stringify({ file: resolve(target), format, rows: ds.rowCount, classes: summary.classes }));
  else io.out(`${resolve(target)}: out-of-fold probabilities of ${ds.rowCount} rows × ${K} classes (${format.toUpperCase()}; classes ${summary.classes.join(', ')})`);
  return EXIT_OK;
}

export const commands: Record<string, (args: string[], io: Io) => Promise<number>> = { analyze: cmdAnalyze, retrain: cmdRetrain, export: cmdExport };
