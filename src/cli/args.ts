/**
 * The CLI's argument parsing, shared by every command: the dataset options, the training options
 * (their flags and help come from the train-options table in src/protocol/trainOptions.ts), and
 * the one FILE argument. A wrong command line is a UsageError (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../core/errors';
import type { DatasetOptions } from '../core/table/dataset';
import { parseEncodingName } from '../core/table/encoding';
import { expected, TRAIN_OPTION_NAMES, TRAIN_OPTIONS, validOption, type TrainOptions } from '../protocol/trainOptions';

export class UsageError extends UserError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export const datasetOptions = {
  label: { type: 'string' },
  text: { type: 'string' },
  id: { type: 'string' },
  features: { type: 'string' },
  encoding: { type: 'string' },
  embedding: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const DATASET_HELP = `Dataset options (all commands)
  --label COL  --text COL  --id COL  --features COL,COL   override a column role (name or 1-based position)
  --encoding utf-8|gb18030|gbk|utf-16le|utf-16be          override the detected encoding
  --embedding COL|none                                     the column of vectors (embeddings) to learn from
  --json                                                   machine-readable output`;

export function parse<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The dataset options of a parsed command line. */
export function datasetOpts(v: Record<string, unknown>): DatasetOptions {
  let encoding;
  if (typeof v.encoding === 'string') {
    encoding = parseEncodingName(v.encoding);
    if (!encoding) throw new UsageError(`unknown encoding "${v.encoding}": expected utf-8, gb18030 (or gbk), utf-16le or utf-16be`);
  }
  return { label: str(v.label), text: str(v.text), id: str(v.id), features: str(v.features), embedding: str(v.embedding), encoding };
}

export function fileArg(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one FILE, got ${positionals.length}`);
  return positionals[0];
}

/** The parseArgs config of every train option that has a flag. */
export const trainFlags: Options = Object.fromEntries(TRAIN_OPTION_NAMES.flatMap((name) => {
  const spec = TRAIN_OPTIONS[name];
  const flags: [string, { type: 'boolean' | 'string' }][] = [];
  if ('flag' in spec) flags.push([spec.flag, { type: spec.type === 'boolean' ? 'boolean' : 'string' }]);
  if ('offFlag' in spec) flags.push([spec.offFlag, { type: 'boolean' }]);
  return flags;
}));

/** The train options set on a parsed command line, checked against the table; errors name the flag. */
export function trainOptionsOf(v: Record<string, unknown>): Partial<TrainOptions> {
  const o: Record<string, unknown> = {};
  for (const name of TRAIN_OPTION_NAMES) {
    const spec = TRAIN_OPTIONS[name];
    if ('offFlag' in spec && v[spec.offFlag]) { o[name] = false; continue; }
    if (!('flag' in spec)) continue;
    const raw = v[spec.flag];
    if (raw === undefined) continue;
    let value: unknown = raw;
    if (spec.type === 'integer' || spec.type === 'number') value = toNumber(raw, spec.flag);
    if (!validOption(spec, value)) throw new UsageError(`--${spec.flag} has an invalid value ${JSON.stringify(raw)}: expected ${expected(spec)}`);
    o[name] = value;
  }
  return o as Partial<TrainOptions>;
}

export function toNumber(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} expects a number, got "${String(v)}"`);
  return n;
}

/** The help lines of the train options, from the table. */
export function trainHelp(): string {
  const lines: string[] = [];
  for (const name of TRAIN_OPTION_NAMES) {
    const spec = TRAIN_OPTIONS[name];
    if ('offFlag' in spec) lines.push(`  --${spec.offFlag}`.padEnd(34) + ` leave out ${spec.description} (on by default)`);
    if (!('flag' in spec)) continue;
    const arg = spec.type === 'boolean' ? '' : spec.type === 'enum' ? ` ${spec.values.join('|')}` : ` ${'arg' in spec ? spec.arg : 'X'}`;
    const range = spec.type === 'integer' || spec.type === 'number' ? `${spec.minimum}–${spec.maximum}, default ${spec.default}` : spec.type === 'enum' ? `default ${spec.default}` : '';
    const left = `  --${spec.flag}${arg}`;
    const text = `${spec.description}${range ? ` (${range})` : ''}`;
    lines.push(left.length < 34 ? `${left.padEnd(34)} ${text}` : `${left}\n${' '.repeat(35)}${text}`);
  }
  return lines.join('\n');
}
