/**
 * The editable state of a review: each row's current label, smoothing target and accepted mark,
 * over the file and sidecar as last read or saved. Edits come in batches (one click, one bulk action)
 * that can be undone and redone; saving writes the difference through the safe write path (label
 * bytes patched, atomic, refuses a file changed on disk), the sidecar and the journal.
 * Free of VS Code, so the editor's document model is tested against real files without it.
 */
import { Dataset, loadDataset, openDataset, openTableWithRoles, type DatasetOptions, type OpenedTable } from '../table/dataset';
import { Table } from '../table/table';
import { currentUser, type JournalEntry } from './journal';
import { patchLabels } from './patch';
import { readSidecar, sidecarBytes, sidecarPath, type Sidecar } from './sidecar';
import { commitWrite, journaledWrite, readOwnFile, recover, writeUserFile, type Recovery } from './writeProtocol';

export interface RowState {
  /** Label text ('' = unlabeled). */
  label: string;
  /** Smoothing target over the classes (class → probability). */
  soft?: Record<string, number>;
  softHow?: string;
  accepted: boolean;
  /** Left out of later analyses and retrains (sidecar mark). */
  excluded?: boolean;
  /** The reviewer's note on the row (sidecar), plain text. */
  note?: string;
}

export interface RowChange {
  row: number;
  before: RowState;
  after: RowState;
  reason?: string;
  score?: number;
}

type EditKind = JournalEntry['kind'];

/** Why a row was last changed, for the journal; `undoes` when the change reverts saved edits. */
interface Why {
  reason?: string;
  score?: number;
  undoes?: Partial<Record<EditKind, string[]>>;
}

/** One saved write of a row: its state before, and the journal refs of the edits written. */
interface SavedStep {
  before: RowState;
  refs: Partial<Record<EditKind, string>>;
}

export interface EditBatch {
  label: string;
  changes: RowChange[];
}

const same = (a: RowState, b: RowState) =>
  a.label === b.label && a.accepted === b.accepted && (a.excluded ?? false) === (b.excluded ?? false) && (a.note ?? '') === (b.note ?? '') && JSON.stringify(a.soft ?? null) === JSON.stringify(b.soft ?? null);

export class DocumentState {
  private ds: Dataset;
  private sidecar: Sidecar;
  private sidecarBytes: Buffer | undefined;
  /** Rows whose state differs from the file + sidecar as last read or saved. */
  private readonly current = new Map<number, RowState>();
  /** Why each row was last changed, for the journal. */
  private readonly why = new Map<number, Why>();
  /** Per row, the writes saved in this session (newest last), so an undo of a saved edit names it. */
  private readonly history = new Map<number, SavedStep[]>();
  /** What the open found left by a writer that died (temp files removed, writes reconciled). */
  readonly recovery: Recovery;

  /** `recovered`: what `openInStages` found when it settled the file before reading it. */
  constructor(readonly path: string, private readonly options: DatasetOptions = {}, ds?: Dataset, recovered?: Recovery) {
    // Before reading: a write killed half-way is settled (temp files removed, journal reconciled).
    this.recovery = recovered ?? recover(path);
    this.ds = ds ?? openDataset(path, options);
    this.sidecarBytes = readOwnFile(sidecarPath(path));
    this.sidecar = readSidecar(path, this.sidecarBytes);
  }

  get dataset(): Dataset { return this.ds; }
  get dirty(): boolean { return this.current.size > 0; }
  get changedRows(): number[] { return [...this.current.keys()]; }

  /** The row as saved (file + sidecar). */
  saved(row: number): RowState {
    const side = this.sidecar.rows[this.ds.rowKey(row)];
    return { label: this.ds.labelName(row), soft: side?.soft, softHow: side?.softHow, accepted: side?.accepted === true, ...(side?.excluded ? { excluded: true } : {}), ...(side?.note ? { note: side.note } : {}) };
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
    for (let i = batch.changes.length - 1; i >= 0; i--) {
      const c = batch.changes[i];
      this.set(c.row, c.before, this.undoWhy(c.row, c.before));
    }
  }

  /**
   * When going back to `to` reverts writes saved in this session, the journal refs of the edits it
   * reverts (by kind), so the undo is journaled as an undo of them.
   */
  private undoWhy(row: number, to: RowState): Why | undefined {
    const steps = this.history.get(row);
    if (!steps) return undefined;
    let at = steps.length - 1;
    while (at >= 0 && !same(steps[at].before, to)) at--;
    if (at < 0) return undefined;
    const undoes: Partial<Record<EditKind, string[]>> = {};
    for (const st of steps.slice(at)) {
      for (const [k, ref] of Object.entries(st.refs) as [EditKind, string][]) (undoes[k] ??= []).push(ref);
    }
    return { reason: 'undo', undoes };
  }

  private set(row: number, s: RowState, why?: Why): void {
    if (same(s, this.saved(row))) { this.current.delete(row); this.why.delete(row); } else {
      this.current.set(row, s);
      if (why) this.why.set(row, { reason: why.reason, score: why.score, undoes: why.undoes });
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

  /**
   * Writes the label edits with their journal lines: patched bytes for text formats, through the
   * write protocol; the format's own safe write otherwise (Parquet, image folders), framed in the
   * journal the same way. Returns the write's txn.
   */
  private writeLabels(edits: object[]): string {
    const t = this.ds.table;
    if (t instanceof Table) {
      return commitWrite({ dataFile: this.path, target: 'data', bytes: this.patchedBytes(), expected: t.bytes, edits, keepOriginal: true });
    }
    const { labelCol, changes } = this.labelChanges();
    return journaledWrite(this.path, edits, () => t.writeLabels(labelCol, changes));
  }

  /**
   * Writes the edits through the write protocol: the data file (only label bytes; refuses a file
   * changed on disk), then the sidecar, each framed in the journal; then reads the file back as the
   * new baseline. Returns the number of rows written.
   */
  save(who = currentUser(), via: JournalEntry['via'] = 'editor'): number {
    if (!this.dirty) return 0;
    const time = new Date().toISOString();
    type Line = Omit<JournalEntry, 'file'>;
    const dataEdits: { row: number; line: Line }[] = [];
    const sideEdits: { row: number; line: Line }[] = [];
    const sidecar: Sidecar = { ...this.sidecar, rows: { ...this.sidecar.rows } };
    const befores = new Map<number, RowState>();
    for (const [row, s] of this.current) {
      const old = this.saved(row);
      befores.set(row, old);
      const id = this.ds.rowId(row);
      const w = this.why.get(row) ?? {};
      const base = { time, id, line: this.ds.table.index.line[row], reason: w.reason, score: w.score, who, via };
      const undoes = (k: EditKind) => (w.undoes?.[k] ? { undoes: w.undoes[k] } : {});
      if (s.label !== old.label) dataEdits.push({ row, line: { ...base, kind: 'relabel', old: old.label, new: s.label, ...undoes('relabel') } });
      if (JSON.stringify(s.soft ?? null) !== JSON.stringify(old.soft ?? null)) {
        sideEdits.push({ row, line: { ...base, kind: 'smooth', old: JSON.stringify(old.soft ?? null), new: JSON.stringify(s.soft ?? null), ...undoes('smooth') } });
      }
      if (s.accepted !== old.accepted) {
        // An accept records the label confirmed; taking one back (an undo) records '' as new.
        sideEdits.push({ row, line: { ...base, kind: 'accept', old: old.label, new: s.accepted ? s.label : '', ...undoes('accept') } });
      }
      if ((s.note ?? '') !== (old.note ?? '')) sideEdits.push({ row, line: { ...base, kind: 'note', old: old.note ?? '', new: s.note ?? '', ...undoes('note') } });
      const key = this.ds.rowKey(row);
      const entry = { ...(sidecar.rows[key] ?? { time }), time } as Sidecar['rows'][string];
      if (s.soft) { entry.soft = s.soft; entry.softHow = s.softHow; } else { delete entry.soft; delete entry.softHow; }
      if (s.accepted) entry.accepted = true; else delete entry.accepted;
      if (s.excluded) entry.excluded = true; else delete entry.excluded;
      if (s.note) entry.note = s.note; else delete entry.note;
      if (entry.soft || entry.accepted || entry.excluded || entry.note) sidecar.rows[key] = entry; else delete sidecar.rows[key];
    }
    const steps = new Map<number, SavedStep>();
    const remember = (txn: string, edits: { row: number; line: Line }[]) => edits.forEach((e, i) => {
      const st = steps.get(e.row) ?? { before: befores.get(e.row)!, refs: {} };
      st.refs[e.line.kind] = `${txn}/${i + 1}`;
      steps.set(e.row, st);
    });
    const written = dataEdits.length > 0 ? this.labelChanges().changes : new Map<number, string>();
    if (dataEdits.length > 0) {
      remember(this.writeLabels(dataEdits.map((e) => e.line)), dataEdits);
    }
    if (JSON.stringify(sidecar.rows) !== JSON.stringify(this.sidecar.rows)) {
      const txn = commitWrite({ dataFile: this.path, target: 'sidecar', bytes: sidecarBytes(sidecar), expected: this.sidecarBytes ?? null, edits: sideEdits.map((e) => e.line) });
      remember(txn, sideEdits);
    }
    for (const [row, st] of steps) {
      const list = this.history.get(row) ?? [];
      list.push(st);
      this.history.set(row, list);
    }
    const n = this.current.size;
    this.reloadSaved(written);
    return n;
  }

  /**
   * The file and sidecar as just saved, as the new baseline: a format table that can reopen what it
   * wrote and verified (Parquet) keeps every row's id and the labels with `written` applied, instead
   * of reading a million rows again; anything else is read again.
   */
  private reloadSaved(written: ReadonlyMap<number, string>): void {
    const t = this.ds.table;
    const again = t instanceof Table ? undefined : t.reopened?.();
    if (!again) { this.reload(); return; }
    this.ds = this.ds.relabeled(again, written);
    this.sidecarBytes = readOwnFile(sidecarPath(this.path));
    this.sidecar = readSidecar(this.path, this.sidecarBytes);
    this.current.clear();
    this.why.clear();
  }

  /** Writes the edited file to another path (the original stays as it is); sidecar and journal are not written. */
  saveAs(target: string): void {
    const t = this.ds.table;
    if (t instanceof Table) { writeUserFile(target, this.patchedBytes()); return; }
    if (!t.writeLabelsTo) throw new Error(`${t.name}: a ${t.format} dataset cannot be saved under another name; use Export corrected labels`);
    const { labelCol, changes } = this.labelChanges();
    t.writeLabelsTo(target, labelCol, changes);
  }

  /** Drops every unsaved edit and reads the file and sidecar again. */
  reload(): void {
    this.ds = openDataset(this.path, this.options);
    this.sidecarBytes = readOwnFile(sidecarPath(this.path));
    this.sidecar = readSidecar(this.path, this.sidecarBytes);
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
      this.set(row, { label: r.label, soft: r.soft, softHow: r.softHow, accepted: r.accepted, ...(r.excluded ? { excluded: true } : {}), ...(r.note ? { note: r.note } : {}) });
    }
  }
}

/**
 * Opening for the editor in two stages: the file settled (as the constructor does) and its table
 * and roles read now, so the first rows can be shown at once; the state — every row's label and id
 * read, a chunk at a time — from `complete`, which keeps the event loop free while it runs.
 */
export function openInStages(path: string, options: DatasetOptions = {}): {
  opened: OpenedTable;
  complete(opts?: Parameters<typeof loadDataset>[1]): Promise<DocumentState>;
  /** The second stage at once (a small file). */
  completeNow(): DocumentState;
} {
  const recovery = recover(path);
  const opened = openTableWithRoles(path, options);
  return {
    opened,
    complete: async (opts) => new DocumentState(path, options, await loadDataset(opened, opts), recovery),
    completeNow: () => new DocumentState(path, options, new Dataset(opened.table, opened.roles), recovery),
  };
}
