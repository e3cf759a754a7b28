/** Exact duplicates after normalisation (normalize.ts), by hash with an exact comparison behind it. */
import { hash53, normalizeText } from './normalize';
import type { UnionFind } from './groups';

/**
 * Unites rows whose normalised texts are equal; marks them in `exact`. Rows whose normalised text is
 * empty are left alone: an empty row is not a copy of another, it is an outlier. Returns the number
 * of rows that repeat an earlier one; `copyOf[i]`, when given, becomes the first row with row i's
 * text (left as is for rows that repeat none). Time and memory linear in rows (one map entry per distinct
 * hash; the normalised text is recomputed only on a hash match). `tick(fraction)`: every 16,384 rows (progress).
 */
export function uniteExact(n: number, text: (i: number) => string, uf: UnionFind, exact: Uint8Array, copyOf?: Int32Array, tick?: (fraction: number) => void): number {
  const firstOf = new Map<number, number>();
  /** Rows whose hash matched a different text (a 53-bit collision): compared one by one. */
  const collided = new Map<number, number[]>();
  let repeats = 0;
  for (let i = 0; i < n; i++) {
    if (tick && (i & 0x3fff) === 0x3fff) tick(i / n);
    const t = normalizeText(text(i));
    if (t === '') continue;
    const h = hash53(t);
    const f = firstOf.get(h);
    if (f === undefined) { firstOf.set(h, i); continue; }
    let match = normalizeText(text(f)) === t ? f : -1;
    if (match < 0) {
      const others = collided.get(h) ?? [];
      match = others.find((o) => normalizeText(text(o)) === t) ?? -1;
      if (match < 0) { others.push(i); collided.set(h, others); continue; }
    }
    uf.union(match, i);
    if (copyOf) copyOf[i] = match;
    exact[match] = 1;
    exact[i] = 1;
    repeats++;
  }
  return repeats;
}
