/**
 * The dataset's problems (damaged rows, repeated or blank ids, repeated JSON keys, a doubtful
 * encoding) in VS Code's Problems panel at their line and column, so they can be reached with a
 * click while the review is open. Shown for an open review, cleared when it closes.
 */
import * as vscode from 'vscode';
import type { Problem } from '../core/table/problems';

export class DatasetProblems implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('labelLens');

  show(uri: vscode.Uri, problems: readonly Problem[]): void {
    this.collection.set(uri, problems.map((p) => {
      const at = new vscode.Position(Math.max(0, p.line - 1), Math.max(0, p.column - 1));
      const d = new vscode.Diagnostic(new vscode.Range(at, at), p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = 'Label Lens';
      d.code = p.code;
      return d;
    }));
  }

  clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
