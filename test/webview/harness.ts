/**
 * The review webview wired to the real host-side model (DocumentState + ReviewQueries over a real file
 * from ../shared/data) through the real protocol, with the message channel under the test's
 * control: messages wait in queues until `flush()`, so a test can press keys while replies are on
 * their way (the races a user meets in a busy extension host).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocumentState } from '../../src/core/labels/documentState';
import { ReviewQueries } from '../../src/core/reviewQueries';
import {
  Accept, ApplyAbove, ApplySuggestion, Changed, Classes, Init, IpcHandlers, notify, parseWebviewMessage, Ready, Relabel, RequestApplyPreview, RequestDetail, RequestMap, RequestPage, SaveLayout, SetNote, Smooth, Undo,
  type HostWire, type WebviewWire,
} from '../../src/protocol/webview';
import type { EditBatch } from '../../src/core/labels/documentState';
import { optionsOf } from '../../src/core/table/dataset';
import { tempDir } from '../helpers';
import { seededAnalysis } from '../seededAnalysis';

export { seededAnalysis };

type App = import('../../webview/app').ReviewApp;

export interface Harness {
  app: App;
  root: HTMLElement;
  state: DocumentState;
  model: ReviewQueries;
  /** Every message the webview sent, in order. */
  sent: WebviewWire[];
  /** Delivers queued messages both ways until none is left. */
  flush(): Promise<void>;
  press(key: string): void;
  save(): void;
  /** The widths the webview asked the host to remember. */
  layout(): Record<string, number> | undefined;
  /** Opens the same file again in a new webview (as after closing and reopening the editor). */
  reopen(): Promise<void>;
  /** Queues a message from the host (a notification the host sends on its own, e.g. MapStatus). */
  fromHost(m: HostWire): void;
}

/** `transform` rewrites the copy before it is opened (e.g. to add columns). */
export async function harness(t: Parameters<typeof tempDir>[0], file: string, transform?: (csv: string) => string): Promise<Harness> {
  const { ReviewApp } = await import('../../webview/app');
  const path = join(tempDir(t), 'data.csv');
  // A writable copy: the shared data are read-only, and a save refuses a read-only file.
  writeFileSync(path, readFileSync(file));
  if (transform) writeFileSync(path, transform(readFileSync(path, 'utf8')));
  const state = new DocumentState(path);
  const model = new ReviewQueries(state);
  model.setAnalysis(seededAnalysis(state));
  let layout: Record<string, number> | undefined;
  const toHost: WebviewWire[] = [];
  const toWebview: HostWire[] = [];
  const sent: WebviewWire[] = [];
  const root = document.createElement('div');
  document.body.replaceChildren(root);
  const app = new ReviewApp(root, (m) => { sent.push(m); toHost.push(m); });
  /** The webview that receives the host's messages (a reopened one after `reopen`). */
  let app2: App = app;
  /** Applied batches, newest last: the host's undo stack. */
  const done: EditBatch[] = [];
  const changed = () => { model.edited(); toWebview.push(notify(Changed, { dirty: state.dirty }), notify(Classes, { view: model.classesView() })); };
  const edit = (b: EditBatch) => { if (b.changes.length) done.push(b); state.apply(b); model.edited(); toWebview.push(notify(Changed, { dirty: state.dirty }), notify(Classes, { view: model.classesView() })); };
  const ds = state.dataset;
  const names = optionsOf(ds);
  const handlers = new IpcHandlers()
    .onCommand(Ready, () => toWebview.push(notify(Init, {
      fileName: 'data.csv', classes: model.classes, rowCount: ds.rowCount, kind: ds.kind, hasResults: true, strings: {}, smoothingEpsilon: 0.1, applyThreshold: 0.9,
      columns: { id: names.id, text: names.text, label: names.label }, extraColumns: model.extraColumns(), widths: layout, images: model.hasImages,
    }), notify(Classes, { view: model.classesView() })))
    .onRequest(RequestPage, (q) => model.page(q))
    .onRequest(RequestDetail, (p) => model.detail(p.row))
    .onRequest(RequestApplyPreview, (p) => model.previewAbove(p.threshold))
    .onRequest(RequestMap, () => model.map())
    .onCommand(Relabel, (p) => edit(model.relabel(p.rows, p.to)))
    .onCommand(ApplySuggestion, (p) => edit(model.applySuggestion(p.rows)))
    .onCommand(Smooth, (p) => edit(model.smooth(p.rows, p.epsilon, p.mix)))
    .onCommand(Accept, (p) => edit(model.accept(p.rows)))
    .onCommand(ApplyAbove, (p) => edit(model.applyAbove(p.threshold)))
    .onCommand(SetNote, (p) => edit(model.setNote(p.row, p.note)))
    .onCommand(Undo, () => { const b = done.pop(); if (b) { state.undo(b); changed(); } })
    .onCommand(SaveLayout, (p) => { layout = p.widths; });
  const flush = async () => {
    for (let guard = 0; guard < 10_000 && (toHost.length || toWebview.length); guard++) {
      while (toHost.length) {
        const m = parseWebviewMessage(toHost.shift(), { rowCount: ds.rowCount, classes: model.classes, extraColumns: model.extraColumns().map((c) => c.index) });
        if (typeof m === 'string') throw new Error(`the webview sent an invalid message: ${m}`);
        await handlers.dispatch(m, (r) => toWebview.push(r));
      }
      while (toWebview.length) app2.handle(toWebview.shift()!);
    }
  };
  const press = (key: string) => document.dispatchEvent(new window.KeyboardEvent('keydown', { key }) as unknown as Event);
  const save = () => { state.save('tester'); model.edited(); toWebview.push(notify(Changed, { dirty: false })); };
  app.start();
  await flush();
  const h: Harness = {
    app, root, state, model, sent, flush, press, save, layout: () => layout, fromHost: (m) => { toWebview.push(m); },
    reopen: async () => {
      const again = document.createElement('div');
      document.body.replaceChildren(again);
      h.root = again;
      h.app = new ReviewApp(again, (m) => { sent.push(m); toHost.push(m); });
      app2 = h.app;
      h.app.start();
      await flush();
    },
  };
  return h;
}
