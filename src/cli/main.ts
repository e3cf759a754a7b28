/**
 * `label-lens`: the same engine as the editor, headless, for scripts and CI.
 * Exit codes (src/cli/exit.ts): 0 ok, 1 data problem, 2 usage, 70 internal error, 130 cancelled.
 */
import { readFileSync } from 'node:fs';
import { applyEdits, parseEdits, type Edit } from '../core/labels/edits';
import { formatInspectBody, formatInspectHead, inspect, inspectHead } from '../core/report/inspect';
import { Dataset, openDataset, openTableWithRoles } from '../core/table/dataset';
import { DATASET_HELP, datasetOptions, datasetOpts, fileArg, parse, trainHelp, UsageError } from './args';
import { commands as engineCommands } from './engineCommands';
import { analyzeWithJobsDir, commands as planCommands, PLAN_HELP } from './planCommands';
import { EXIT_DATA, EXIT_OK, EXIT_USAGE, reportError, type Io } from './exit';
import { terminalSafe } from '../core/report/terminal';

export { EXIT_DATA, EXIT_OK, EXIT_USAGE, type Io } from './exit';

const USAGE = `Usage: label-lens <command> FILE [options]

Commands
  inspect FILE                 roles, classes, imbalance and problems of a dataset
  analyze FILE                 train in K folds and rank the rows most likely mislabeled
  retrain FILE                 retrain on the current labels and soft targets; held-out metrics before/after
  export FILE [--out SOFT.csv] the soft labels of the last analysis (sidecar targets win), as CSV
  export FILE --pred-probs OUT.csv|.tsv|.jsonl|.npy   its out-of-fold probabilities (cleanlab, pandas, NumPy)
  relabel FILE (--id ID | --line N) --to LABEL [--reason TEXT] [--new-class]
                               --id names the row by its id (refused when several rows share it);
                               --line N by the line of the file it starts on
  apply FILE --edits EDITS.jsonl   apply {"id" or "line","kind":"relabel"|"smooth"|"accept",...} lines

${DATASET_HELP}

Training options (analyze, retrain)
${trainHelp()}
  --out DIR                        results folder (default: .label-lens/results/FILE beside FILE)
  --top N                          suspects to print (default 20)
  -q, --quiet                      no progress on stderr

${PLAN_HELP}

Exit codes: 0 ok, 1 data problem, 2 usage, 70 internal error, 130 cancelled.`;

function cmdInspect(args: string[], io: Io): number {
  const { values, positionals } = parse(args, datasetOptions);
  // In two stages, as the editor opens a file: what the table and roles tell (and the first rows)
  // is printed at once, the classes, duplicates and problems once every row is read.
  const opened = openTableWithRoles(fileArg(positionals, 'inspect'), datasetOpts(values));
  if (!values.json) io.out(formatInspectHead(inspectHead(opened)));
  const rep = inspect(new Dataset(opened.table, opened.roles));
  io.out(values.json ? JSON.stringify(rep, null, 2) : `\n${formatInspectBody(rep)}`);
  return rep.roles.label === null || rep.labeled === 0 ? EXIT_DATA : EXIT_OK;
}

function runEdits(file: string, values: Record<string, unknown>, edits: Edit[], io: Io): number {
  const ds = openDataset(file, datasetOpts(values));
  const res = applyEdits(ds, edits, { allowNewClass: values['new-class'] === true, via: 'cli' });
  if (values.json) io.out(JSON.stringify(res));
  else {
    // Net changes written, not edits asked for.
    io.out(`${file}: ${res.relabeled} relabeled, ${res.smoothed} smoothed, ${res.accepted} accepted${res.unchanged ? `, ${res.unchanged} already had that label` : ''}`);
    if (!res.written) io.out(`nothing written: the ${res.requested === 1 ? 'edit leaves' : `${res.requested} edits leave`} every row as it was`);
    if (res.journal) io.out(`journal: ${res.journal}`);
  }
  return EXIT_OK;
}

function cmdRelabel(args: string[], io: Io): number {
  const { values, positionals } = parse(args, { ...datasetOptions, to: { type: 'string' }, reason: { type: 'string' }, 'new-class': { type: 'boolean' }, 'id-column': { type: 'string' }, line: { type: 'string' } });
  const file = fileArg(positionals, 'relabel');
  // In `relabel`, --id names the row; the id column, if it must be overridden, is --id-column.
  const byLine = typeof values.line === 'string';
  if (byLine === (typeof values.id === 'string') || typeof values.to !== 'string') throw new UsageError('relabel needs --to LABEL and one of --id ID or --line N');
  let line: number | undefined;
  if (byLine) {
    line = Number(values.line);
    if (!Number.isInteger(line) || line < 1) throw new UsageError(`--line ${values.line}: expected the line number a row starts on (1, 2, …)`);
  }
  const edit: Edit = byLine ? { kind: 'relabel', line, to: values.to, reason: values.reason } : { kind: 'relabel', id: values.id, to: values.to, reason: values.reason };
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

const STDIO: Io = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') };

export async function main(argv: string[], raw: Io = STDIO): Promise<number> {
  // Everything printed passes here: a class name or id carrying ESC ]52 (clipboard) or ESC [2J
  // reaches the terminal as visible text, never as a control sequence.
  const io: Io = { out: (s) => raw.out(terminalSafe(s)), err: (s) => raw.err(terminalSafe(s)) };
  const [command, ...rest] = argv;
  const commands: Record<string, Command> = { inspect: cmdInspect, relabel: cmdRelabel, apply: cmdApply, ...engineCommands, ...planCommands, analyze: analyzeWithJobsDir(engineCommands.analyze) };
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command ? EXIT_OK : EXIT_USAGE;
  }
  const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!run) {
    io.err(`label-lens: unknown command "${command}"\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) { io.out(USAGE); return EXIT_OK; }
  try {
    return await run(rest, io);
  } catch (err) {
    return reportError(err, command, io, USAGE);
  }
}
