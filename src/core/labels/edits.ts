/**
 * Edits to labels as the CLI takes them (`relabel`, `apply --edits`): parsed, validated, and written
 * through the same DocumentState as the editor's (label bytes patched, atomic save, sidecar, journal).
 */
import { UserError } from '../errors';
import { optionsOf, type Dataset } from '../table/dataset';
import { Table } from '../table/table';
import { currentUser, journalPath, type JournalEntry } from './journal';
import { DocumentState, type RowState } from './documentState';
import { smoothTarget } from './sidecar';

/**
 * Which row an edit is for: `id` (the id column's value, which must name exactly one row) or `line`
 * (the 1-based line the row starts on: by position, on purpose). Exactly one of the two.
 */
export interface RowRef {
  id?: string;
  line?: number;
}

export type Edit = RowRef & (
  | { kind: 'relabel'; to: string; reason?: string; score?: number }
  | { kind: 'smooth'; target?: Record<string, number>; epsilon?: number; reason?: string; score?: number }
  | { kind: 'accept'; reason?: string; score?: number });

export class EditError extends UserError {
  constructor(message: string, file?: string, line?: number) {
    super('data', message, file ? { file, line } : undefined);
    this.name = 'EditError';
  }
}

export interface ApplyOptions {
  who?: string;
  via?: JournalEntry['via'];
  /** Allow relabeling to a class no row has yet (otherwise a typo would create a class). */
  allowNewClass?: boolean;
  /** Validate only. */
  dryRun?: boolean;
}

/** Net changes written (a row set ham→spam→ham counts nothing), not the edits asked for. */
export interface ApplyResult {
  /** Rows whose label in the file changed. */
  relabeled: number;
  /** Rows whose soft target changed. */
  smoothed: number;
  /** Rows newly marked accepted. */
  accepted: number;
  /** Relabels to the label the row already had. */
  unchanged: number;
  /** Edits asked for. */
  requested: number;
  /** Whether anything was written (false when the edits cancel out or change nothing). */
  written: boolean;
  journal?: string;
}

/** Parses a JSON-lines file of edits; errors name the line. */
export function parseEdits(text: string, source: string): Edit[] {
  const edits: Edit[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${source}:${i + 1}`;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw new EditError(`${where}: invalid JSON (${(err as Error).message}): expected {"id": ..., "kind": "relabel", "to": ...}`);
    }
    if (!v || typeof v !== 'object') throw new EditError(`${where}: expected a JSON object`);
    const id = v.id;
    let ref: RowRef;
    if (v.line !== undefined) {
      if (id !== undefined) throw new EditError(`${where}: give "id" or "line", not both`);
      if (typeof v.line !== 'number' || !Number.isInteger(v.line) || v.line < 1) throw new EditError(`${where}: "line" must be a line number (1, 2, …)`);
      ref = { line: v.line };
    } else if (typeof id === 'string' || typeof id === 'number') ref = { id: String(id) };
    else throw new EditError(`${where}: expected "id" (string or number) or "line" (the row's line in the file)`);
    const kind = v.kind ?? (v.to !== undefined ? 'relabel' : undefined);
    const reason = typeof v.reason === 'string' ? v.reason : undefined;
    if (kind === 'relabel') {
      if (typeof v.to !== 'string' && typeof v.to !== 'number') throw new EditError(`${where}: relabel needs "to" (the new label)`);
      edits.push({ kind, ...ref, to: String(v.to), reason });
    } else if (kind === 'smooth') {
      const target = v.target as Record<string, number> | undefined;
      const epsilon = v.epsilon as number | undefined;
      if (target === undefined && epsilon === undefined) throw new EditError(`${where}: smooth needs "epsilon" (0..1) or "target" ({class: probability})`);
      edits.push({ kind, ...ref, target, epsilon, reason });
    } else if (kind === 'accept') {
      edits.push({ kind, ...ref, reason });
    } else throw new EditError(`${where}: unknown "kind" ${JSON.stringify(kind)}: expected relabel, smooth or accept`);
  });
  return edits;
}

/** How an edit names its row, for messages. */
export function refText(e: RowRef): string {
  return e.line !== undefined ? `line ${e.line}` : `id ${JSON.stringify(e.id)}`;
}

/**
 * The row an edit is for. An id must name exactly one row (never read as a position); a line is a
 * position, asked for on purpose. A damaged row is refused with what is wrong with it.
 */
export function resolveRow(ds: Dataset, e: RowRef): number {
  const t = ds.table;
  let row: number | undefined;
  if (e.line !== undefined) {
    row = ds.rowAtLine(e.line);
    if (row === undefined) {
      const lines = t.index.line;
      throw new EditError(`${t.name}: no row starts on line ${e.line} (data rows start on lines ${lines[0]}–${lines[lines.length - 1]}; a row spanning several lines is named by its first)`, t.name, e.line);
    }
  } else {
    const id = e.id ?? '';
    if (!ds.hasIds) {
      // "row N" is the name shown for a row of a file without ids: explicit, so not a silent position.
      const named = /^row \d+$/.test(id) ? ds.rowOf(id) : undefined;
      if (named !== undefined) return checkDamaged(ds, named);
      throw new EditError(`${t.name} has no id column (${ds.roles.why.id}): address the row by its line with --line N (or "line" in an edits file), or name the id column with --id-column`, t.name);
    }
    if (id.trim() === '') throw new EditError(`${t.name}: a blank id names no row: use --line N`, t.name);
    const rows = ds.rowsOf(id);
    if (rows.length === 0) throw new EditError(`no row with id ${JSON.stringify(id)} in ${t.name}`, t.name);
    if (rows.length > 1) {
      const lines = rows.map((r) => t.index.line[r]);
      throw new EditError(`id ${JSON.stringify(id)} is ambiguous in ${t.name}: the rows on lines ${lines.join(', ')} have it; nothing was changed. Address one with --line N`, t.name, lines[0]);
    }
    row = rows[0];
  }
  return checkDamaged(ds, row);
}

function checkDamaged(ds: Dataset, row: number): number {
  const t = ds.table;
  if (t.index.damaged[row]) {
    const id = ds.hasIds && ds.rowId(row) !== '' ? ` (id ${JSON.stringify(ds.rowId(row))})` : '';
    const fix = t instanceof Table ? 'fix it in a text editor first' : 'fix or replace it first';
    throw new EditError(`the row on line ${t.index.line[row]} of ${t.name}${id} is damaged (${ds.damageOf(row)}) and is left untouched; ${fix}`, t.name, t.index.line[row]);
  }
  return row;
}

function checkTarget(ds: Dataset, target: Record<string, number>, id: string): void {
  let sum = 0;
  for (const [c, p] of Object.entries(target)) {
    if (!ds.classes.includes(c)) throw new EditError(`smooth target of ${id}: unknown class ${JSON.stringify(c)}`);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new EditError(`smooth target of ${id}: probability of ${c} must be in [0, 1]`);
    sum += p;
  }
  if (Math.abs(sum - 1) > 1e-3) throw new EditError(`smooth target of ${id}: probabilities sum to ${sum.toFixed(4)}, expected 1`);
}

/**
 * Applies the edits as one transaction through the editor's own write path (DocumentState): all are
 * validated before anything is written.
 */
export function applyEdits(ds: Dataset, edits: Edit[], opts: ApplyOptions = {}): ApplyResult {
  if (ds.roles.label === undefined) throw new EditError(`${ds.table.name}: no label column; name it with --label`);
  const state = new DocumentState(ds.table.path, optionsOf(ds), ds);
  const result: ApplyResult = { relabeled: 0, smoothed: 0, accepted: 0, unchanged: 0, requested: edits.length, written: false };
  for (const e of edits) {
    const row = resolveRow(ds, e);
    const who = refText(e);
    const s = state.state(row);
    let next: RowState;
    if (e.kind === 'relabel') {
      const to = e.to.trim();
      if (to === '') throw new EditError(`relabel of ${who}: empty label (to mark a row unlabeled, edit the file)`);
      if (!ds.classes.includes(to) && !opts.allowNewClass) {
        throw new EditError(`relabel of ${who}: ${JSON.stringify(to)} is not a class of ${ds.table.name} (${ds.classes.slice(0, 12).join(', ')}${ds.classes.length > 12 ? ', …' : ''}); pass --new-class to add it`);
      }
      if (to === s.label) { result.unchanged++; continue; }
      next = { ...s, label: to };
    } else if (e.kind === 'smooth') {
      if (e.epsilon !== undefined && !(e.epsilon >= 0 && e.epsilon <= 1)) throw new EditError(`smooth of ${who}: epsilon must be in [0, 1]`);
      if (s.label === '') throw new EditError(`smooth of ${who}: the row is unlabeled; relabel it first`);
      const soft = e.target ?? smoothTarget(ds.classes, s.label, e.epsilon ?? 0.1);
      checkTarget(ds, soft, who);
      next = { ...s, soft, softHow: e.target ? 'target' : `smooth ε=${e.epsilon ?? 0.1}` };
    } else {
      next = { ...s, accepted: true };
    }
    state.apply(state.change(e.kind, [row], () => next, () => ({ reason: e.reason, score: e.score })));
  }
  // What is printed is what is written: the difference between the rows as read and as left.
  for (const row of state.changedRows) {
    const before = state.saved(row);
    const after = state.state(row);
    if (after.label !== before.label) result.relabeled++;
    if (JSON.stringify(after.soft ?? null) !== JSON.stringify(before.soft ?? null)) result.smoothed++;
    if (after.accepted && !before.accepted) result.accepted++;
  }
  if (opts.dryRun || !state.dirty) return result;
  state.save(opts.who ?? currentUser(), opts.via ?? 'cli');
  result.written = true;
  result.journal = journalPath(ds.table.path);
  return result;
}
