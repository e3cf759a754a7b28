/**
 * The file changed on disk while it is open for review. Without unsaved edits the review simply
 * reloads. With unsaved edits the user chooses: Compare (a diff of the file on disk against the file
 * with the edits, then the same choice again), Merge (the new file, with the edits re-applied on
 * every row the other change did not touch; the rest are listed) or Reload (drop the edits). Every
 * path ends in a file the user can save; none is a dead end.
 */
import * as vscode from 'vscode';
import { Table } from '../core/table/table';
import type { LabelDocument } from './labelDocument';

export const EDITS_SCHEME = 'label-lens-edits';

/** Read-only text of "the file with my edits", for Compare. */
export class EditsContent implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, LabelDocument>();

  uriFor(doc: LabelDocument): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: EDITS_SCHEME, path: doc.uri.path, query: doc.uri.toString() });
    this.docs.set(uri.toString(), doc);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const doc = this.docs.get(uri.toString());
    if (!doc) return '';
    const t = doc.state.dataset.table;
    if (!(t instanceof Table)) return '';
    try {
      return new TextDecoder(t.encoding.name).decode(doc.state.patchedBytes());
    } catch {
      return new TextDecoder().decode(doc.state.patchedBytes());
    }
  }
}

export type OutsideChoice = 'merged' | 'reloaded' | 'kept';

export class OutsideChanges {
  constructor(private readonly content: EditsContent, private readonly notice: (doc: LabelDocument, message: string) => void) {}

  private canCompare(doc: LabelDocument): boolean {
    return doc.state.dataset.table instanceof Table;
  }

  /** The file changed on disk (watcher): reload, or ask what to do with the unsaved edits. */
  async changed(doc: LabelDocument): Promise<OutsideChoice> {
    if (!doc.state.dirty) {
      doc.revert();
      this.notice(doc, vscode.l10n.t('{0} changed on disk: reloaded.', doc.state.dataset.table.name));
      return 'reloaded';
    }
    const r = await this.ask(doc, false);
    return r === 'compared' ? 'kept' : r;
  }

  /**
   * Asks until the user picks Merge or Reload (Compare shows the diff and asks again), or dismisses
   * the question (the edits stay unsaved; saving asks again).
   */
  async ask(doc: LabelDocument, inSave: boolean): Promise<OutsideChoice | 'compared'> {
    // While saving the question is modal, and the diff cannot be seen behind it: Compare then ends
    // the save (nothing written) and the next save asks again.
    const modal = inSave;
    const name = doc.state.dataset.table.name;
    const n = doc.state.changedRows.length;
    const compare = vscode.l10n.t('Compare');
    const merge = vscode.l10n.t('Merge');
    const reload = vscode.l10n.t('Reload (discard my edits)');
    for (;;) {
      const options = this.canCompare(doc) ? [compare, merge, reload] : [merge, reload];
      const pick = await vscode.window.showWarningMessage(
        vscode.l10n.t('{0} changed on disk and you have {1} unsaved edits. Merge re-applies the edits on rows the other change did not touch.', name, n),
        { modal }, ...options);
      if (pick === compare) {
        await vscode.commands.executeCommand('vscode.diff', doc.uri, this.content.uriFor(doc), vscode.l10n.t('{0}: on disk ↔ with your edits', name), { preview: true });
        if (inSave) return 'compared';
        continue;
      }
      if (pick === merge) {
        const r = doc.merge();
        const dropped = r.dropped.length
          ? vscode.l10n.t(' {0} dropped (their rows changed or are gone): {1}', r.dropped.length, r.dropped.slice(0, 10).map((d) => `${d.id} (line ${d.line})`).join(', '))
          : '';
        this.notice(doc, vscode.l10n.t('Merged with the file on disk: {0} edits re-applied.', r.batch.changes.length) + dropped);
        if (r.dropped.length) void vscode.window.showWarningMessage(vscode.l10n.t('Merged with the file on disk: {0} edits re-applied.', r.batch.changes.length) + dropped);
        if (!inSave && !doc.state.dirty) await vscode.workspace.save(doc.uri);
        return 'merged';
      }
      if (pick === reload) {
        doc.revert();
        // VS Code still counts the dropped edits as unsaved; saving a review without edits writes
        // nothing and marks it clean (in a save, returning does that).
        if (!inSave) await vscode.workspace.save(doc.uri);
        this.notice(doc, vscode.l10n.t('{0} reloaded from disk; your edits were dropped.', name));
        return 'reloaded';
      }
      return 'kept';
    }
  }
}
