/**
 * A dataset opened for review: the file's bytes and row index (ReviewState), the edit batches VS
 * Code keeps on its undo stack, the latest analysis and the history of runs. Heavy work is the
 * engine's; this object only reads result files and patches labels.
 */
import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReviewState, type EditBatch } from '../core/labels/reviewState';
import { ReviewModel, loadAnalysis } from '../core/reviewModel';
import type { Summary } from '../core/results';
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

  constructor(readonly uri: vscode.Uri, storage: vscode.Uri, backup?: string) {
    this.state = new ReviewState(uri.fsPath);
    if (backup) this.state.restoreBackup(backup);
    this.model = new ReviewModel(this.state);
    this.outDir = join(storage.fsPath, 'results', createHash('sha1').update(uri.fsPath).digest('hex').slice(0, 16));
    this.loadResults();
  }

  /** Reads the latest analysis and the run history from the results folder, if they fit the file. */
  loadResults(): void {
    const summaryPath = join(this.outDir, 'summary.json');
    if (existsSync(summaryPath)) {
      try {
        const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Summary;
        this.model.setAnalysis(loadAnalysis(join(this.outDir, 'arrays.bin'), summary));
      } catch {
        this.model.setAnalysis(undefined);
      }
    }
    const runsDir = join(this.outDir, 'runs');
    this.runs = existsSync(runsDir)
      ? readdirSync(runsDir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(runsDir, f), 'utf8')) as RunView)
      : [];
  }

  /** Records a finished run (its summary) in the history. */
  recordRun(summary: Summary, fixed?: number): void {
    const runsDir = join(this.outDir, 'runs');
    mkdirSync(runsDir, { recursive: true });
    const view = ReviewModel.runView(summary, fixed);
    writeFileSync(join(runsDir, `${summary.createdAt.replace(/[:.]/g, '-')}-${summary.kind}.json`), JSON.stringify(view));
    this.runs.push(view);
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
