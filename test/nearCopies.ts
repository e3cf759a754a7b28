/**
 * Near copies of real rows for the duplicate tests and bench: a few characters edited, words
 * reordered, or punctuation added — the ways one text turns up twice in a dataset.
 */
import { Random } from '../src/core/random';

export type CopyKind = 'edit' | 'reorder' | 'punctuation';
export const COPY_KINDS: CopyKind[] = ['edit', 'reorder', 'punctuation'];

const isCjk = (s: string) => /[\u4e00-\u9fff]/.test(s);

/** A near copy of `text`: `edits` characters replaced, inserted or deleted; two adjacent words (or CJK pairs) swapped; or punctuation added. */
export function nearCopy(text: string, kind: CopyKind, rng: Random, edits = isCjk(text) ? 2 : 3): string {
  const chars = [...text];
  if (kind === 'edit') {
    const pool = isCjk(text) ? '的一是不了人我在有他这中大来上国个到说们' : 'abcdefghijklmnopqrstuvwxyz';
    for (let e = 0; e < edits; e++) {
      const at = rng.int(chars.length);
      const op = rng.int(3);
      const c = pool[rng.int(pool.length)];
      if (op === 0) chars[at] = c; else if (op === 1) chars.splice(at, 0, c); else if (chars.length > 1) chars.splice(at, 1);
    }
    return chars.join('');
  }
  if (kind === 'reorder') {
    if (isCjk(text)) {
      // Swap two adjacent two-character pieces.
      if (chars.length < 5) return chars.reverse().join('');
      const at = rng.int(chars.length - 4);
      const [a, b] = [chars.slice(at, at + 2), chars.slice(at + 2, at + 4)];
      chars.splice(at, 4, ...b, ...a);
      return chars.join('');
    }
    const words = text.split(' ');
    if (words.length < 2) return text;
    const at = rng.int(words.length - 1);
    [words[at], words[at + 1]] = [words[at + 1], words[at]];
    return words.join(' ');
  }
  // Two marks at word ends (CJK: anywhere, every character is a word edge).
  const marks = isCjk(text) ? ['！', '，', '。', '？', '…'] : ['!', ',', '.', '?', '...', ' -'];
  const ends = chars.map((_c, i) => i).filter((i) => isCjk(text) || i === chars.length - 1 || chars[i + 1] === ' ');
  for (let e = 0; e < 2; e++) {
    const at = ends.length ? ends[rng.int(ends.length)] + 1 : chars.length;
    chars.splice(at, 0, marks[rng.int(marks.length)]);
    for (let j = 0; j < ends.length; j++) if (ends[j] >= at) ends[j]++;
  }
  return chars.join('');
}

export interface Injected {
  texts: string[];
  labels: string[];
  /** For each added row (index ≥ the original count): the original row it copies. */
  source: Map<number, number>;
}

/**
 * The rows of a dataset plus `count` near copies of distinct random rows, each appended with a label
 * other than its source's (a conflict), kinds taken in turn.
 */
export function injectNearCopies(texts: string[], labels: string[], classes: string[], count: number, seed: number): Injected {
  const rng = new Random(seed);
  const out: Injected = { texts: texts.slice(), labels: labels.slice(), source: new Map() };
  const picked = new Set<number>();
  while (picked.size < count) picked.add(rng.int(texts.length));
  let j = 0;
  for (const i of picked) {
    const others = classes.filter((c) => c !== labels[i]);
    out.source.set(out.texts.length, i);
    out.texts.push(nearCopy(texts[i], COPY_KINDS[j++ % COPY_KINDS.length], rng));
    out.labels.push(others[rng.int(others.length)]);
  }
  return out;
}

/** `n` texts of real words (a Zipf-shaped vocabulary) with real lengths, drawn from `texts`: distinct rows for throughput. */
export function syntheticTexts(texts: string[], n: number, seed: number): string[] {
  const rng = new Random(seed);
  const words = texts.flatMap((t) => t.split(' '));
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const len = texts[rng.int(texts.length)].split(' ').length;
    const w: string[] = new Array(len);
    for (let k = 0; k < len; k++) w[k] = words[rng.int(words.length)];
    out[i] = w.join(' ');
  }
  return out;
}

/**
 * A CSV of `rows` repeated `times` times (every copy in a block of its own, ids made unique with
 * `-k`), as a user who concatenated exports would have. `idColumn` names the id cell.
 */
export function repeatedCsv(header: string[], rows: string[][], idColumn: number, times: number): string {
  const q = (cells: string[]) => cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
  const lines = [q(header)];
  for (let k = 0; k < times; k++) {
    for (const r of rows) {
      const cells = r.slice();
      cells[idColumn] = `${cells[idColumn]}-${k}`;
      lines.push(q(cells));
    }
  }
  return lines.join('\n') + '\n';
}
