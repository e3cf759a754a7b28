/**
 * `label-lens export FILE --pred-probs OUT`: our out-of-fold probabilities (the consensus the last
 * analysis scored) in the formats `analyze --pred-probs` reads, cleanlab takes and pandas/NumPy
 * load: OUT.csv / .tsv (id + one column per class), .jsonl ({"id", "pred_probs": {…}}) or .npy
 * (N×K float32, file row order, classes in the order summary.json lists).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readArrays, type Summary } from '../core/results';
import { openDataset } from '../core/table/dataset';
import { predictionTargetOf } from '../core/predictions/read';
import { writePredictions } from '../core/predictions/write';
import { UserError } from '../core/errors';
import { datasetOptions, datasetOpts, EXIT_OK, fileArg, parse, UsageError, type Io } from './main';
import { defaultOutDir } from './engineCommands';

export async function cmdExport(args: string[], io: Io): Promise<number> {
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
