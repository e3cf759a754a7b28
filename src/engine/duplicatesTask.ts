/**
 * The text duplicates search as a task for a worker thread (engine/foldWorker): the rows' texts
 * come in shared (./sharedTexts), the groups go back as typed arrays (a `DuplicateGroups` holds a
 * function) and are rebuilt here, numbered as the search numbered them. The search is
 * engine/duplicates' `textDuplicates`, unchanged: the same rows give the same groups in either thread.
 */
import { EXACT, UnionFind, groupsOf } from '../core/duplicates/groups';
import type { NearStats } from '../core/duplicates/minhash';
import { textDuplicates, type DuplicateOptions } from './duplicates';
import type { DuplicateFinding } from './findings';
import { sharedText, type SharedTexts } from './sharedTexts';

export interface TextDuplicatesTask {
  texts: SharedTexts;
  opts: DuplicateOptions;
}

/** A finding as it crosses between threads. */
export interface DuplicateParts {
  /** Each row's group's first row (−1: no copy), and whether its copy is exact (core/duplicates/groups' kind). */
  first: Int32Array;
  kind: Uint8Array;
  exactRepeats: number;
  copyOf: Int32Array;
  near?: NearStats;
  seconds: number;
}

export function runTextDuplicates(task: TextDuplicatesTask, tick?: (fraction: number) => void): DuplicateParts {
  const t0 = performance.now();
  const r = textDuplicates(task.texts.rows, (i) => sharedText(task.texts, i), task.opts, undefined, tick);
  return { first: r.groups.first, kind: r.groups.kind, exactRepeats: r.exactRepeats, copyOf: r.copyOf, near: r.near, seconds: (performance.now() - t0) / 1000 };
}

/** The buffers a worker hands over without a copy. */
export function partsTransfer(p: DuplicateParts): ArrayBuffer[] {
  return [p.first.buffer, p.kind.buffer, p.copyOf.buffer] as ArrayBuffer[];
}

/**
 * The finding again: each grouped row united with its group's first row gives the same sets, and
 * groupsOf numbers them by first row in file order, as the search's own groupsOf did.
 */
export function fromParts(p: DuplicateParts): DuplicateFinding {
  const n = p.first.length;
  const uf = new UnionFind(n);
  const exact = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (p.first[i] >= 0) { uf.union(p.first[i], i); if (p.kind[i] === EXACT) exact[i] = 1; }
  return { groups: groupsOf(uf, exact), exactRepeats: p.exactRepeats, copyOf: p.copyOf, near: p.near, seconds: p.seconds };
}
