/**
 * Soft labels as people read them: `{"class": p, …}` with p ≥ 0.001 rounded to 4 decimals, and the
 * soft-label export (id, label, soft_label) written by `label-lens export` and by the editor's
 * "Export Soft Labels" command through the same formatter.
 */
import { csvCell, csvLine } from './csvForPeople';

const MIN_SHOWN = 0.001;

/** A probability as a soft label shows it (4 decimals), or undefined when too small to show. */
const shown = (p: number): number | undefined => (p >= MIN_SHOWN ? +p.toFixed(4) : undefined);

/** A class → probability map as JSON, small probabilities left out. */
export function softJson(soft: Record<string, number>): string {
  const obj: Record<string, number> = {};
  for (const [c, p] of Object.entries(soft)) { const v = shown(p); if (v !== undefined) obj[c] = v; }
  return JSON.stringify(obj);
}

/**
 * softJson(softOf(classes, probs, row)) without the two objects a row (rows.csv at 1M rows: most of
 * the write phase's time): the keys in the order such an object holds them (integer-like names
 * first, ascending; names that are not own properties, like "__proto__", absent), each quoted once.
 */
export function softJsonOf(classes: readonly string[]): (probs: ArrayLike<number>, row: number) => string {
  const K = classes.length;
  const probe = softOf(classes, Array.from({ length: K }, (_, k) => k), 0);
  const keys = Object.keys(probe);
  const index = keys.map((c) => probe[c]);
  const quoted = keys.map((c) => `${JSON.stringify(c)}:`);
  return (probs, row) => {
    let out = '';
    for (let j = 0; j < keys.length; j++) {
      const v = shown(probs[row * K + index[j]]);
      if (v === undefined) continue;
      out += `${out ? ',' : ''}${quoted[j]}${Number.isFinite(v) ? String(v) : 'null'}`;
    }
    return `{${out}}`;
  };
}

/** Row i's distribution in a rows×classes array as a class → probability map. */
export function softOf(classes: readonly string[], probs: ArrayLike<number>, row: number): Record<string, number> {
  const K = classes.length;
  const out: Record<string, number> = {};
  for (let k = 0; k < K; k++) out[classes[k]] = probs[row * K + k];
  return out;
}

export interface SoftLabelRow {
  id: string;
  /** The row's current label ('' when unlabeled). */
  label: string;
  /** Its soft label: the user's own target when the row was smoothed, else the analysis's. */
  soft: Record<string, number> | undefined;
}

/** The soft-label export: one line per row of the dataset. */
export function softLabelsCsv(rows: number, row: (i: number) => SoftLabelRow): string {
  const lines = ['id,label,soft_label'];
  for (let i = 0; i < rows; i++) {
    const r = row(i);
    lines.push(csvLine([csvCell(r.id), csvCell(r.label), csvCell(r.soft ? softJson(r.soft) : '{}')]));
  }
  return lines.join('\n') + '\n';
}
