/**
 * A file changed on disk while the review held unsaved edits: the edits are carried over to the new
 * version of the file where that is safe. An edit is re-applied when its row (found by id, or by
 * position when the file has no id column) has exactly the cells it had when the edit was made:
 * the other change did not touch that row. Every other edit is dropped and reported, never applied
 * to a row it was not made on.
 */
import type { EditBatch, DocumentState, RowState } from './labels/documentState';

export interface PendingEdit {
  id: string;
  row: number;
  line: number;
  /** The row's cells when the edit was made. */
  cells: string[];
  state: RowState;
}

export interface Reapplied {
  batch: EditBatch;
  /** Edits not carried over, with why. */
  dropped: { id: string; line: number; why: 'gone' | 'changed' }[];
}

/** The unsaved edits with the rows they were made on; take this before reloading. */
export function pendingEdits(state: DocumentState): PendingEdit[] {
  const ds = state.dataset;
  return state.changedRows.sort((a, b) => a - b).map((row) => ({ id: ds.rowId(row), row, line: ds.table.index.line[row], cells: ds.table.row(row), state: state.state(row) }));
}

const sameCells = (a: string[], b: string[]) => a.length === b.length && a.every((c, i) => c === b[i]);

/** After `state.reload()`: the batch that re-applies the edits whose rows are unchanged, and the rest. */
export function reapplyEdits(state: DocumentState, edits: PendingEdit[]): Reapplied {
  const ds = state.dataset;
  const target = new Map<number, PendingEdit>();
  const dropped: Reapplied['dropped'] = [];
  for (const e of edits) {
    const row = ds.rowOf(e.id);
    if (row === undefined || ds.table.index.damaged[row]) { dropped.push({ id: e.id, line: e.line, why: 'gone' }); continue; }
    if (!sameCells(ds.table.row(row), e.cells)) { dropped.push({ id: e.id, line: e.line, why: 'changed' }); continue; }
    target.set(row, e);
  }
  const batch = state.change('Re-apply edits after an outside change', target.keys(), (row) => target.get(row)!.state, () => ({ reason: 're-applied after the file changed on disk' }));
  return { batch, dropped };
}
