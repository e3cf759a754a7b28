/**
 * `label-lens`: the same engine as the editor, headless, for scripts and CI.
 * Exit codes: 0 ok, 1 data problem, 2 usage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { applyEdits, EditError, parseEdits, type Edit } from '../core/labels/edits';
import { FileChangedError } from '../core/labels/atomicWrite';
import { PatchError } from '../core/labels/patch';
import { formatInspect, inspect } from '../core/report';
import { openDataset, type DatasetOptions } from '../core/table/dataset';
import { parseEncodingName } from '../core/table/encoding';
import { TableError } from '../core/table/problems';
import { isUserError } from '../core/errors';
import { commands as engineCommands } from './engineCommands';

export const EXIT_OK = 0;
export const EXIT_DATA = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const USAGE = `Usage: label-lens <command> FILE [options]

Commands
  inspect FILE                 roles, classes, imbalance and problems of a dataset
  analyze FILE                 train in K folds and rank the rows most likely mislabeled
  retrain FILE                 retrain on the current labels and soft targets; held-out metrics before/after
  relabel FILE --id ID --to LABEL [--reason TEXT] [--new-class]
  apply FILE --edits EDITS.jsonl   apply {"id","kind":"relabel"|"smooth"|"accept",...} lines

Dataset options (all commands)
  --label COL  --text COL  --id COL  --features COL,COL   override a column role (name or 1-based position)
  --encoding utf-8|gb18030|gbk|utf-16le|utf-16be          override the detected encoding
  --json                                                   machine-readable output

Training options (analyze, retrain)
  --folds K (5)  --repeats R (0 = by kind: text 2, else 1)  --epochs E (0 = by data kind)  --seed S (1)  --workers N (cores)  --out DIR  --top N (20)
  --pi T (5) stochastic passes   --teacher H (1) mean-teacher horizon in epochs   --consistency λ (0)
  --smoothing ε (0)   --imbalance none|class-weights|logit-adjustment|focal   --label-names
  --prune   train a second pass without the rows the first flagged (systematic noise; 2× time)
  --pixel-model auto|mlp|cnn (auto: CNN on tfjs-node, else MLP)   -q, --quiet

Exit codes: 0 ok, 1 data problem, 2 usage.`;

export const datasetOptions = {
  label: { type: 'string' },
  text: { type: 'string' },
  id: { type: 'string' },
  features: { type: 'string' },
  encoding: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function datasetOpts(v: Record<string, unknown>): DatasetOptions {
  let encoding;
  if (typeof v.encoding === 'string') {
    encoding = parseEncodingName(v.encoding);
    if (!encoding) throw new UsageError(`unknown encoding "${v.encoding}": expected utf-8, gb18030 (or gbk), utf-16le or utf-16be`);
  }
  return { label: v.label as string | undefined, text: v.text as string | undefined, id: v.id as string | undefined, features: v.features as string | undefined, encoding };
}

export function fileArg(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one FILE, got ${positionals.length}`);
  return positionals[0];
}

function cmdInspect(args: string[], io: Io): number {
  const { values, positionals } = parse(args, datasetOptions);
  const ds = openDataset(fileArg(positionals, 'inspect'), datasetOpts(values));
  const rep = inspect(ds);
  io.out(values.json ? JSON.stringify(rep, null, 2) : formatInspect(rep));
  return rep.roles.label === null || rep.labeled === 0 ? EXIT_DATA : EXIT_OK;
}

function runEdits(file: string, values: Record<string, unknown>, edits: Edit[], io: Io): number {
  const ds = openDataset(file, datasetOpts(values));
  const res = applyEdits(ds, edits, { allowNewClass: values['new-class'] === true, via: 'cli' });
  if (values.json) io.out(JSON.stringify(res));
  else {
    io.out(`${file}: ${res.relabeled} relabeled, ${res.smoothed} smoothed, ${res.accepted} accepted${res.unchanged ? `, ${res.unchanged} already had that label` : ''}`);
    if (res.journal) io.out(`journal: ${res.journal}`);
  }
  return EXIT_OK;
}

function cmdRelabel(args: string[], io: Io): number {
  const { values, positionals } = parse(args, { ...datasetOptions, to: { type: 'string' }, reason: { type: 'string' }, 'new-class': { type: 'boolean' }, 'id-column': { type: 'string' } });
  const file = fileArg(positionals, 'relabel');
  // In `relabel`, --id names the row; the id column, if it must be overridden, is --id-column.
  if (typeof values.id !== 'string' || typeof values.to !== 'string') throw new UsageError('relabel needs --id ID and --to LABEL');
  const edit: Edit = { kind: 'relabel', id: values.id, to: values.to, reason: values.reason };
  return runEdits(file, { ...values, id: values['id-column'] }, [edit], io);
}

function cmdApply(args: string[], io: Io): number {
  const { values, positionals } = parse(args, { ...datasetOptions, edits: { type: 'string' }, 'new-class': { type: 'boolean' } });
  const file = fileArg(positionals, 'apply');
  if (typeof values.edits !== 'string') throw new UsageError('apply needs --edits EDITS.jsonl');
  const edits = parseEdits(readFileSync(values.edits, 'utf8'), values.edits);
  return runEdits(file, values, edits, io);
}

type Command = (args: string[], io: Io) => number | Promise<number>;

export async function main(argv: string[], io: Io = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') }): Promise<number> {
  const [command, ...rest] = argv;
  const commands: Record<string, Command> = { inspect: cmdInspect, relabel: cmdRelabel, apply: cmdApply, ...engineCommands };
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command ? EXIT_OK : EXIT_USAGE;
  }
  const run = commands[command];
  if (!run) {
    io.err(`label-lens: unknown command "${command}"\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) { io.out(USAGE); return EXIT_OK; }
  try {
    return await run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) { io.err(`label-lens ${command}: ${err.message}\n\n${USAGE}`); return EXIT_USAGE; }
    if (err instanceof RangeError && /no column/.test(err.message)) { io.err(`label-lens ${command}: ${err.message}`); return EXIT_USAGE; }
    if (isUserError(err)) { io.err(`label-lens ${command}: ${err.message}`); return err.code === 'usage' ? EXIT_USAGE : EXIT_DATA; }
    if (err instanceof TableError || err instanceof EditError || err instanceof PatchError || err instanceof FileChangedError) {
      io.err(`label-lens ${command}: ${err.message}`);
      return EXIT_DATA;
    }
    const e = err as NodeJS.ErrnoException;
    if (e && (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR')) {
      io.err(`label-lens ${command}: cannot read ${e.path ?? 'the file'}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : 'it is a folder'}`);
      return EXIT_DATA;
    }
    throw err;
  }
}
