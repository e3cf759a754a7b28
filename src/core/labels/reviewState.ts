/**
 * The editable state of a review: each row's current label, smoothing target and accepted mark,
 * over the file and sidecar as last read or saved. Edits come in batches (one click, one bulk action)
 * that can be undone and redone; saving writes the difference through the safe write path (label
 * bytes patched, atomic, refuses a file changed on disk), the sidecar and the journal.
 * Free of VS Code, so the editor's document model is tested against real files without it.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Dataset } from '../table/dataset';
import { openDataset, type DatasetOptions } from '../table/dataset';
import { Table } from '../table/table';
import { atomicWrite } from './atomicWrite';
import { appendJournal, currentUser, type JournalEntry } from './journal';
import { patchLabels } from './patch';
import { readSidecar, sidecarPath, writeSidecar, type Sidecar } from './sidecar';

export interface RowState {
  /** Label text ('' = unlabeled). */
  label: string;
  /** Smoothing target over the classes (class → probability). */
  soft?: Record<string, number>;
  softHow?: string;
  accepted: boolean;
}

export interface RowChange {
  row: number;
  before: RowState;
  after: RowState;
  reason?: string;
  score?: number;
}

export interface EditBatch {
  label: string;
  changes: RowChange[];
}

const same = (a: RowState, b: RowState) =>
  a.label === b.label && a.accepted === b.accepted && JSON.stringify(a.soft ?? null) === JSON.stringify(b.soft ?? null);

export class ReviewState {
  private ds: Dataset;
  private sidecar: Sidecar;
  private sidecarBytes: Buffer | undefined;
  /** Rows whose state differs from the file + sidecar as last read or saved. */
  private readonly current = new Map<number, RowState>();
  /** Why each row was last changed, for the journal. */
  private readonly why = new Map<number, { reason?: string; score?: number }>();

  constructor(readonly path: string, private readonly options: DatasetOptions = {}, ds?: Dataset) {
    this.ds = ds ?? openDataset(path, options);
    this.sidecarBytes = existsSync(sidecarPath(path)) ? readFileSync(sidecarPath(path)) : undefined;
    this.sidecar = readSidecar(path);
  }

  get dataset(): Dataset { return this.ds; }
  get dirty(): boolean { return this.current.size > 0; }
  get changedRows(): number[] { return [...this.current.keys()]; }

  /** The row as saved (file + sidecar). */
  saved(row: number): RowState {
    const side = this.sidecar.rows[this.ds.rowId(row)];
    return { label: this.ds.labelName(row), soft: side?.soft, softHow: side?.softHow, accepted: side?.accepted === true };
  }

  state(row: number): RowState {
    return this.current.get(row) ?? this.saved(row);
  }

  /** Differs from the file as read (label only): the review table's "edited". */
  edited(row: number): boolean {
    const c = this.current.get(row);
    return c !== undefined && c.label !== this.ds.labelName(row);
  }

  /** Builds a batch that sets each row's state through `update`; rows it leaves unchanged are skipped. */
  change(label: string, rows: Iterable<number>, update: (row: number, s: RowState) => RowState | undefined, why?: (row: number) => { reason?: string; score?: number }): EditBatch {
    const changes: RowChange[] = [];
    for (const row of rows) {
      if (this.ds.table.index.damaged[row]) continue;
      const before = this.state(row);
      const after = update(row, before);
      if (!after || same(before, after)) continue;
      changes.push({ row, before, after, ...why?.(row) });
    }
    return { label, changes };
  }

  apply(batch: EditBatch): void {
    for (const c of batch.changes) this.set(c.row, c.after, c);
  }

  undo(batch: EditBatch): void {
    for (let i = batch.changes.length - 1; i >= 0; i--) this.set(batch.changes[i].row, batch.changes[i].before);
  }

  private set(row: number, s: RowState, why?: { reason?: string; score?: number }): void {
    if (same(s, this.saved(row))) { this.current.delete(row); this.why.delete(row); } else {
      this.current.set(row, s);
      if (why) this.why.set(row, { reason: why.reason, score: why.score });
    }
  }

  /** Each edited row's new label. */
  private labelChanges(): { labelCol: number; changes: Map<number, string> } {
    const labelCol = this.ds.roles.label;
    if (labelCol === undefined) throw new Error(`${this.ds.table.name}: no label column`);
    const changes = new Map<number, string>();
    for (const [row, s] of this.current) if (s.label !== this.ds.labelName(row)) changes.set(row, s.label);
    return { labelCol, changes };
  }

  /** The file's bytes with every label edit applied (for save and save-as of text formats). */
  patchedBytes(): Buffer {
    const { labelCol, changes } = this.labelChanges();
    const t = this.ds.table;
    if (!(t instanceof Table)) throw new Error(`${t.name}: a ${t.format} dataset is written by its format, not patched`);
    return patchLabels(t, labelCol, changes);
  }

  /** Writes the label edits: patched bytes for text formats, the format's own safe write otherwise. */
  private writeLabels(): void {
    const t = this.ds.table;
    if (t instanceof Table) atomicWrite(this.path, this.patchedBytes(), { expected: t.bytes, keepOriginal: true });
    else { const { labelCol, changes } = this.labelChanges(); t.writeLabels(labelCol, changes); }
  }

  /**
   * Writes the edits: the data file (only label bytes; refuses a file changed on disk), the sidecar,
   * the journal; then reads the file back as the new baseline.
   */
  save(who = currentUser(), via: JournalEntry['via'] = 'editor'): number {
    if (!this.dirty) return 0;
    const time = new Date().toISOString();
    const journal: Omit<JournalEntry, 'file'>[] = [];
    let labelChanges = 0;
    const sidecar: Sidecar = { ...this.sidecar, rows: { ...this.sidecar.rows } };
    for (const [row, s] of this.current) {
      const old = this.saved(row);
      const id = this.ds.rowId(row);
      const line = this.ds.table.index.line[row];
      const w = this.why.get(row) ?? {};
      if (s.label !== old.label) {
        labelChanges++;
        journal.push({ time, id, line, kind: 'relabel', old: old.label, new: s.label, reason: w.reason, score: w.score, who, via });
      }
      if (JSON.stringify(s.soft ?? null) !== JSON.stringify(old.soft ?? null)) {
        journal.push({ time, id, line, kind: 'smooth', old: JSON.stringify(old.soft ?? null), new: JSON.stringify(s.soft ?? null), reason: w.reason, score: w.score, who, via });
      }
      if (s.accepted && !old.accepted) journal.push({ time, id, line, kind: 'accept', old: old.label, new: s.label, reason: w.reason, score: w.score, who, via });
      const entry = { ...(sidecar.rows[id] ?? { time }), time } as Sidecar['rows'][string];
      if (s.soft) { entry.soft = s.soft; entry.softHow = s.softHow; } else { delete entry.soft; delete entry.softHow; }
      if (s.accepted) entry.accepted = true; else delete entry.accepted;
      if (entry.soft || entry.accepted) sidecar.rows[id] = entry; else delete sidecar.rows[id];
    }
    if (labelChanges > 0) this.writeLabels();
    if (JSON.stringify(sidecar.rows) !== JSON.stringify(this.sidecar.rows)) writeSidecar(this.path, sidecar, this.sidecarBytes);
    appendJournal(this.path, journal);
    const n = this.current.size;
    this.reload();
    return n;
  }

  /** Writes the edited file to another path (the original stays as it is); sidecar and journal are not written. */
  saveAs(target: string): void {
    const t = this.ds.table;
    if (t instanceof Table) { atomicWrite(target, this.patchedBytes(), {}); return; }
    if (!t.writeLabelsTo) throw new Error(`${t.name}: a ${t.format} dataset cannot be saved under another name; use Export corrected labels`);
    const { labelCol, changes } = this.labelChanges();
    t.writeLabelsTo(target, labelCol, changes);
  }

  /** Drops every unsaved edit and reads the file and sidecar again. */
  reload(): void {
    this.ds = openDataset(this.path, this.options);
    this.sidecarBytes = existsSync(sidecarPath(this.path)) ? readFileSync(sidecarPath(this.path)) : undefined;
    this.sidecar = readSidecar(this.path);
    this.current.clear();
    this.why.clear();
  }

  /** The unsaved edits as JSON, for VS Code's backups (hot exit). */
  toBackup(): string {
    return JSON.stringify({ version: 1, rows: [...this.current].map(([row, s]) => ({ row, id: this.ds.rowId(row), ...s })) });
  }

  /** Re-applies unsaved edits from a backup, matching rows by id. */
  restoreBackup(json: string): void {
    const b = JSON.parse(json) as { version: number; rows: (RowState & { row: number; id: string })[] };
    if (b.version !== 1) throw new Error('unknown backup version');
    for (const r of b.rows) {
      const row = this.ds.rowOf(r.id) ?? r.row;
      if (row < 0 || row >= this.ds.rowCount) continue;
      this.set(row, { label: r.label, soft: r.soft, softHow: r.softHow, accepted: r.accepted });
    }
  }
}
