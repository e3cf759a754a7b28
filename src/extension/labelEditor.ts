/**
 * "Open With… → Label Lens": the custom editor for .csv, .tsv and .jsonl. Undo, redo, dirty state,
 * save, save as, revert and hot exit go through VS Code's own machinery; saving goes through the
 * safe write path and never overwrites a file changed on disk without asking.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FileChangedError } from '../core/labels/atomicWrite';
import type { TrainOptions } from '../protocol/engine';
import type { Summary } from '../core/results';
import {
  Accept, ApplyAbove, ApplySuggestion, Changed, Classes, Init, IpcHandlers, Notice, Progress, Ready, Redo, Relabel, RequestApplyPreview, RequestDetail, RequestPage, Run, Runs, Smooth, Undo,
  notify, parseWebviewMessage, type HostWire, type IpcNotification,
} from '../protocol/webview';
import { optionsOf } from '../core/table/dataset';
import { readConfig } from './config';
import type { EngineHost } from './engineHost';
import { LabelDocument } from './labelDocument';
import { webviewStrings } from './strings';

export const VIEW_TYPE = 'labelLens.review';

export class LabelEditorProvider implements vscode.CustomEditorProvider<LabelDocument> {
  private readonly _onDidChangeCustomDocument = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<LabelDocument>>();
  readonly onDidChangeCustomDocument = this._onDidChangeCustomDocument.event;
  private readonly panels = new Map<LabelDocument, Set<vscode.WebviewPanel>>();
  /** The review the commands act on: the last one focused. */
  active: LabelDocument | undefined;

  constructor(private readonly context: vscode.ExtensionContext, private readonly engine: EngineHost) {}

  async openCustomDocument(uri: vscode.Uri, open: vscode.CustomDocumentOpenContext): Promise<LabelDocument> {
    const storage = this.context.storageUri ?? this.context.globalStorageUri;
    let backup: string | undefined;
    if (open.backupId) backup = readFileSync(vscode.Uri.parse(open.backupId).fsPath, 'utf8');
    let doc: LabelDocument;
    try {
      doc = new LabelDocument(uri, storage, backup);
    } catch (err) {
      throw new Error(vscode.l10n.t('Label Lens cannot open {0}: {1}', uri.fsPath, (err as Error).message));
    }
    doc.onDidChange((e) => this._onDidChangeCustomDocument.fire(e));
    doc.onDidRefresh((e) => {
      if (e.reloaded) for (const p of this.panels.get(doc) ?? []) this.sendAll(doc, p);
      else this.refresh(doc);
    });
    return doc;
  }

  async resolveCustomEditor(doc: LabelDocument, panel: vscode.WebviewPanel): Promise<void> {
    const roots = [vscode.Uri.joinPath(this.context.extensionUri, 'dist'), vscode.Uri.joinPath(this.context.extensionUri, 'media')];
    panel.webview.options = { enableScripts: true, localResourceRoots: roots };
    panel.webview.html = this.html(panel.webview);
    if (!this.panels.has(doc)) this.panels.set(doc, new Set());
    this.panels.get(doc)!.add(panel);
    this.active = doc;
    void vscode.commands.executeCommand('setContext', 'labelLens.reviewActive', true);
    panel.onDidChangeViewState(() => {
      if (panel.active) this.active = doc;
      void vscode.commands.executeCommand('setContext', 'labelLens.reviewActive', panel.active);
    });
    panel.onDidDispose(() => {
      this.panels.get(doc)?.delete(panel);
      if (this.active === doc && !this.panels.get(doc)?.size) this.active = undefined;
    });
    const handlers = this.handlers(doc, panel);
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const msg = parseWebviewMessage(raw, { rowCount: doc.state.dataset.rowCount, classes: doc.model.classes });
      if (typeof msg === 'string') {
        this.engine.log.appendLine(`rejected a webview message: ${msg}`);
        return;
      }
      void handlers.dispatch(msg, (r) => this.postWire(panel, r)).catch((err: Error) => this.post(panel, Notice, { level: 'error', message: err.message }));
    });
  }

  /** One handler per declared command and request (src/protocol/webview.ts). */
  private handlers(doc: LabelDocument, panel: vscode.WebviewPanel): IpcHandlers {
    return new IpcHandlers()
      .onCommand(Ready, () => this.sendAll(doc, panel))
      .onRequest(RequestPage, (q) => doc.model.page(q))
      .onRequest(RequestDetail, (p) => doc.model.detail(p.row))
      .onRequest(RequestApplyPreview, (p) => doc.model.previewAbove(p.threshold))
      .onCommand(Relabel, (p) => doc.edit(doc.model.relabel(p.rows, p.to)))
      .onCommand(ApplySuggestion, (p) => doc.edit(doc.model.applySuggestion(p.rows)))
      .onCommand(Smooth, (p) => doc.edit(doc.model.smooth(p.rows, p.epsilon, p.mix)))
      .onCommand(Accept, (p) => doc.edit(doc.model.accept(p.rows)))
      .onCommand(ApplyAbove, (p) => this.applyAbove(doc, p.threshold))
      .onCommand(Undo, () => vscode.commands.executeCommand('undo'))
      .onCommand(Redo, () => vscode.commands.executeCommand('redo'))
      .onCommand(Run, async (p) => {
        if (p.job === 'analyze') await this.analyze(doc);
        else if (p.job === 'retrain') await this.retrain(doc);
        else this.engine.cancel();
      });
  }

  private postWire(panel: vscode.WebviewPanel, m: HostWire): void {
    void panel.webview.postMessage(m);
  }

  private post<P>(panel: vscode.WebviewPanel, def: IpcNotification<P>, params: P): void {
    this.postWire(panel, notify(def, params));
  }

  private broadcast<P>(doc: LabelDocument, def: IpcNotification<P>, params: P): void {
    for (const p of this.panels.get(doc) ?? []) this.post(p, def, params);
  }

  /** Tells every view of the document to redraw. */
  refresh(doc: LabelDocument): void {
    this.broadcast(doc, Changed, { dirty: doc.state.dirty });
    this.broadcast(doc, Classes, { view: doc.model.classesView() });
  }

  private sendAll(doc: LabelDocument, panel: vscode.WebviewPanel): void {
    const ds = doc.state.dataset;
    const names = optionsOf(ds);
    const config = readConfig();
    this.post(panel, Init, {
      fileName: ds.table.name, classes: doc.model.classes, rowCount: ds.rowCount, kind: ds.kind, hasResults: doc.model.hasAnalysis, strings: webviewStrings(),
      smoothingEpsilon: config.smoothingEpsilon, applyThreshold: config.applyThreshold, columns: { id: names.id, text: names.text, label: names.label },
    });
    this.post(panel, Classes, { view: doc.model.classesView() });
    this.post(panel, Runs, { runs: doc.runs });
  }

  applyAbove(doc: LabelDocument, threshold: number): number {
    const batch = doc.model.applyAbove(threshold);
    doc.edit(batch);
    this.broadcast(doc, Notice, { level: 'info', message: vscode.l10n.t('{0} rows relabeled to their suggestion (one undo step).', batch.changes.length) });
    return batch.changes.length;
  }

  private progress(doc: LabelDocument) {
    return (fraction: number, message: string) => this.broadcast(doc, Progress, { busy: true, fraction, message });
  }

  /** Jobs read the file on disk: unsaved edits are saved first, if the user agrees. */
  private async savedFirst(doc: LabelDocument, action: string, question: string): Promise<boolean> {
    if (!doc.state.dirty) return true;
    if ((await vscode.window.showWarningMessage(question, action)) !== action) return false;
    await vscode.commands.executeCommand('workbench.action.files.save');
    return !doc.state.dirty;
  }

  /** `extra`: options of this run only (Load Predictions: the probabilities file). */
  async analyze(doc: LabelDocument, extra: Partial<TrainOptions> = {}): Promise<Summary | undefined> {
    if (!(await this.savedFirst(doc, vscode.l10n.t('Save and Analyze'), vscode.l10n.t('Analyze reads the file on disk. Save your edits first?')))) return undefined;
    try {
      const res = await this.engine.run(vscode.l10n.t('Label Lens: analyzing {0}', doc.state.dataset.table.name),
        { type: 'analyze', dataset: { file: doc.uri.fsPath }, options: { ...readConfig().train, ...extra }, outDir: doc.outDir }, this.progress(doc));
      if (!res) return undefined;
      const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
      doc.loadResults();
      doc.recordRun(summary);
      for (const p of this.panels.get(doc) ?? []) this.sendAll(doc, p);
      this.broadcast(doc, Notice, { level: 'info', message: vscode.l10n.t('{0} rows flagged of {1}; estimated noise rate {2}%.', summary.flagged, summary.labeled, (100 * summary.estimatedNoiseRate).toFixed(1)) });
      return summary;
    } finally {
      this.broadcast(doc, Progress, { busy: false });
    }
  }

  async retrain(doc: LabelDocument): Promise<Summary | undefined> {
    if (!(await this.savedFirst(doc, vscode.l10n.t('Save and Retrain'), vscode.l10n.t('Retrain reads the corrected file on disk. Save your edits first?')))) return undefined;
    const fixed = doc.model.fixedSinceAnalysis();
    try {
      const res = await this.engine.run(vscode.l10n.t('Label Lens: retraining on {0}', doc.state.dataset.table.name),
        { type: 'retrain', dataset: { file: doc.uri.fsPath }, options: readConfig().train, outDir: doc.outDir }, this.progress(doc));
      if (!res) return undefined;
      const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
      doc.recordRun(summary, fixed);
      this.broadcast(doc, Runs, { runs: doc.runs });
      const before = summary.before ? `${(100 * summary.before.oofAccuracy).toFixed(1)}% → ` : '';
      this.broadcast(doc, Notice, { level: 'info', message: vscode.l10n.t('Retrained: held-out accuracy {0}{1}%.', before, (100 * summary.oofAccuracy).toFixed(1)) });
      return summary;
    } finally {
      this.broadcast(doc, Progress, { busy: false });
    }
  }

  async saveCustomDocument(doc: LabelDocument): Promise<void> {
    try {
      doc.state.save();
    } catch (err) {
      if (!(err instanceof FileChangedError)) throw err;
      const reload = vscode.l10n.t('Reload (discard my edits)');
      const keep = vscode.l10n.t('Keep my edits');
      const pick = await vscode.window.showWarningMessage(vscode.l10n.t('{0} changed on disk since Label Lens read it. It was not overwritten.', doc.state.dataset.table.name), { modal: true }, reload, keep);
      if (pick === reload) {
        doc.state.reload();
        doc.reloaded();
        return;
      }
      throw err;
    }
    doc.changed();
  }

  async saveCustomDocumentAs(doc: LabelDocument, destination: vscode.Uri): Promise<void> {
    doc.state.saveAs(destination.fsPath);
  }

  async revertCustomDocument(doc: LabelDocument): Promise<void> {
    doc.state.reload();
    doc.reloaded();
  }

  async backupCustomDocument(doc: LabelDocument, context: vscode.CustomDocumentBackupContext): Promise<vscode.CustomDocumentBackup> {
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(context.destination, '..'));
    await vscode.workspace.fs.writeFile(context.destination, Buffer.from(doc.state.toBackup(), 'utf8'));
    return { id: context.destination.toString(), delete: () => { void vscode.workspace.fs.delete(context.destination).then(undefined, () => undefined); } };
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString('base64');
    const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, ...p)).toString();
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${uri('dist', 'codicons', 'codicon.css')}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${uri('media', 'review.css')}">
<title>Label Lens</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${uri('dist', 'webview.js')}"></script>
</body>
</html>`;
  }
}
