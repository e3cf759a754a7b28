/**
 * The journal: `.label-lens/journal.jsonl` beside the data file, one JSON line per edit written, so a
 * review can be audited and any edit undone by hand from its `old` value. Each write is framed by a
 * `begin` and a `commit`/`abort` line (see writeProtocol.ts); an edit counts as in the file only when
 * its write committed.
 */
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { journalPath, readJournalRecords } from './writeProtocol';

export { journalPath };

export interface JournalEntry {
  time: string;
  /** The data file's base name (the journal sits in its folder). */
  file: string;
  id: string;
  /** 1-based line of the row in the file when the edit was made. */
  line: number;
  kind: 'relabel' | 'smooth' | 'accept' | 'note';
  old: string;
  /** New label (relabel), target distribution as JSON (smooth), the label confirmed (accept; '' when un-accepted), or the note's text (note; '' when removed). */
  new: string;
  reason?: string;
  /** Suspicion score of the row when the edit was made, if known. */
  score?: number;
  who: string;
  via: 'cli' | 'editor';
  /** The write this edit belongs to, and the edit's own reference (`txn/n`); added when written. */
  txn?: string;
  ref?: string;
  /** This edit is an undo: the references of the saved edits it reverts. */
  undoes?: string[];
}

export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export type EditStatus = 'committed' | 'aborted' | 'pending' | 'unknown';

/**
 * The journal's edits of one data file with the status of their write: 'committed' edits are in the
 * file, 'aborted' ones are not, 'pending' ones await reconciliation on the next open, 'unknown' ones
 * were a format adapter's write on a folder that a crash interrupted. Lines written
 * before writes were framed count as committed.
 */
export function readJournal(dataFile: string): (JournalEntry & { status: EditStatus })[] {
  const file = basename(dataFile);
  const records = readJournalRecords(dataFile);
  const status = new Map<string, EditStatus>();
  for (const r of records) {
    if (r.type === 'commit') status.set(r.txn as string, 'committed');
    else if (r.type === 'abort') status.set(r.txn as string, 'aborted');
    else if (r.type === 'unknown') status.set(r.txn as string, 'unknown');
  }
  return records
    .filter((r) => r.type === undefined && r.file === file && typeof r.kind === 'string')
    .map((r) => ({ ...(r as unknown as JournalEntry), status: r.txn === undefined ? 'committed' : status.get(r.txn) ?? 'pending' }));
}
