/**
 * Every command of the extension, in one table (as in rust-analyzer's client): what each does to the
 * review it acts on. package.json declares the same ids; activate.ts only wires things together.
 */
import * as vscode from 'vscode';
import { writeFileSync } from 'node:fs';
import { correctedLabelsCsv } from '../core/formats/exportLabels';
import { softLabelsCsv, softOf } from '../core/report/softLabels';
import { readConfig } from './config';
import type { EngineHost } from './engineHost';
import { VIEW_TYPE, type LabelEditorProvider } from './labelEditor';
import type { LabelDocument } from './labelDocument';

export const DATASET = /\.(csv|tsv|tab|jsonl|ndjson|parquet)$/i;

/** The file of the active editor: a text editor's, or the tab's (a .parquet file opens in the binary editor, which has no text document). */
function activeUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: unknown } | undefined;
  return vscode.window.activeTextEditor?.document.uri ?? (input?.uri instanceof vscode.Uri ? input.uri : undefined);
}

export interface CommandContext {
  context: vscode.ExtensionContext;
  editor: LabelEditorProvider;
  engine: EngineHost;
  log: vscode.OutputChannel;
}

export function registerCommands({ context, editor, engine, log }: CommandContext): void {
  /** The review to act on, or a helpful message when there is none. */
  const review = async (): Promise<LabelDocument | undefined> => {
    if (editor.active) return editor.active;
    const uri = activeUri();
    if (uri && DATASET.test(uri.fsPath)) {
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
      return editor.active;
    }
    void vscode.window.showInformationMessage(vscode.l10n.t('Open a CSV, TSV or JSON Lines dataset with "Label Lens: Open for Review" first.'));
    return undefined;
  };

  const commands: Record<string, (...args: unknown[]) => unknown> = {
    'labelLens.openForReview': async (arg?: unknown) => {
      let uri = arg instanceof vscode.Uri ? arg : activeUri();
      if (!uri || !DATASET.test(uri.fsPath)) {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { [vscode.l10n.t('Datasets')]: ['csv', 'tsv', 'jsonl', 'ndjson', 'parquet'] }, openLabel: vscode.l10n.t('Open for Review') });
        uri = picked?.[0];
      }
      if (uri) await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    },
    'labelLens.analyze': async () => { const d = await review(); if (d) await editor.analyze(d); },
    'labelLens.retrain': async () => { const d = await review(); if (d) await editor.retrain(d); },
    'labelLens.loadPredictions': async (arg?: unknown) => {
      const d = await review();
      if (!d) return;
      // A path argument serves scripts and tests; people pick the file.
      let file = typeof arg === 'string' ? arg : undefined;
      if (!file) {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: false, defaultUri: vscode.Uri.joinPath(d.uri, '..'), openLabel: vscode.l10n.t('Load Predictions'),
          filters: { [vscode.l10n.t('Predicted probabilities')]: ['csv', 'tsv', 'jsonl', 'ndjson', 'npy'] },
        });
        file = picked?.[0]?.fsPath;
      }
      if (!file) return;
      try {
        await editor.analyze(d, { predProbs: file });
      } catch (err) {
        // Scores that do not sum to 1: offer to divide each row by its sum, as --normalize does.
        if (!/--normalize/.test((err as Error).message)) throw err;
        const normalize = vscode.l10n.t('Divide Each Row by Its Sum');
        if ((await vscode.window.showWarningMessage(vscode.l10n.t('The rows of {0} do not sum to 1. Divide each row by its sum and load?', file), normalize)) === normalize) {
          await editor.analyze(d, { predProbs: file, normalize: true });
        }
      }
    },
    'labelLens.cancel': () => { if (!engine.cancel()) void vscode.window.showInformationMessage(vscode.l10n.t('Label Lens is not running anything.')); },
    'labelLens.applyAboveThreshold': async () => {
      const d = await review();
      if (!d) return;
      if (!d.queries.hasAnalysis) { void vscode.window.showInformationMessage(vscode.l10n.t('Run "Label Lens: Analyze" first.')); return; }
      const value = await vscode.window.showInputBox({
        prompt: vscode.l10n.t('Relabel every flagged row to its suggested class when the ensemble gives that class at least this probability (one undo step)'),
        value: String(readConfig().applyThreshold),
        validateInput: (v) => (Number.isFinite(Number(v)) && Number(v) >= 0 && Number(v) <= 1 ? undefined : vscode.l10n.t('A number from 0 to 1')),
      });
      if (value === undefined) return;
      const preview = d.queries.previewAbove(Number(value));
      if (preview.rows === 0) { void vscode.window.showInformationMessage(vscode.l10n.t('No flagged row has a suggested class with probability ≥ {0}.', value)); return; }
      const pairs = preview.pairs.slice(0, 8).map((p) => `${p.from} → ${p.to}: ${p.count}`).join('\n');
      const apply = vscode.l10n.t('Apply to {0} rows', preview.rows);
      const pick = await vscode.window.showWarningMessage(vscode.l10n.t('Relabel {0} rows to their suggestion (one undo step)?', preview.rows), { modal: true, detail: pairs + (preview.pairs.length > 8 ? `\n…` : '') }, apply);
      if (pick === apply) editor.applyAbove(d, Number(value));
    },
    'labelLens.exportSoftLabels': async () => {
      const d = await review();
      if (!d) return;
      if (!d.queries.hasAnalysis) { void vscode.window.showInformationMessage(vscode.l10n.t('Run "Label Lens: Analyze" first.')); return; }
      const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(d.uri.fsPath.replace(/(\.\w+)?$/, '.soft.csv')), filters: { CSV: ['csv'] } });
      if (!target) return;
      const ds = d.state.dataset;
      // The same formatter as `label-lens export`: the row's own target when smoothed, else the analysis's.
      const csv = softLabelsCsv(ds.rowCount, (i) => {
        const st = d.state.state(i);
        const soft = d.queries.softOf(i);
        return { id: ds.rowId(i), label: st.label, soft: st.soft ?? (soft ? softOf(d.queries.classes, soft, 0) : undefined) };
      });
      writeFileSync(target.fsPath, csv);
      void vscode.window.showInformationMessage(vscode.l10n.t('Soft labels written to {0}', target.fsPath));
    },
    'labelLens.openImageFolder': async (arg?: unknown) => {
      const uri = arg instanceof vscode.Uri ? arg : (await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: vscode.l10n.t('Open Image Folder') }))?.[0];
      if (uri) await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    },
    'labelLens.exportCorrectedLabels': async () => {
      const d = await review();
      if (!d) return;
      const base = d.uri.fsPath.replace(/[\\/]+$/, '');
      const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(`${base.replace(/\.\w+$/, '')}.corrected.csv`), filters: { CSV: ['csv'] } });
      if (!target) return;
      const ds = d.state.dataset;
      writeFileSync(target.fsPath, correctedLabelsCsv(ds.rowCount, (i) => ds.rowId(i), (i) => d.state.state(i).label, (i) => ds.labelName(i), (i) => d.state.state(i).note));
      void vscode.window.showInformationMessage(vscode.l10n.t('Corrected labels written to {0}', target.fsPath));
    },
    'labelLens.showLog': () => log.show(),
    'labelLens.restartEngine': () => { engine.restart(); void vscode.window.showInformationMessage(vscode.l10n.t('Label Lens engine restarted.')); },
    'labelLens.openSample': async () => {
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.joinPath(context.extensionUri, 'samples', 'sms_spam_noisy.csv'), VIEW_TYPE);
    },
  };
  for (const [id, fn] of Object.entries(commands)) context.subscriptions.push(vscode.commands.registerCommand(id, fn));
}
