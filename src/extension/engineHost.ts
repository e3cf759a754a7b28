/**
 * The engine as the extension host sees it: one child process (Electron's Node), its log in an
 * output channel, long work behind a cancellable progress notification and a status-bar item, and a
 * crashed engine reported with a way to restart.
 */
import * as vscode from 'vscode';
import { join } from 'node:path';
import { EngineClient, EngineError } from '../client/engineClient';
import type { AnalyzeRequest, MapReadyMessage, ResultMessage, RetrainRequest } from '../protocol/engine';

export class EngineHost implements vscode.Disposable {
  private client: EngineClient;
  private readonly status: vscode.StatusBarItem;
  private running: { cancel: () => void } | undefined;

  /** `storagePath`: the extension's global storage, where encoder models and the optional encoder runtime live. */
  constructor(private readonly extensionPath: string, readonly log: vscode.OutputChannel, private readonly storagePath?: string) {
    this.client = this.newClient();
    this.status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
    this.status.command = 'labelLens.cancel';
  }

  private newClient(): EngineClient {
    return new EngineClient({
      enginePath: join(this.extensionPath, 'dist', 'engine.js'),
      // Electron's binary runs as plain Node with this variable; under Node (tests) it is ignored.
      execPath: process.execPath,
      env: {
        ...process.env, ELECTRON_RUN_AS_NODE: '1',
        ...(this.storagePath ? {
          LABEL_LENS_MODEL_CACHE: process.env.LABEL_LENS_MODEL_CACHE ?? join(this.storagePath, 'models'),
          LABEL_LENS_ENCODER_RUNTIME: process.env.LABEL_LENS_ENCODER_RUNTIME ?? join(this.storagePath, 'encoder-runtime'),
        } : {}),
      },
      log: (line) => this.log.appendLine(`[engine] ${line}`),
    });
  }

  get busy(): boolean { return this.client.busy; }

  /**
   * Runs a job with a progress notification, which closes at the job's result (the results are
   * written); resolves undefined when cancelled. The map comes after it (`map`): its progress goes
   * to `onMapProgress` and the status bar, and Cancel stops it.
   */
  async run(title: string, req: Omit<AnalyzeRequest, 'jobId'> | Omit<RetrainRequest, 'jobId'>, onProgress?: (fraction: number, message: string) => void, onMapProgress?: (fraction: number, message: string) => void): Promise<(ResultMessage & { mapDone: Promise<MapReadyMessage | undefined> }) | undefined> {
    if (this.client.busy) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Label Lens is already running a job. Cancel it first.'));
      return undefined;
    }
    this.log.appendLine(`${new Date().toISOString()} ${req.type} ${req.dataset.file}`);
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      let last = 0;
      const { done, map } = this.client.run(req, (p) => {
        if (p.phase === 'map') {
          this.status.text = `$(sync~spin) Label Lens map ${Math.round(100 * p.fraction)}%`;
          this.status.tooltip = p.message;
          this.status.show();
          onMapProgress?.(p.fraction, p.message);
          return;
        }
        const pct = Math.round(100 * p.fraction);
        progress.report({ increment: pct - last, message: p.message });
        last = pct;
        this.status.text = `$(sync~spin) Label Lens ${pct}%`;
        this.status.tooltip = p.message;
        this.status.show();
        onProgress?.(p.fraction, p.message);
        if (p.phase === 'train' && p.epoch === p.epochs) this.log.appendLine(p.message);
      });
      // One handle for the job and its map: the map's end clears it only if no newer job took its place.
      const running = { cancel: () => this.client.cancel() };
      this.running = running;
      token.onCancellationRequested(() => this.client.cancel());
      let mapping = false;
      try {
        const res = await done;
        this.log.appendLine(`done: ${res.summaryPath}`);
        mapping = res.map === 'pending';
        const mapDone = map.then((m) => { if (m) this.log.appendLine(`map: ${m.mapPath} (${m.seconds} s)`); return m; }, (err: unknown) => {
          this.log.appendLine(`map: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        }).finally(() => { if (this.running === running) { this.running = undefined; this.status.hide(); } });
        mapDone.catch(() => {});
        return { ...res, mapDone };
      } catch (err) {
        if (err instanceof EngineError && err.code === 'cancelled') {
          this.log.appendLine('cancelled');
          return undefined;
        }
        const msg = err instanceof Error ? err.message : String(err);
        this.log.appendLine(`error: ${msg}`);
        if (err instanceof EngineError && err.details) this.log.appendLine(err.details);
        const restart = vscode.l10n.t('Restart Engine');
        const showLog = vscode.l10n.t('Show Log');
        void vscode.window.showErrorMessage(vscode.l10n.t('Label Lens: {0}', msg), restart, showLog).then((pick) => {
          if (pick === restart) this.restart();
          if (pick === showLog) this.log.show();
        });
        throw err;
      } finally {
        if (!mapping) { this.running = undefined; this.status.hide(); }
      }
    });
  }

  cancel(): boolean {
    if (!this.running) return false;
    this.running.cancel();
    return true;
  }

  restart(): void {
    this.client.dispose();
    this.client = this.newClient();
    this.log.appendLine('engine restarted');
  }

  dispose(): void {
    this.client.dispose();
    this.status.dispose();
  }
}
