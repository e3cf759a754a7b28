/** Extension entry: the engine and its log, the review editor, the commands. */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { EngineHost } from './engineHost';
import { LabelEditorProvider, VIEW_TYPE } from './labelEditor';
import { EDITS_SCHEME, EditsContent } from './outsideChange';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Label Lens');
  const engine = new EngineHost(context.extensionPath, log, context.globalStorageUri.fsPath);
  const edits = new EditsContent();
  const editor = new LabelEditorProvider(context, engine, edits);
  context.subscriptions.push(log, engine, vscode.workspace.registerTextDocumentContentProvider(EDITS_SCHEME, edits), vscode.window.registerCustomEditorProvider(VIEW_TYPE, editor, {
    webviewOptions: { retainContextWhenHidden: true },
    supportsMultipleEditorsPerDocument: false,
  }));
  registerCommands({ context, editor, engine, log });
}

export function deactivate(): void {
  // Disposables in context.subscriptions stop the engine.
}
