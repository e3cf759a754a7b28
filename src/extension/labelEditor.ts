/**
 * "Open With… → Label Lens": the custom editor for datasets. Undo, redo, dirty state, save, save as,
 * revert and hot exit go through VS Code's own machinery and the document's own methods; saving
 * goes through the safe write path and never overwrites a file changed on disk without asking.
 * This file owns the webview: its HTML, its messages (declared in src/protocol/webview.ts) and
 * what each view is told.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FileChangedError } from '../core/labels/atomicWrite';
import { DatasetProblems } from './problems';
import type { Summary } from '../core/results';
import type { TrainOptions } from '../protocol/engine';
import {
  Accept, ApplyAbove, Exclude, RelabelGroup, RequestGroups, RequestMap, ApplySuggestion, Changed, Classes, Init, IpcHandlers, MapStatus, Notice, Progress, Ready, Redo, Relabel, RequestApplyPreview, RequestDetail, RequestPage, Run, Runs, SaveLayout, SetNote, Smooth, Undo,
  notify, parseWebviewMessage, type HostWire, type IpcNotification,
} from '../protocol/webview';
import { optionsOf } from '../core/table/dataset';
import { dataKind } from '../core/table/roles';
import { readConfig } from './config';
import type { EngineHost } from './engineHost';
import { JobRunner, type JobViews } from './jobs';
import { LabelDocument } from './labelDocument';
import { OutsideChanges, type EditsContent } from './outsideChange';
import { webviewStrings } from './strings';

export const VIEW_TYPE = 'labelLens.review';

export class LabelEditorProvider implements vscode.CustomEditorProvider<LabelDocument> {
  private readonly _onDidChangeCustomDocument = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<LabelDocument>>();
  readonly onDidChangeCustomDocument = this._onDidChangeCustomDocument.event;
  private readonly panels = new Map<LabelDocument, Set<vscode.WebviewPanel>>();
  /** The review the commands act on: the last one focused. */
  active: LabelDocument | undefined;

  private readonly jobs: JobRunner;
  private readonly outside: OutsideChanges;
  /** Repeated or blank ids, damaged rows… of open reviews, in the Problems panel. */
  private readonly problems = new DatasetProblems();

  constructor(private readonly context: vscode.ExtensionContext, private readonly engine: EngineHost, edits: EditsContent) {
    this.jobs = new JobRunner(engine, this.views);
    this.outside = new OutsideChanges(edits, (doc, m) => this.views.info(doc, m));
    context.subscriptions.push(this.problems);
  }

  async openCustomDocument(uri: vscode.Uri, open: vscode.CustomDocumentOpenContext): Promise<LabelDocument> {
    let backup: string | undefined;
    if (open.backupId) backup = readFileSync(vscode.Uri.parse(open.backupId).fsPath, 'utf8');
    let doc: LabelDocument;
    try {
      doc = new LabelDocument(uri, backup);
    } catch (err) {
      throw new Error(vscode.l10n.t('Label Lens cannot open {0}: {1}', uri.fsPath, (err as Error).message));
    }
    doc.track(
      { dispose: () => this.problems.clear(uri) },
      doc.onDidChange((e) => this._onDidChangeCustomDocument.fire(e)),
      doc.onDidRefresh((e) => {
        if (e.reloaded) this.problems.show(uri, doc.state.dataset.problems);
        if (e.reloaded) for (const p of this.panels.get(doc) ?? []) this.sendAll(doc, p);
        else this.refresh(doc);
      }),
      doc.onDidChangeOnDisk(() => { if (doc.loaded) void this.outside.changed(doc); }),
      doc.onDidLoad((l) => { if (!doc.loaded && l.done < l.total) this.views.progress(doc, true, l.done / l.total, this.loadingMessage(doc)); }),
    );
    // A large file: the first rows are on screen while every id and label is read; then the views
    // get the whole review (classes, analysis, edits) and the Problems panel its findings.
    void doc.ready.then(() => {
      this.problems.show(uri, doc.state.dataset.problems);
      this.views.progress(doc, false);
      for (const p of this.panels.get(doc) ?? []) this.sendAll(doc, p);
    }, (err: Error) => {
      this.views.progress(doc, false);
      this.broadcast(doc, Notice, { level: 'error', message: vscode.l10n.t('Label Lens cannot open {0}: {1}', uri.fsPath, err.message) });
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
    panel.webview.onDidReceiveMessage(async (raw: unknown) => {
      // While a large file is being opened, the first screen is served from its table; any other
      // message waits until every id and label is read (validated against the classes then known).
      if (!doc.loaded && !LabelEditorProvider.servedWhileOpening(raw)) {
        try { await doc.ready; } catch { return; /* the error was shown when the open failed */ }
      }
      const msg = parseWebviewMessage(raw, doc.loaded
        ? { rowCount: doc.state.dataset.rowCount, classes: doc.queries.classes, extraColumns: doc.queries.extraColumns().map((c) => c.index) }
        : { rowCount: doc.rowCount, classes: [], extraColumns: [] });
      if (typeof msg === 'string') {
        this.engine.log.appendLine(`rejected a webview message: ${msg}`);
        return;
      }
      void handlers.dispatch(msg, (r) => this.postWire(panel, r)).catch((err: Error) => this.post(panel, Notice, { level: 'error', message: err.message }));
    });
  }

  /** Messages answered before every id and label of a large file is read: the first screen. */
  private static servedWhileOpening(raw: unknown): boolean {
    const method = raw !== null && typeof raw === 'object' ? (raw as { method?: unknown }).method : undefined;
    return method === Ready.method || method === RequestPage.method;
  }

  private loadingMessage(doc: LabelDocument): string {
    return vscode.l10n.t('Opening {0}: reading the id and label of each of its {1} rows; the first rows are shown meanwhile', doc.opened.table.name, doc.rowCount.toLocaleString());
  }

  /** One handler per declared command and request (src/protocol/webview.ts). */
  private handlers(doc: LabelDocument, panel: vscode.WebviewPanel): IpcHandlers {
    return new IpcHandlers()
      .onCommand(Ready, () => this.sendAll(doc, panel))
      .onRequest(RequestPage, (q) => doc.page(q))
      .onRequest(RequestDetail, (p) => doc.queries.detail(p.row))
      .onRequest(RequestApplyPreview, (p) => doc.queries.previewAbove(p.threshold))
      .onCommand(Relabel, (p) => doc.edit(doc.queries.relabel(p.rows, p.to)))
      .onCommand(ApplySuggestion, (p) => doc.edit(doc.queries.applySuggestion(p.rows)))
      .onCommand(Smooth, (p) => doc.edit(doc.queries.smooth(p.rows, p.epsilon, p.mix)))
      .onCommand(Accept, (p) => doc.edit(doc.queries.accept(p.rows)))
      .onCommand(Exclude, (p) => doc.edit(doc.queries.exclude(p.rows, p.exclude)))
      .onCommand(RelabelGroup, (p) => doc.edit(doc.queries.relabelGroup(p.group, p.to)))
      .onCommand(SetNote, (p) => doc.edit(doc.queries.setNote(p.row, p.note)))
      .onRequest(RequestGroups, (p) => doc.queries.groups(p.offset, p.limit))
      .onRequest(RequestMap, () => doc.queries.map())
      .onCommand(ApplyAbove, (p) => this.applyAbove(doc, p.threshold))
      .onCommand(Undo, () => vscode.commands.executeCommand('undo'))
      .onCommand(Redo, () => vscode.commands.executeCommand('redo'))
      .onCommand(SaveLayout, (p) => this.context.workspaceState.update(this.layoutKey(doc), p.widths))
      .onCommand(Run, async (p) => {
        if (p.job === 'analyze') await this.analyze(doc);
        else if (p.job === 'retrain') await this.retrain(doc);
        else this.engine.cancel();
      });
  }

  /** Column widths are remembered per file. */
  private layoutKey(doc: LabelDocument): string {
    return `labelLens.layout:${doc.uri.toString()}`;
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
    this.broadcast(doc, Classes, { view: doc.queries.classesView() });
  }

  private sendAll(doc: LabelDocument, panel: vscode.WebviewPanel): void {
    if (!doc.loaded) { this.sendOpening(doc, panel); return; }
    const ds = doc.state.dataset;
    const names = optionsOf(ds);
    const config = readConfig();
    this.post(panel, Init, {
      fileName: ds.table.name, classes: doc.queries.classes, rowCount: ds.rowCount, kind: ds.kind, hasResults: doc.queries.hasAnalysis, strings: webviewStrings(),
      smoothingEpsilon: config.smoothingEpsilon, applyThreshold: config.applyThreshold, columns: { id: names.id, text: names.text, label: names.label },
      extraColumns: doc.queries.extraColumns(), widths: this.context.workspaceState.get<Record<string, number>>(this.layoutKey(doc)), images: doc.queries.hasImages,
    });
    this.post(panel, Classes, { view: doc.queries.classesView() });
    this.post(panel, Runs, { runs: doc.runs });
  }

  /** The first screen of a file still being opened: its rows and columns, no classes or results yet, and how far the open is. */
  private sendOpening(doc: LabelDocument, panel: vscode.WebviewPanel): void {
    const { table, roles } = doc.opened;
    const name = (c: number | undefined) => (c === undefined ? undefined : table.header[c]);
    const config = readConfig();
    this.post(panel, Init, {
      fileName: table.name, classes: [], rowCount: table.rowCount, kind: dataKind(roles), hasResults: false, strings: webviewStrings(),
      smoothingEpsilon: config.smoothingEpsilon, applyThreshold: config.applyThreshold, columns: { id: name(roles.id), text: name(roles.text), label: name(roles.label) },
      extraColumns: [], widths: this.context.workspaceState.get<Record<string, number>>(this.layoutKey(doc)), images: false,
    });
    const { done, total } = doc.progress;
    this.post(panel, Progress, { busy: true, fraction: done / total, message: this.loadingMessage(doc) });
  }

  applyAbove(doc: LabelDocument, threshold: number): number {
    const batch = doc.queries.applyAbove(threshold);
    doc.edit(batch);
    this.broadcast(doc, Notice, { level: 'info', message: vscode.l10n.t('{0} rows relabeled to their suggestion (one undo step).', batch.changes.length) });
    return batch.changes.length;
  }

  /** The views of each document, as the job runner and the outside-change handling see them. */
  readonly views: JobViews & { info(doc: LabelDocument, message: string): void } = {
    progress: (doc, busy, fraction, message) => this.broadcast(doc, Progress, { busy, fraction, message }),
    notice: (doc, message) => this.broadcast(doc, Notice, { level: 'info', message }),
    info: (doc, message) => this.broadcast(doc, Notice, { level: 'info', message }),
    analysisLoaded: (doc) => { for (const p of this.panels.get(doc) ?? []) this.sendAll(doc, p); },
    runsChanged: (doc) => this.broadcast(doc, Runs, { runs: doc.runs }),
    mapStatus: (doc, status) => this.broadcast(doc, MapStatus, status),
  };

  /** `extra`: options of this run only (Load Predictions: the probabilities file). */
  async analyze(doc: LabelDocument, extra: Partial<TrainOptions> = {}): Promise<Summary | undefined> {
    return this.jobs.run(doc, 'analyze', extra);
  }

  async retrain(doc: LabelDocument): Promise<Summary | undefined> {
    return this.jobs.run(doc, 'retrain');
  }

  async saveCustomDocument(doc: LabelDocument): Promise<void> {
    try {
      doc.save();
    } catch (err) {
      if (!(err instanceof FileChangedError)) throw err;
      const choice = await this.outside.ask(doc, true);
      if (choice === 'merged') { doc.save(); return; }
      if (choice === 'reloaded') return;
      throw new Error(vscode.l10n.t('Not saved: {0} changed on disk. Save again to merge your edits into it or to reload it.', doc.state.dataset.table.name));
    }
  }

  async saveCustomDocumentAs(doc: LabelDocument, destination: vscode.Uri): Promise<void> {
    doc.saveAs(destination);
  }

  async revertCustomDocument(doc: LabelDocument): Promise<void> {
    doc.revert();
  }

  async backupCustomDocument(doc: LabelDocument, context: vscode.CustomDocumentBackupContext): Promise<vscode.CustomDocumentBackup> {
    return doc.backup(context.destination);
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
