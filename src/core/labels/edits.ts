/**
 * Edits to labels as the CLI takes them (`relabel`, `apply --edits`): parsed, validated, and written
 * through the same ReviewState as the editor's (label bytes patched, atomic save, sidecar, journal).
 */
import { optionsOf, type Dataset } from '../table/dataset';
import { currentUser, journalPath, type JournalEntry } from './journal';
import { ReviewState, type RowState } from './reviewState';
import { smoothTarget } from './sidecar';

export type Edit =
  | { kind: 'relabel'; id: string; to: string; reason?: string; score?: number }
  | { kind: 'smooth'; id: string; target?: Record<string, number>; epsilon?: number; reason?: string; score?: number }
  | { kind: 'accept'; id: string; reason?: string; score?: number };

export class EditError extends Error {
  constructor(message: string) {
    super(message);
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

export interface ApplyResult {
  relabeled: number;
  smoothed: number;
  accepted: number;
  /** Relabels to the label the row already has. */
  unchanged: number;
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
    if (typeof id !== 'string' && typeof id !== 'number') throw new EditError(`${where}: expected "id" (string or number)`);
    const kind = v.kind ?? (v.to !== undefined ? 'relabel' : undefined);
    const reason = typeof v.reason === 'string' ? v.reason : undefined;
    if (kind === 'relabel') {
      if (typeof v.to !== 'string' && typeof v.to !== 'number') throw new EditError(`${where}: relabel needs "to" (the new label)`);
      edits.push({ kind, id: String(id), to: String(v.to), reason });
    } else if (kind === 'smooth') {
      const target = v.target as Record<string, number> | undefined;
      const epsilon = v.epsilon as number | undefined;
      if (target === undefined && epsilon === undefined) throw new EditError(`${where}: smooth needs "epsilon" (0..1) or "target" ({class: probability})`);
      edits.push({ kind, id: String(id), target, epsilon, reason });
    } else if (kind === 'accept') {
      edits.push({ kind, id: String(id), reason });
    } else throw new EditError(`${where}: unknown "kind" ${JSON.stringify(kind)}: expected relabel, smooth or accept`);
  });
  return edits;
}

function resolveRow(ds: Dataset, id: string): number {
  const row = ds.rowOf(id);
  if (row === undefined) throw new EditError(`no row with id ${JSON.stringify(id)} in ${ds.table.name}`);
  if (ds.table.index.damaged[row]) throw new EditError(`row ${JSON.stringify(id)} (line ${ds.table.index.line[row]}) is damaged and left untouched; fix it in a text editor first`);
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
 * Applies the edits as one transaction through the editor's own write path (ReviewState): all are
 * validated before anything is written.
 */
export function applyEdits(ds: Dataset, edits: Edit[], opts: ApplyOptions = {}): ApplyResult {
  if (ds.roles.label === undefined) throw new EditError(`${ds.table.name}: no label column; name it with --label`);
  const state = new ReviewState(ds.table.path, optionsOf(ds), ds);
  const result: ApplyResult = { relabeled: 0, smoothed: 0, accepted: 0, unchanged: 0 };
  for (const e of edits) {
    const row = resolveRow(ds, e.id);
    const s = state.state(row);
    let next: RowState;
    if (e.kind === 'relabel') {
      const to = e.to.trim();
      if (to === '') throw new EditError(`relabel of ${e.id}: empty label (to mark a row unlabeled, edit the file)`);
      if (!ds.classes.includes(to) && !opts.allowNewClass) {
        throw new EditError(`relabel of ${e.id}: ${JSON.stringify(to)} is not a class of ${ds.table.name} (${ds.classes.slice(0, 12).join(', ')}${ds.classes.length > 12 ? ', …' : ''}); pass --new-class to add it`);
      }
      if (to === s.label) { result.unchanged++; continue; }
      next = { ...s, label: to };
      result.relabeled++;
    } else if (e.kind === 'smooth') {
      if (e.epsilon !== undefined && !(e.epsilon >= 0 && e.epsilon <= 1)) throw new EditError(`smooth of ${e.id}: epsilon must be in [0, 1]`);
      if (s.label === '') throw new EditError(`smooth of ${e.id}: the row is unlabeled; relabel it first`);
      const soft = e.target ?? smoothTarget(ds.classes, s.label, e.epsilon ?? 0.1);
      checkTarget(ds, soft, e.id);
      next = { ...s, soft, softHow: e.target ? 'target' : `smooth ε=${e.epsilon ?? 0.1}` };
      result.smoothed++;
    } else {
      next = { ...s, accepted: true };
      result.accepted++;
    }
    state.apply(state.change(e.kind, [row], () => next, () => ({ reason: e.reason, score: e.score })));
  }
  if (opts.dryRun || !state.dirty) return result;
  state.save(opts.who ?? currentUser(), opts.via ?? 'cli');
  result.journal = journalPath(ds.table.path);
  return result;
}
