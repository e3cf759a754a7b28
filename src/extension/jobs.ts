/**
 * Analyze and Retrain through one runner: the document's unsaved edits are saved first (that
 * document, by its uri, not whichever editor has focus), the engine gets the roles the editor
 * already resolved (so it does not guess them again, perhaps differently), progress goes to every
 * view of the document, and the result is loaded once it is written. An analysis's map comes
 * after its result: the Map view shows its progress, then the map once the engine has written it.
 */
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { readRun, type Summary } from '../core/results';
import { optionsOf } from '../core/table/dataset';
import type { DatasetSpec, TrainOptions } from '../protocol/engine';
import type { MapStatusData } from '../protocol/webview';
import { EngineError } from '../client/engineClient';
import { readConfig } from './config';
import type { EngineHost } from './engineHost';
import type { LabelDocument } from './labelDocument';

export type JobKind = 'analyze' | 'retrain';

/** What the runner tells the views of a document. */
export interface JobViews {
  progress(doc: LabelDocument, busy: boolean, fraction?: number, message?: string): void;
  notice(doc: LabelDocument, message: string): void;
  /** A new analysis was loaded (ranking, classes, runs all change). */
  analysisLoaded(doc: LabelDocument): void;
  runsChanged(doc: LabelDocument): void;
  /** The analysis's map: being computed, ready (loaded into the document), or not made. */
  mapStatus(doc: LabelDocument, status: MapStatusData): void;
}

/** The dataset as the editor reads it: file, roles and encoding, named as the engine expects. */
export function datasetSpec(doc: LabelDocument): DatasetSpec {
  const o = optionsOf(doc.state.dataset);
  const spec: DatasetSpec = { file: doc.uri.fsPath };
  if (o.id !== undefined) spec.id = o.id;
  if (o.label !== undefined) spec.label = o.label;
  if (o.text !== undefined) spec.text = o.text;
  if (o.features !== undefined) spec.features = o.features;
  if (o.encoding !== undefined) spec.encoding = o.encoding;
  if (o.embedding !== undefined) spec.embedding = o.embedding;
  return spec;
}

export class JobRunner {
  constructor(private readonly engine: EngineHost, private readonly views: JobViews) {}

  /** Jobs read the file on disk: unsaved edits are saved first, if the user agrees. */
  private async savedFirst(doc: LabelDocument, kind: JobKind): Promise<boolean> {
    if (!doc.state.dirty) return true;
    const action = kind === 'analyze' ? vscode.l10n.t('Save and Analyze') : vscode.l10n.t('Save and Retrain');
    const question = kind === 'analyze' ? vscode.l10n.t('Analyze reads the file on disk. Save your edits first?') : vscode.l10n.t('Retrain reads the corrected file on disk. Save your edits first?');
    if ((await vscode.window.showWarningMessage(question, action)) !== action) return false;
    await vscode.workspace.save(doc.uri);
    return !doc.state.dirty;
  }

  /** The analysis's map once the engine has written it (or why there is none). */
  private mapAfter(doc: LabelDocument, mapDone: Promise<unknown>): void {
    mapDone.then((m) => {
      doc.queries.mapComputing = false;
      // undefined: a newer job took over; its own result brings its map.
      if (m && doc.loadMap()) this.views.mapStatus(doc, { state: 'ready' });
    }, (err: unknown) => {
      doc.queries.mapComputing = false;
      const message = err instanceof EngineError && err.code === 'cancelled' ? vscode.l10n.t('The map was cancelled: the results are kept; run Analyze again for a map.') : vscode.l10n.t('The map could not be made: {0}', err instanceof Error ? err.message : String(err));
      this.views.mapStatus(doc, { state: 'failed', message });
    });
  }

  /** `extra`: options of this run only, over the settings. */
  async run(doc: LabelDocument, kind: JobKind, extra: Partial<TrainOptions> = {}): Promise<Summary | undefined> {
    // A large file still being opened: the run needs its ids and labels (and the roles they settle).
    await doc.ready;
    if (!(await this.savedFirst(doc, kind))) return undefined;
    const name = doc.state.dataset.table.name;
    const title = kind === 'analyze' ? vscode.l10n.t('Label Lens: analyzing {0}', name) : vscode.l10n.t('Label Lens: retraining on {0}', name);
    try {
      const res = await this.engine.run(title, { type: kind, dataset: datasetSpec(doc), options: { ...readConfig().train, ...extra }, outDir: doc.outDir },
        (fraction, message) => this.views.progress(doc, true, fraction, message),
        kind === 'analyze' ? (fraction, message) => this.views.mapStatus(doc, { state: 'computing', fraction, message }) : undefined);
      if (!res) return undefined;
      const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
      if (kind === 'analyze') {
        doc.loadResults();
        doc.queries.mapComputing = res.map === 'pending';
        this.views.analysisLoaded(doc);
        if (res.map === 'pending') this.mapAfter(doc, res.mapDone);
        this.views.notice(doc, vscode.l10n.t('{0} rows flagged of {1}; estimated noise rate {2}%.', summary.flagged, summary.labeled, (100 * summary.estimatedNoiseRate).toFixed(1)));
      } else {
        // Measured on the rows the user reviewed, not only against the labels just edited.
        let trusted;
        try { trusted = doc.queries.trustedAgreement(readRun(doc.outDir, 'retrain')); } catch { trusted = undefined; }
        if (trusted) doc.trusted.set(summary.createdAt, trusted);
        // The engine recorded the run (and how many flagged rows were fixed) in the results folder.
        doc.loadResults();
        this.views.runsChanged(doc);
        const before = summary.before ? `${(100 * summary.before.oofAccuracy).toFixed(1)}% → ` : '';
        this.views.notice(doc, vscode.l10n.t('Retrained: held-out accuracy {0}{1}%.', before, (100 * summary.oofAccuracy).toFixed(1)));
      }
      return summary;
    } finally {
      this.views.progress(doc, false);
    }
  }
}
