/**
 * A dataset opened for review: the file's bytes and row index (ReviewState), the edit batches VS
 * Code keeps on its undo stack, the latest analysis and the history of runs. Heavy work is the
 * engine's; this object only reads result files and patches labels.
 */
import * as vscode from 'vscode';
import { ReviewState, type EditBatch } from '../core/labels/reviewState';
import { ReviewModel } from '../core/reviewModel';
import { readRun, readRuns, resultsDirFor } from '../core/results';
import type { RunView } from '../protocol/webview';

export class LabelDocument implements vscode.CustomDocument {
  readonly state: ReviewState;
  readonly model: ReviewModel;
  readonly outDir: string;
  runs: RunView[] = [];

  private readonly _onDidChange = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<LabelDocument>>();
  /** Edits for VS Code's undo stack and dirty state. */
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidRefresh = new vscode.EventEmitter<{ reloaded: boolean }>();
  private generation = 0;
  /** The document's content changed (edit, undo, revert, new analysis): views redraw. */
  readonly onDidRefresh = this._onDidRefresh.event;

  constructor(readonly uri: vscode.Uri, backup?: string) {
    this.state = new ReviewState(uri.fsPath);
    if (backup) this.state.restoreBackup(backup);
    this.model = new ReviewModel(this.state);
    // The CLI's results folder: an analysis run from a terminal shows here, and the other way round.
    this.outDir = resultsDirFor(uri.fsPath);
    this.loadResults();
  }

  /**
   * Reads the latest analysis and the run history from the results folder, if they fit the file.
   * The engine records every run (CLI or editor) in that history.
   */
  loadResults(): void {
    try {
      const run = readRun(this.outDir, 'analysis');
      this.model.setAnalysis(run);
    } catch {
      this.model.setAnalysis(undefined);
    }
    this.runs = readRuns(this.outDir).map((r) => ReviewModel.runView(r));
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
    this.model.edited();
    this._onDidRefresh.fire({ reloaded: false });
  }

  /** The file was read again (revert, outside change): rows may differ, views start over. */
  reloaded(): void {
    this.generation++;
    this.model.reset();
    this._onDidRefresh.fire({ reloaded: true });
  }

  dispose(): void {
    this._onDidChange.dispose();
    this._onDidRefresh.dispose();
  }
}
