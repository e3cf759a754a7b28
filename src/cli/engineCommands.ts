/** `label-lens analyze`, `retrain` (the engine child process, driven from a terminal) and `export`. */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EngineClient, EngineError } from '../client/engineClient';
import { readSidecar } from '../core/labels/sidecar';
import { softLabelsCsv, softOf } from '../core/report/softLabels';
import { padDisplay } from '../core/report/terminal';
import { readRun, readSummary, resultsDirFor, type Summary } from '../core/results';
import { openDataset, SKIPPED } from '../core/table/dataset';
import type { MapReadyMessage, ProgressMessage } from '../protocol/engine';
import { datasetOptions, datasetOpts, fileArg, parse, toNumber, trainFlags, trainOptionsOf, UsageError } from './args';
import { EXIT_CANCELLED, EXIT_DATA, EXIT_OK, type Io } from './exit';
import { fsUserError, UserError } from '../core/errors';
import { predictionTargetOf } from '../core/predictions/read';
import { writePredictions } from '../core/predictions/write';

const jobOptions = {
  ...datasetOptions,
  ...trainFlags,
  out: { type: 'string' },
  top: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

/** Bring-your-own-model options, checked together; paths made absolute (the engine's folder is not the shell's). */
function ownModelOptions(options: ReturnType<typeof trainOptionsOf>): void {
  if (options.predProbs) options.predProbs = resolve(options.predProbs);
  if (options.embeddings) options.embeddings = resolve(options.embeddings);
  if (options.encoder && /^\.\.?([\\/]|$)/.test(options.encoder)) options.encoder = resolve(options.encoder);
  if ((options.normalize || options.ensemble) && !options.predProbs) throw new UsageError(`--${options.normalize ? 'normalize' : 'ensemble'} goes with --pred-probs FILE`);
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

/** The line a job's map ends with: "map: UMAP of 1,000 rows (the other 4,574 placed), 0.9 s". */
export function mapLine(m: MapReadyMessage): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const how = m.method === 'pca' ? `PCA of ${n(m.rows)} rows` : `UMAP of ${n(m.sample)} rows${m.sample < m.rows ? ` (the other ${n(m.rows - m.sample)} placed by their nearest)` : ''}`;
  return `map: ${how}, ${m.seconds.toFixed(1)} s`;
}

type Printed = (r: { summary: Summary; values: Record<string, unknown>; outDir: string }) => void;

/**
 * Runs the job, prints its results with `print` as soon as they are written, then waits for the
 * map (so the map file is there when the editor opens the results) and prints its line; the
 * engine is stopped before returning, whatever happens.
 */
async function runJob(kind: 'analyze' | 'retrain', args: string[], io: Io, print: Printed): Promise<number> {
  const { values, positionals } = parse(args, jobOptions);
  const file = fileArg(positionals, kind);
  if (!existsSync(file)) { io.err(`label-lens ${kind}: cannot read ${file}: no such file`); return EXIT_DATA; }
  const options = trainOptionsOf(values);
  ownModelOptions(options);
  const dataset = { file: resolve(file), ...datasetOpts(values) };
  const outDir = resolve(typeof values.out === 'string' ? values.out : resultsDirFor(file));
  const client = new EngineClient({ enginePath: join(__dirname, 'engine.js'), log: (l) => { if (!values.quiet && /error|warn/i.test(l)) io.err(l); } });
  const onSigint = () => { io.err('cancelling…'); client.cancel(); };
  process.once('SIGINT', onSigint);
  try {
    const { done, map } = client.run({ type: kind, dataset, options, outDir }, progressPrinter(io, values.quiet === true));
    const res = await done;
    print({ summary: readSummary(res.summaryPath), values, outDir });
    // Under --json stdout is the summary alone: the map's line goes to stderr.
    const say = (line: string) => { if (values.json) { if (!values.quiet) io.err(line); } else io.out(line); };
    try {
      const m = await map;
      if (m) say(mapLine(m));
    } catch (err) {
      if (err instanceof EngineError && err.code === 'cancelled') { io.err(`map: cancelled (the results are written; run the analysis again for a map)`); return EXIT_CANCELLED; }
      // The results stand without the map: say why there is none, and keep the exit code of a finished analysis.
      io.err(`warning: the map could not be made: ${err instanceof Error ? err.message : String(err)}`);
    }
    return EXIT_OK;
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
    out.push(`  ${String(i + 1).padStart(3)}  ${padDisplay(r.id, w('id'))}  ${String(r.line).padStart(6)}  ${padDisplay(r.given, w('given'))}  ${padDisplay(r.suggested, w('suggested'))}  ${r.suspicion.toFixed(3)}  ${r.kind === 'conflict' ? ' dup' : r.flagged ? ' yes' : '  no'}  ${r.reason}`);
  });
  return out.join('\n');
}

export function duplicatesLine(d: NonNullable<Summary['duplicates']>): string {
  const near = (d.jaccard < 1 ? `, ${d.nearPairs} near pairs at Jaccard ≥ ${d.jaccard}` : '') + (d.embeddingPairs !== undefined ? `, ${d.embeddingPairs} pairs by embedding cosine ≥ ${d.cosine}` : '');
  const outliers = d.outliers !== undefined ? `; ${d.outliers} outliers` : '';
  const folds = d.groups ? (d.groupFolds ? '; each group kept in one fold' : '; groups split across folds (--split-duplicates)') : '';
  return `duplicates: ${d.groups} groups (${d.rowsInGroups} rows; ${d.exactRepeats} exact repeats${near}); ${d.conflicts} label conflicts (${d.conflictRows} rows)${outliers}${folds}`;
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

export function formatSummary(s: Summary, outDir: string): string {
  const secs = Object.entries(s.seconds).map(([k, v]) => `${k} ${v.toFixed(1)}s`).join(', ');
  return [
    s.probabilities?.kind === 'given'
      ? `${s.rows} rows, ${s.classes.length} classes, ${s.model}`
      : `${s.rows} rows, ${s.classes.length} classes, ${s.dataKind} data, ${s.model ?? 'model'} on ${s.backend}; ${s.options.folds}-fold${Number(s.options.repeats) > 1 ? ` × ${String(s.options.repeats)} repeats` : ''}, ${s.epochs} epochs`,
    `out-of-fold accuracy against the given labels: ${pct(s.oofAccuracy)}`,
    ...(s.probabilities && s.probabilities.kind !== 'model' ? [probabilitiesLine(s)] : []),
    ...(s.probabilities?.embeddings ? [embeddingsLine(s)] : []),
    `flagged: ${s.flagged} rows (estimated noise rate ${pct(s.estimatedNoiseRate)}); ranked by ${s.ranking}${s.pruned !== undefined ? `; second pass trained without the ${s.pruned} rows the first flagged` : ''}`,
    ...(s.duplicates ? [duplicatesLine(s.duplicates)] : []),
    ...(s.images?.unreadable ? [`${s.images.unreadable} images could not be decoded and were skipped (never moved): ${s.images.unreadableList.slice(0, 5).map((u) => `${u.id} (${u.message})`).join('; ')}${s.images.unreadable > 5 ? '; …' : ''}`] : []),
    `time: ${secs}`,
    `results: ${join(outDir, 'rows.csv')}, ${join(outDir, 'summary.json')}`,
  ].join('\n');
}

const noArrays = (s: Summary) => JSON.stringify({ ...s, arrays: undefined }, null, 1);

async function cmdAnalyze(args: string[], io: Io): Promise<number> {
  return runJob('analyze', args, io, ({ summary, values, outDir }) => {
    if (values.json) { io.out(noArrays(summary)); return; }
    io.out(formatSuspects(summary, toNumber(values.top, 'top') ?? 20));
    io.out('');
    io.out(formatSummary(summary, outDir));
  });
}

async function cmdRetrain(args: string[], io: Io): Promise<number> {
  return runJob('retrain', args, io, ({ summary, values }) => printRetrain(summary, values, io));
}

function printRetrain(after: Summary, values: Record<string, unknown>, io: Io): void {
  const before = after.before;
  if (values.json) { io.out(noArrays(after)); return; }
  const lines = [`Retrain (${after.options.imbalance} imbalance remedy, ${after.softTargets} soft targets, label smoothing ${after.options.labelSmoothing})`];
  const col = (s?: Pick<Summary, 'oofAccuracy'>) => (s ? pct(s.oofAccuracy) : '—');
  lines.push(`  ${'held-out accuracy'.padEnd(24)} before ${col(before).padStart(7)}   after ${col(after).padStart(7)}`);
  lines.push(`  ${'flagged rows'.padEnd(24)} before ${String(before?.flagged ?? '—').padStart(7)}   after ${String(after.flagged).padStart(7)}`);
  if (after.fixed !== undefined) lines.push(`  ${'fixed since analysis'.padEnd(24)} ${String(after.fixed).padStart(7)} of the rows it flagged`);
  lines.push('  recall per class:');
  for (const c of after.classStats) {
    const b = before?.classStats.find((x) => x.name === c.name);
    lines.push(`    ${padDisplay(c.name, 22)} before ${(b ? pct(b.recall) : '—').padStart(7)}   after ${pct(c.recall).padStart(7)}`);
  }
  io.out(lines.join('\n'));
}

/** `export FILE [--out SOFT.csv] [--results DIR]`: the soft labels, sidecar targets first. */
async function cmdExport(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...datasetOptions, out: { type: 'string' }, results: { type: 'string' }, 'pred-probs': { type: 'string' } });
  const file = fileArg(positionals, 'export');
  const ds = openDataset(file, datasetOpts(values));
  const dir = resolve(typeof values.results === 'string' ? values.results : resultsDirFor(file));
  const run = readRun(dir, 'analysis');
  if (!run) throw new UserError('not-found', `${file}: no analysis in ${dir}; run "label-lens analyze ${file}" first`, { file });
  if (run.summary.rows !== ds.rowCount) throw new UserError('data', `${file}: the analysis in ${dir} has ${run.summary.rows} rows, the file ${ds.rowCount}; run the analysis again`, { file });
  if (typeof values['pred-probs'] === 'string') {
    // Our out-of-fold probabilities (the consensus the analysis scored), in the class order of the
    // analysis, for cleanlab, pandas, NumPy or `analyze --pred-probs`.
    const target = resolve(values['pred-probs']);
    if (target === resolve(file)) throw new UsageError('export --pred-probs must not be the data file itself');
    const t = predictionTargetOf(ds);
    let format;
    try {
      format = writePredictions(target, { classes: run.summary.classes, rowCount: ds.rowCount, idColumn: t.idColumn ?? 'id', rowId: t.rowId, isSkipped: t.isSkipped, probs: run.arrays.consensus });
    } catch (err) {
      throw fsUserError(err, target, 'write');
    }
    if (values.json) io.out(JSON.stringify({ file: target, format, rows: ds.rowCount, classes: run.summary.classes }));
    else io.out(`${target}: out-of-fold probabilities of ${ds.rowCount} rows × ${run.summary.classes.length} classes (${format.toUpperCase()}; classes ${run.summary.classes.join(', ')})`);
    return EXIT_OK;
  }
  const sidecar = readSidecar(file);
  const csv = softLabelsCsv(ds.rowCount, (i) => ({
    id: ds.rowId(i), label: ds.labelName(i),
    soft: sidecar.rows[ds.rowId(i)]?.soft ?? (ds.labels[i] === SKIPPED ? undefined : softOf(run.summary.classes, run.arrays.consensus, i)),
  }));
  const out = typeof values.out === 'string' ? values.out : file.replace(/(\.\w+)?$/, '.soft.csv');
  if (resolve(out) === resolve(file)) throw new UsageError('export --out must not be the data file itself');
  try {
    writeFileSync(out, csv);
  } catch (err) {
    // write(2) errors carry no path: name the file the user asked for.
    throw fsUserError(err, out, 'write');
  }
  if (values.json) io.out(JSON.stringify({ file: resolve(out), rows: ds.rowCount }));
  else io.out(`soft labels of ${ds.rowCount} rows written to ${out}`);
  return EXIT_OK;
}

export const commands: Record<string, (args: string[], io: Io) => Promise<number>> = { analyze: cmdAnalyze, retrain: cmdRetrain, export: cmdExport };
