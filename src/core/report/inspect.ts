/** The inspect report: what a dataset is made of, as data (for --json) and as text (for people). */
import type { Dataset, OpenedTable } from '../table/dataset';
import { dataKind } from '../table/roles';
import { formatProblem, type Problem } from '../table/problems';
import { Table } from '../table/table';
import { displayWidth, padDisplay } from './terminal';
import { uniteExact } from '../duplicates/exact';
import { UnionFind, conflictReason, findConflicts, groupsOf } from '../duplicates/groups';

/** Exact duplicates (after normalisation) of a text dataset and the label conflicts among them. */
export interface ExactDuplicates {
  /** Rows that repeat an earlier row's text. */
  repeats: number;
  groups: number;
  rowsInGroups: number;
  conflicts: number;
  conflictRows: number;
  /** The largest conflicts first (at most 20): reason and member ids. */
  examples: { reason: string; ids: string[] }[];
}

export function exactDuplicates(ds: Dataset): ExactDuplicates | null {
  if (ds.roles.text === undefined) return null;
  const n = ds.rowCount;
  const col = ds.roles.text;
  const uf = new UnionFind(n);
  const exact = new Uint8Array(n);
  const repeats = uniteExact(n, (i) => (ds.table.index.damaged[i] ? '' : ds.table.cell(i, col)), uf, exact);
  const groups = groupsOf(uf, exact);
  const conflicts = findConflicts(groups, ds.labels).sort((a, b) => b.size - a.size || a.group - b.group);
  let rowsInGroups = 0;
  for (let i = 0; i < n; i++) if (groups.group[i] >= 0) rowsInGroups++;
  return {
    repeats, groups: groups.count, rowsInGroups, conflicts: conflicts.length, conflictRows: conflicts.reduce((s, c) => s + c.size, 0),
    examples: conflicts.slice(0, 20).map((c) => ({ reason: conflictReason(c, ds.classes), ids: [...groups.members(c.group)].slice(0, 10).map((r) => ds.rowId(r)) })),
  };
}

export interface InspectReport {
  file: string;
  format: string;
  encoding: string;
  encodingWhy: string;
  bom: boolean;
  lineEnding: string;
  rows: number;
  columns: string[];
  kind: string;
  roles: {
    id: string | null;
    label: string | null;
    text: string | null;
    features: string[];
    pixels: { columns: number; width: number; height: number } | null;
    why: Dataset['roles']['why'];
  };
  classes: { name: string; count: number; share: number }[];
  labeled: number;
  unlabeled: number;
  skipped: number;
  imbalanceRatio: number | null;
  problemCounts: Record<string, number>;
  problems: Problem[];
  /** Text data only (null otherwise); near-duplicates need `analyze`. */
  duplicates: ExactDuplicates | null;
  /** The first rows of the file as read (id, label, text or features; damaged rows left out). */
  firstRows: { id: string; label: string; text: string }[];
}

/** What the table and its roles tell (the report's first part), known before every row's label is read. */
export type InspectHead = Pick<InspectReport, 'file' | 'format' | 'encoding' | 'encodingWhy' | 'bom' | 'lineEnding' | 'rows' | 'columns' | 'kind' | 'roles' | 'firstRows'>;

/** Rows the report shows as a sample of the file. */
const FIRST_ROWS = 3;

export function inspectHead({ table: t, roles: r }: OpenedTable): InspectHead {
  return {
    file: t.path,
    format: t.format,
    // Parquet and image folders have no text encoding of their own.
    encoding: t instanceof Table ? t.encoding.name : 'binary',
    encodingWhy: t instanceof Table ? t.encoding.why : `${t.format} format`,
    bom: t instanceof Table && t.encoding.bomLength > 0,
    lineEnding: !(t instanceof Table) ? 'none' : t.lineEnding === '\r\n' ? 'CRLF' : t.lineEnding === '\n' ? 'LF' : 'CR',
    rows: t.rowCount,
    columns: t.header,
    kind: dataKind(r),
    roles: {
      id: r.id !== undefined ? t.header[r.id] : null,
      label: r.label !== undefined ? t.header[r.label] : null,
      text: r.text !== undefined ? t.header[r.text] : null,
      features: r.features.map((c) => t.header[c]),
      pixels: r.pixels ? { columns: r.pixels.columns.length, width: r.pixels.width, height: r.pixels.height } : null,
      why: r.why,
    },
    firstRows: firstRows(t, r),
  };
}

function firstRows(t: OpenedTable['table'], r: OpenedTable['roles']): InspectReport['firstRows'] {
  const out: InspectReport['firstRows'] = [];
  for (let i = 0; i < t.rowCount && out.length < FIRST_ROWS; i++) {
    if (t.index.damaged[i]) continue;
    const text = r.text !== undefined ? t.cell(i, r.text)
      : r.pixels ? `${r.pixels.width}×${r.pixels.height} image`
        : r.images ? t.cell(i, r.images.column) : r.features.slice(0, 6).map((c) => `${t.header[c]}=${t.cell(i, c)}`).join(', ');
    out.push({ id: r.id !== undefined ? t.cell(i, r.id).trim() : `row ${i + 1}`, label: r.label !== undefined ? t.cell(i, r.label).trim() : '', text: text.length > 80 ? `${text.slice(0, 80)}…` : text });
  }
  return out;
}

export function inspect(ds: Dataset): InspectReport {
  const t = ds.table;
  const labeled = ds.counts.reduce((a, b) => a + b, 0);
  return {
    ...inspectHead(ds),
    classes: ds.classes.map((name, k) => ({ name, count: ds.counts[k], share: labeled ? ds.counts[k] / labeled : 0 })),
    labeled,
    unlabeled: ds.unlabeled,
    skipped: ds.skipped,
    imbalanceRatio: ds.classes.length ? ds.imbalanceRatio() : null,
    problemCounts: Object.fromEntries(t.problemCounts),
    problems: [...t.problems],
    duplicates: exactDuplicates(ds),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatInspect(rep: InspectReport, maxProblems = 20): string {
  return `${formatInspectHead(rep)}\n\n${formatInspectBody(rep, maxProblems)}`;
}

/** File, rows, columns and roles: printed as soon as the table is read, before the rest is counted. */
export function formatInspectHead(rep: InspectHead): string {
  const out: string[] = [];
  out.push(`${rep.file}`);
  out.push(`  ${rep.rows} rows · ${rep.columns.length} columns · ${rep.format.toUpperCase()} · ${rep.encoding}${rep.bom ? ' with BOM' : ''} (${rep.encodingWhy}) · ${rep.lineEnding}`);
  out.push('');
  out.push('Roles');
  const role = (name: string, v: string | null, why: string) => out.push(`  ${name.padEnd(9)}${(v ?? '—').padEnd(16)} ${why}`);
  role('id', rep.roles.id, rep.roles.why.id);
  role('label', rep.roles.label, rep.roles.why.label);
  role('text', rep.roles.text, rep.roles.why.text);
  role('features', rep.roles.features.length ? `${rep.roles.features.length} columns` : null, rep.roles.why.features);
  role('pixels', rep.roles.pixels ? `${rep.roles.pixels.width}×${rep.roles.pixels.height}` : null, rep.roles.why.pixels);
  out.push(`  model input: ${rep.kind}`);
  if (rep.firstRows.length) {
    out.push('');
    out.push('First rows');
    for (const f of rep.firstRows) out.push(`  ${f.id} · ${f.label || '(unlabeled)'} · ${f.text.replace(/\s+/g, ' ')}`);
  }
  return out.join('\n');
}

/** Classes, duplicates and problems: what needs every row read. */
export function formatInspectBody(rep: InspectReport, maxProblems = 20): string {
  const out: string[] = [];
  out.push(`Classes (${rep.classes.length}; ${rep.labeled} labeled, ${rep.unlabeled} unlabeled, ${rep.skipped} skipped)`);
  const width = Math.min(40, Math.max(5, ...rep.classes.map((c) => displayWidth(c.name))));
  const maxShare = Math.max(0, ...rep.classes.map((c) => c.share));
  for (const c of rep.classes) {
    const bar = '█'.repeat(Math.max(c.count > 0 ? 1 : 0, Math.round((c.share / (maxShare || 1)) * 30)));
    out.push(`  ${padDisplay(c.name, width)} ${String(c.count).padStart(8)} ${pct(c.share).padStart(6)} ${bar}`);
  }
  if (rep.imbalanceRatio !== null) out.push(`  imbalance ratio (largest/smallest class): ${rep.imbalanceRatio.toFixed(2)}`);
  out.push('');
  const d = rep.duplicates;
  if (d) {
    out.push(`Exact duplicates (after normalising Unicode, case and spaces): ${d.repeats} rows repeat an earlier text, in ${d.groups} groups; ${d.conflicts} label conflicts (${d.conflictRows} rows)`);
    for (const e of d.examples.slice(0, 10)) out.push(`  ${e.reason} — ids ${e.ids.join(', ')}`);
    if (d.conflicts > 10) out.push(`  … ${d.conflicts - 10} more conflicts (--json lists 20; analyze ranks them all)`);
    out.push('');
  }
  const total = Object.values(rep.problemCounts).reduce((a, b) => a + b, 0);
  if (total === 0) out.push('No problems found.');
  else {
    out.push(`Problems (${total}: ${Object.entries(rep.problemCounts).map(([k, v]) => `${v} ${k}`).join(', ')})`);
    for (const p of rep.problems.slice(0, maxProblems)) out.push(`  ${formatProblem(p)}`);
    if (rep.problems.length > maxProblems) out.push(`  … ${total - maxProblems} more (--json lists up to 1000 of each kind)`);
  }
  return out.join('\n');
}
