/**
 * The journal: one JSON line per applied edit in `.label-lens/journal.jsonl` beside the data file,
 * so a review can be audited, and any edit undone by hand from its `old` value.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { stateDir } from '../formats/stateDir';
import { userInfo } from 'node:os';

export interface JournalEntry {
  time: string;
  /** The data file's base name (the journal sits in its folder). */
  file: string;
  id: string;
  /** 1-based line of the row in the file when the edit was made. */
  line: number;
  kind: 'relabel' | 'smooth' | 'accept';
  old: string;
  /** New label (relabel), target distribution as JSON (smooth), or the label confirmed (accept). */
  new: string;
  reason?: string;
  /** Suspicion score of the row when the edit was made, if known. */
  score?: number;
  who: string;
  via: 'cli' | 'editor';
}

export function journalPath(dataFile: string): string {
  return join(stateDir(dataFile), 'journal.jsonl');
}

export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Appends entries in one write, so concurrent writers interleave whole lines only. */
export function appendJournal(dataFile: string, entries: Omit<JournalEntry, 'file'>[]): string {
  const path = journalPath(dataFile);
  if (entries.length === 0) return path;
  mkdirSync(dirname(path), { recursive: true });
  const file = basename(dataFile);
  appendFileSync(path, entries.map((e) => JSON.stringify({ ...e, file })).join('\n') + '\n', 'utf8');
  return path;
}
