/** The review webview in a DOM (happy-dom): text-only rendering, paging, filters, keyboard. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Window } from 'happy-dom';
import type { HostMessage, RowView, WebviewMessage } from '../../src/protocol/webview';

let ReviewApp: typeof import('../../webview/app').ReviewApp;
let keyAction: typeof import('../../webview/keys').keyAction;
let visibleRange: typeof import('../../webview/virtualTable').visibleRange;
let pagesFor: typeof import('../../webview/virtualTable').pagesFor;

before(async () => {
  const window = new Window({ url: 'https://localhost/' });
  Object.assign(globalThis, { window, document: window.document, HTMLElement: window.HTMLElement, Node: window.Node });
  ({ ReviewApp } = await import('../../webview/app'));
  ({ keyAction } = await import('../../webview/keys'));
  ({ visibleRange, pagesFor } = await import('../../webview/virtualTable'));
});

const HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script>';

function row(i: number, text = `text ${i}`): RowView {
  return { row: i, id: String(i + 1), line: i + 2, text, given: 'ham', label: 'ham', suggested: 'spam', suspicion: 1 - i / 1000, flagged: i < 3, edited: false, accepted: false, smoothed: false, damaged: false };
}

function setup() {
  const root = document.createElement('div');
  document.body.appendChild(root);
  const sent: WebviewMessage[] = [];
  const app = new ReviewApp(root, (m) => sent.push(m));
  app.start();
  const init: HostMessage = { type: 'init', data: { fileName: 'x.csv', classes: ['ham', 'spam'], rowCount: 100000, kind: 'text', hasResults: true, strings: {}, smoothingEpsilon: 0.1 } };
  app.handle(init);
  const lastPage = () => [...sent].reverse().find((m) => m.type === 'requestPage') as Extract<WebviewMessage, { type: 'requestPage' }>;
  const answer = (rows: RowView[], total = 100000) => {
    const req = lastPage();
    app.handle({ type: 'page', requestId: req.requestId, total, offset: req.query.offset, rows });
  };
  return { root, app, sent, lastPage, answer };
}

test('hostile cells are rendered as text and create no elements', () => {
  const { root, app, answer } = setup();
  answer([row(0, HOSTILE), row(1)]);
  const cell = root.querySelector('[data-testid="row-0"] .c-text')!;
  assert.equal(cell.textContent, HOSTILE);
  assert.equal(root.querySelectorAll('img, script').length, 0);
  app.handle({ type: 'detail', detail: { ...row(0, HOSTILE), fullText: HOSTILE, reason: HOSTILE, soft: [0.2, 0.8], topClasses: [1, 0], kl: 1.6, entropy: 0.5 } });
  assert.equal(root.querySelector('[data-testid="detail-text"]')!.textContent, HOSTILE);
  assert.equal(root.querySelector('[data-testid="detail-reason"]')!.textContent, HOSTILE);
  assert.equal(root.querySelectorAll('img, script').length, 0);
  app.handle({ type: 'notice', level: 'error', message: HOSTILE });
  assert.equal(root.querySelectorAll('img, script').length, 0);
});

test('the table asks for pages, sizes itself to the total and never holds more than it shows', () => {
  const { root, sent, lastPage, answer } = setup();
  assert.deepEqual(sent[0], { type: 'ready' });
  const q = lastPage().query;
  assert.deepEqual([q.offset, q.limit, q.sort, q.descending], [0, 200, 'suspicion', true]);
  answer(Array.from({ length: 200 }, (_, i) => row(i)));
  const spacer = root.querySelector('.spacer') as HTMLElement;
  assert.equal(spacer.style.height, `${100000 * 26}px`);
  assert.ok(root.querySelectorAll('.spacer .row').length < 100, 'only the rows in view are in the DOM');
  const scroll = root.querySelector('[data-testid="review-table"]') as HTMLElement;
  scroll.scrollTop = 50000 * 26;
  scroll.dispatchEvent(new window.Event('scroll') as unknown as Event);
  const asked = lastPage().query.offset;
  assert.ok(asked >= 49800 && asked <= 50000, `asked for offset ${asked}`);
  assert.deepEqual(visibleRange(260, 520, 26, 1000, 0), [10, 30]);
  assert.deepEqual(pagesFor(190, 410), [0, 1, 2]);
});

test('an answer to an old query is ignored; filters start a new query', () => {
  const { root, app, sent, lastPage, answer } = setup();
  const old = lastPage();
  const show = root.querySelector('[data-testid="filter-show"]') as HTMLSelectElement;
  show.value = 'flagged';
  show.dispatchEvent(new window.Event('change') as unknown as Event);
  const now = lastPage();
  assert.notEqual(now.requestId, old.requestId);
  assert.equal(now.query.filter.flagged, true);
  app.handle({ type: 'page', requestId: old.requestId, total: 5, offset: 0, rows: [row(7, 'stale')] });
  assert.equal(root.querySelector('[data-testid="row-0"]')?.textContent?.includes('stale') ?? false, false);
  answer([row(1)], 1);
  assert.match(root.querySelector('[data-testid="status"]')!.textContent!, /^1 /);
  void sent;
});

test('keyboard: j/k move, Enter applies the suggestion, 1–9 relabel to the k-th class, s/a/u act', () => {
  assert.deepEqual(keyAction({ key: 'j' }), { kind: 'move', delta: 1 });
  assert.deepEqual(keyAction({ key: '3' }), { kind: 'relabelTop', rank: 2 });
  assert.equal(keyAction({ key: 'j', ctrlKey: true }), undefined);
  assert.equal(keyAction({ key: 'q' }), undefined);
  const { app, sent, answer } = setup();
  answer(Array.from({ length: 10 }, (_, i) => row(i)));
  const press = (key: string) => document.dispatchEvent(new window.KeyboardEvent('keydown', { key }) as unknown as Event);
  press('j');
  assert.equal(app.cursor, 1);
  assert.deepEqual(sent[sent.length - 1], { type: 'requestDetail', row: 1 });
  press('k');
  assert.equal(app.cursor, 0);
  press('Enter');
  assert.ok(sent.some((m) => m.type === 'applySuggestion' && m.rows[0] === 0));
  assert.equal(app.cursor, 1, 'moves on to the next suspect');
  app.handle({ type: 'detail', detail: { ...row(1), topClasses: [1, 0] } });
  press('2');
  assert.ok(sent.some((m) => m.type === 'relabel' && m.rows[0] === 1 && m.to === 0));
  press('s');
  assert.ok(sent.some((m) => m.type === 'smooth' && m.rows[0] === 2 && m.epsilon === 0.1 && !m.mix));
  press('k');
  press('m');
  assert.ok(sent.some((m) => m.type === 'smooth' && m.rows[0] === 2 && m.mix));
  press('x');
  press('j');
  press('x');
  press('a');
  assert.ok(sent.some((m) => m.type === 'accept' && m.rows.length === 2), 'a bulk action on the selection');
  press('u');
  assert.deepEqual(sent[sent.length - 1], { type: 'undo' });
  press('?');
  assert.ok(!document.querySelector('[data-testid="help"]')!.classList.contains('hidden'));
});
