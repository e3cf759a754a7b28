/**
 * A dataset opened for review: the file's rows and unsaved edits (DocumentState), the queries and views
 * over them (ReviewQueries), the edit batches VS Code keeps on its undo stack, the latest analysis and
 * the history of runs. It owns its save, revert and backup, watches its file for changes made
 * elsewhere, and disposes what it listens to. Heavy work is the engine's; this object only reads
 * result files and patches labels.
 */
import * as vscode from 'vscode';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { openInStages, type DocumentState, type EditBatch } from '../core/labels/documentState';
import { UserError } from '../core/errors';
import type { OpenedTable } from '../core/table/dataset';
import { pendingEdits, reapplyEdits, type Reapplied } from '../core/reapplyEdits';
import { ReviewQueries } from '../core/reviewQueries';
import { readMapFile, readRun, readRuns, resultsDirFor } from '../core/results';
import { Table } from '../core/table/table';
import type { PageQuery, PageResult, RunView } from '../protocol/webview';

interface Stamp { size: number; mtimeMs: number }

/**
 * Files with more rows than this open in two stages: the first rows are shown from the table at
 * once, every row's id and label are read in the background (a million rows: a few seconds).
 */
export const STAGED_OPEN_ROWS = 100_000;

/** How far the second stage of opening is: steps done of total (rows read, then indexed by id). */
export interface Loading { done: number; total: number }

export class LabelDocument implements vscode.CustomDocument {
  /** The table and its roles: known from the start, before every id and label is read. */
  readonly opened: OpenedTable;
  /** Settles when every row's id and label is read (at once for a small file); rejects when that fails. */
  readonly ready: Promise<void>;
  private loadedState: DocumentState | undefined;
  private loadedQueries: ReviewQueries | undefined;
  private loadError: Error | undefined;
  private readonly loading: Loading;
  private readonly stopLoading = new AbortController();
  readonly outDir: string;
  runs: RunView[] = [];
  /** Agreement with the reviewed rows of each retrain run in this session, by the run's time. */
  readonly trusted = new Map<string, NonNullable<RunView['trusted']>>();

  private readonly disposables: vscode.Disposable[] = [];
  private readonly _onDidChange = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<LabelDocument>>();
  /** Edits for VS Code's undo stack and dirty state. */
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidRefresh = new vscode.EventEmitter<{ reloaded: boolean }>();
  /** The document's content changed (edit, undo, save, revert, new analysis): views redraw. */
  readonly onDidRefresh = this._onDidRefresh.event;
  private readonly _onDidChangeOnDisk = new vscode.EventEmitter<void>();
  /** The file changed on disk (another editor, git, a script) and differs from what the review read. */
  readonly onDidChangeOnDisk = this._onDidChangeOnDisk.event;
  private readonly _onDidLoad = new vscode.EventEmitter<Loading>();
  /** Progress of the second stage of opening, then once more when it is done (done === total). */
  readonly onDidLoad = this._onDidLoad.event;
  /** Bumped on every reload from disk: edit batches of an older generation name rows of another file. */
  private generation = 0;
  /** Size and time of the file as last read or written by the review. */
  private stamp: Stamp;

  constructor(readonly uri: vscode.Uri, backup?: string, stagedAbove = STAGED_OPEN_ROWS) {
    this.stamp = this.readStamp();
    const stages = openInStages(uri.fsPath);
    this.opened = stages.opened;
    this.loading = { done: 0, total: 1 };
    // The CLI's results folder: an analysis run from a terminal shows here, and the other way round.
    this.outDir = resultsDirFor(uri.fsPath);
    const finish = (state: DocumentState) => {
      if (backup) state.restoreBackup(backup);
      this.loadedState = state;
      this.loadedQueries = new ReviewQueries(state);
      this.loadResults();
      this.loading.done = this.loading.total;
    };
    if (this.opened.table.rowCount <= stagedAbove) {
      // A small file is read whole now (a blink), as before: no second stage to show.
      finish(stages.completeNow());
      this.ready = Promise.resolve();
    } else {
      // Closing the review while it opens stops the reading between two chunks.
      this.disposables.push({ dispose: () => this.stopLoading.abort() });
      this.ready = stages.complete({ signal: this.stopLoading.signal, progress: (done, total) => { this.loading.done = done; this.loading.total = total; this._onDidLoad.fire({ ...this.loading }); } })
        .then(finish, (err: Error) => { this.loadError = err; throw err; })
        .finally(() => this._onDidLoad.fire({ ...this.loading }));
      // Seen by whoever awaits it; an unawaited rejection is not an unhandled one.
      this.ready.catch(() => undefined);
    }
    this.disposables.push(this._onDidChange, this._onDidRefresh, this._onDidChangeOnDisk, this._onDidLoad);
    if (uri.scheme === 'file') {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(uri.fsPath)), basename(uri.fsPath)));
      // Editors and git replace files in several steps; one check after they settle.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const check = () => { clearTimeout(timer); timer = setTimeout(() => { if (this.changedOnDisk()) this._onDidChangeOnDisk.fire(); }, 300); };
      this.disposables.push(watcher, watcher.onDidChange(check), watcher.onDidCreate(check), { dispose: () => clearTimeout(timer) });
    }
  }

  /** Every row's id and label is read: the state, queries and edits are there. */
  get loaded(): boolean { return this.loadedState !== undefined; }

  /** The review state; while the second stage of opening runs, a UserError saying how far it is. */
  get state(): DocumentState {
    if (!this.loadedState) throw this.notYet();
    return this.loadedState;
  }

  get queries(): ReviewQueries {
    if (!this.loadedQueries) throw this.notYet();
    return this.loadedQueries;
  }

  get rowCount(): number { return this.opened.table.rowCount; }

  /** How far the second stage of opening is (done === total when it is over). */
  get progress(): Loading { return { ...this.loading }; }

  private notYet(): Error {
    if (this.loadError) return this.loadError;
    const { done, total } = this.loading;
    return new UserError('data', `${this.opened.table.name} is still being opened (every row's id and label, ${Math.floor((100 * done) / total)}% read): try again in a moment`, { file: this.uri.fsPath });
  }

  /** A page of the table: from the state once loaded; before, the first screen in file order from the table, anything else once loaded. */
  async page(q: PageQuery): Promise<PageResult> {
    if (!this.loaded) {
      const first = ReviewQueries.openingPage(this.opened, q);
      if (first) return first;
      await this.ready;
    }
    return this.queries.page(q);
  }

  private readStamp(): Stamp {
    try {
      const st = statSync(this.uri.fsPath);
      return { size: st.size, mtimeMs: st.mtimeMs };
    } catch {
      return { size: -1, mtimeMs: -1 };
    }
  }

  /** The file on disk is not the one the review read (a touch that keeps the bytes is no change). */
  changedOnDisk(): boolean {
    const now = this.readStamp();
    if (now.size === this.stamp.size && now.mtimeMs === this.stamp.mtimeMs) return false;
    const t = this.loadedState?.dataset.table ?? this.opened.table;
    if (t instanceof Table && now.size === t.bytes.length) {
      try {
        if (readFileSync(this.uri.fsPath).equals(t.bytes)) { this.stamp = now; return false; }
      } catch { /* unreadable now: report it as changed */ }
    }
    return true;
  }

  /**
   * Reads the latest analysis and the run history from the results folder, if they fit the file.
   * The engine records every run (CLI or editor) in that history.
   */
  loadResults(): void {
    try {
      this.queries.setAnalysis(readRun(this.outDir, 'analysis'));
    } catch {
      this.queries.setAnalysis(undefined);
    }
    this.runs = readRuns(this.outDir).map((r) => ReviewQueries.runView(r, r.fixed, this.trusted.get(r.createdAt)));
  }

  /**
   * Reads the map the engine wrote after the analysis (the results folder's map file) into the
   * analysis shown; false when it is not there or is of another run.
   */
  loadMap(): boolean {
    const s = this.queries.summary;
    if (!s?.mapFile) return false;
    let m;
    try { m = readMapFile(join(this.outDir, basename(s.mapFile)), s); } catch { m = undefined; }
    if (!m) return false;
    this.queries.setMap(m);
    return true;
  }

  /** Applies a batch and puts it on VS Code's undo stack. */
  edit(batch: EditBatch): boolean {
    if (batch.changes.length === 0) return false;
    this.state.apply(batch);
    this.changed();
    // Row numbers in a batch hold for the file as read; after a reload from disk they may name
    // other rows, so undo and redo of older batches do nothing then.
    const generation = this.generation;
    this._onDidChange.fire({
      document: this,
      label: batch.label,
      undo: () => { if (generation === this.generation) { this.state.undo(batch); this.changed(); } },
      redo: () => { if (generation === this.generation) { this.state.apply(batch); this.changed(); } },
    });
    return true;
  }

  /** Labels changed (edit, undo, save): same rows, same order in the views. */
  changed(): void {
    this.queries.edited();
    this._onDidRefresh.fire({ reloaded: false });
  }

  /** Writes the edits (safe write path; throws FileChangedError for a file changed on disk). */
  save(): void {
    this.state.save();
    this.stamp = this.readStamp();
    this.changed();
  }

  saveAs(target: vscode.Uri): void {
    this.state.saveAs(target.fsPath);
  }

  /** Drops the unsaved edits and reads the file again. */
  revert(): void {
    // Still being opened: nothing was edited, and the file being read is the one on disk.
    if (!this.loaded) return;
    this.state.reload();
    this.reloaded();
  }

  /** Reads the new version of the file and re-applies the edits whose rows it did not touch. */
  merge(): Reapplied {
    const edits = pendingEdits(this.state);
    this.state.reload();
    this.reloaded();
    const result = reapplyEdits(this.state, edits);
    this.edit(result.batch);
    return result;
  }

  private reloaded(): void {
    this.stamp = this.readStamp();
    this.generation++;
    this.queries.reset();
    this._onDidRefresh.fire({ reloaded: true });
  }

  /** The unsaved edits for hot exit, written where VS Code asks. */
  async backup(destination: vscode.Uri): Promise<vscode.CustomDocumentBackup> {
    await this.ready;
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(destination, '..'));
    await vscode.workspace.fs.writeFile(destination, Buffer.from(this.state.toBackup(), 'utf8'));
    return { id: destination.toString(), delete: () => { void vscode.workspace.fs.delete(destination).then(undefined, () => undefined); } };
  }

  /** Disposed with the document: listeners registered by others on its events. */
  track(...d: vscode.Disposable[]): void {
    this.disposables.push(...d);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
