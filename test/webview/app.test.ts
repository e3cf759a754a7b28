/** The review webview in a DOM (happy-dom): text-only rendering, paging, filters, keyboard. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Window } from 'happy-dom';
import type { HostWire, RowView, WebviewWire, WireRequest } from '../../src/protocol/webview';

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
  document.body.replaceChildren(root);
  const sent: WebviewWire[] = [];
  const app = new ReviewApp(root, (m) => sent.push(m));
  app.start();
  app.handle({ method: 'init', params: { fileName: 'x.csv', classes: ['ham', 'spam'], rowCount: 100000, kind: 'text', hasResults: true, strings: {}, smoothingEpsilon: 0.1, applyThreshold: 0.9, columns: { id: 'uid', text: 'sentence', label: 'category' } } });
  const last = (method: string) => [...sent].reverse().find((m) => m.method === method) as WireRequest & { params: Record<string, unknown> };
  const lastPage = () => last('requestPage') as WireRequest & { params: { offset: number; limit: number; sort: string; descending: boolean; filter: Record<string, unknown> } };
  const answer = (rows: RowView[], total = 100000) => {
    const req = lastPage();
    app.handle({ method: 'page', replyTo: req.id, params: { total, offset: req.params.offset, rows, stale: false } });
  };
  const detail = (d: RowView & { topClasses: string[]; [k: string]: unknown }) => {
    const req = last('requestDetail');
    app.handle({ method: 'detail', replyTo: req.id, params: d } as HostWire);
  };
  return { root, app, sent, lastPage, answer, detail, last };
}

test('hostile cells are rendered as text and create no elements; headers use the file\'s column names', () => {
  const { root, app, answer, detail } = setup();
  answer([row(0, HOSTILE), row(1)]);
  const cell = root.querySelector('[data-testid="row-0"] .c-text')!;
  assert.equal(cell.textContent, HOSTILE);
  assert.equal(root.querySelectorAll('img, script').length, 0);
  detail({ ...row(0, HOSTILE), fullText: HOSTILE, reason: HOSTILE, soft: [0.2, 0.8], topClasses: ['spam', 'ham'], kl: 1.6, entropy: 0.5 });
  assert.equal(root.querySelector('[data-testid="detail-text"]')!.textContent, HOSTILE);
  assert.equal(root.querySelector('[data-testid="detail-reason"]')!.textContent, HOSTILE);
  assert.equal(root.querySelectorAll('img, script').length, 0);
  app.handle({ method: 'notice', params: { level: 'error', message: HOSTILE } });
  assert.equal(root.querySelectorAll('img, script').length, 0);
  assert.deepEqual([...root.querySelectorAll('.row.head [role=columnheader]')].slice(0, 3).map((h) => h.textContent), ['uid', 'sentence', 'category']);
});

test('the table asks for pages, sizes itself to the total and never holds more than it shows', () => {
  const { root, sent, lastPage, answer } = setup();
  assert.deepEqual(sent[0], { method: 'ready', params: {} });
  const q = lastPage().params;
  assert.deepEqual([q.offset, q.limit, q.sort, q.descending], [0, 200, 'suspicion', true]);
  answer(Array.from({ length: 200 }, (_, i) => row(i)));
  const spacer = root.querySelector('.spacer') as HTMLElement;
  assert.equal(spacer.style.height, `${100000 * 26}px`);
  assert.ok(root.querySelectorAll('.spacer .row').length < 100, 'only the rows in view are in the DOM');
  const scroll = root.querySelector('[data-testid="review-table"]') as HTMLElement;
  scroll.scrollTop = 50000 * 26;
  scroll.dispatchEvent(new window.Event('scroll') as unknown as Event);
  const asked = lastPage().params.offset;
  assert.ok(asked >= 49800 && asked <= 50000, `asked for offset ${asked}`);
  assert.deepEqual(visibleRange(260, 520, 26, 1000, 0), [10, 30]);
  assert.deepEqual(pagesFor(190, 410), [0, 1, 2]);
});

test('an answer to an old query is ignored; filters start a new query', () => {
  const { root, app, lastPage, answer } = setup();
  const old = lastPage();
  const show = root.querySelector('[data-testid="filter-show"]') as HTMLSelectElement;
  show.value = 'flagged';
  show.dispatchEvent(new window.Event('change') as unknown as Event);
  const now = lastPage();
  assert.notEqual(now.id, old.id);
  assert.equal(now.params.filter.flagged, true);
  app.handle({ method: 'page', replyTo: old.id, params: { total: 5, offset: 0, rows: [row(7, 'stale')], stale: false } });
  assert.equal(root.querySelector('[data-testid="row-0"]')?.textContent?.includes('stale') ?? false, false);
  answer([row(1)], 1);
  assert.match(root.querySelector('[data-testid="status"]')!.textContent!, /^1 /);
});

test('a late detail for a row the cursor has left is never shown nor acted on', () => {
  const { root, app, sent, answer, last } = setup();
  answer(Array.from({ length: 10 }, (_, i) => row(i)));
  const ask0 = last('requestDetail');
  assert.equal(ask0.params.row, 0);
  const press = (key: string) => document.dispatchEvent(new window.KeyboardEvent('keydown', { key }) as unknown as Event);
  press('j');
  const ask1 = last('requestDetail');
  assert.equal(ask1.params.row, 1);
  press('1'); // row 1's detail has not arrived: the key waits for it
  assert.ok(!sent.some((m) => m.method === 'relabel'));
  // Row 0's detail arrives late: dropped.
  app.handle({ method: 'detail', replyTo: ask0.id, params: { ...row(0), soft: [0.1, 0.9], topClasses: ['spam', 'ham'] } } as HostWire);
  assert.ok(!sent.some((m) => m.method === 'relabel'));
  assert.equal(root.querySelector('[data-testid="detail-id"]'), null);
  app.handle({ method: 'detail', replyTo: ask1.id, params: { ...row(1), soft: [0.7, 0.3], topClasses: ['ham', 'spam'] } } as HostWire);
  assert.equal(root.querySelector('[data-testid="detail-id"]')!.textContent, '2');
  assert.deepEqual(sent.filter((m) => m.method === 'relabel').map((m) => m.params), [{ rows: [1], to: 'ham' }]);
  assert.equal(app.cursor, 2);
});

test('keyboard: j/k move, Enter applies the suggestion, 1–9 relabel to the k-th class by name, s/m/a/u act', () => {
  assert.deepEqual(keyAction({ key: 'j' }), { kind: 'move', delta: 1 });
  assert.deepEqual(keyAction({ key: '3' }), { kind: 'relabelTop', rank: 2 });
  assert.equal(keyAction({ key: 'j', ctrlKey: true }), undefined);
  assert.equal(keyAction({ key: 'q' }), undefined);
  const { app, sent, answer, detail } = setup();
  answer(Array.from({ length: 10 }, (_, i) => row(i)));
  const press = (key: string) => document.dispatchEvent(new window.KeyboardEvent('keydown', { key }) as unknown as Event);
  const shown = (i: number) => detail({ ...row(i), soft: [0.3, 0.7], topClasses: ['spam', 'ham'] });
  shown(0);
  press('j');
  assert.equal(app.cursor, 1);
  assert.deepEqual(sent[sent.length - 1], { method: 'requestDetail', id: (sent[sent.length - 1] as WireRequest).id, params: { row: 1 } });
  shown(1);
  press('k');
  assert.equal(app.cursor, 0);
  shown(0);
  press('Enter');
  assert.ok(sent.some((m) => m.method === 'applySuggestion' && (m.params as { rows: number[] }).rows[0] === 0));
  assert.equal(app.cursor, 1, 'moves on to the next suspect');
  shown(1);
  press('2');
  assert.ok(sent.some((m) => m.method === 'relabel' && JSON.stringify(m.params) === JSON.stringify({ rows: [1], to: 'ham' })));
  shown(2);
  press('s');
  assert.ok(sent.some((m) => m.method === 'smooth' && JSON.stringify(m.params) === JSON.stringify({ rows: [2], epsilon: 0.1, mix: false })));
  press('k');
  shown(2);
  press('m');
  assert.ok(sent.some((m) => m.method === 'smooth' && JSON.stringify(m.params) === JSON.stringify({ rows: [2], epsilon: 0.1, mix: true })));
  shown(3);
  press('x');
  press('j');
  press('x');
  shown(4);
  press('a');
  assert.ok(sent.some((m) => m.method === 'accept' && (m.params as { rows: number[] }).rows.length === 2), 'a bulk action on the selection');
  press('u');
  assert.deepEqual(sent[sent.length - 1], { method: 'undo', params: {} });
  press('?');
  assert.ok(!document.querySelector('[data-testid="help"]')!.classList.contains('hidden'));
});

test('the file read again (reload, merge): the view, its filters and the cursor\'s place are kept', () => {
  const { root, app, lastPage, answer } = setup();
  const show = root.querySelector('[data-testid="filter-show"]') as HTMLSelectElement;
  show.value = 'flagged';
  show.dispatchEvent(new window.Event('change') as unknown as Event);
  answer(Array.from({ length: 10 }, (_, i) => row(i)), 10);
  app.moveTo(3);
  app.handle({ method: 'init', params: { fileName: 'x.csv', classes: ['ham', 'spam'], rowCount: 100001, kind: 'text', hasResults: true, strings: {}, smoothingEpsilon: 0.1, applyThreshold: 0.9, columns: {} } });
  assert.equal(lastPage().params.filter.flagged, true);
  assert.equal((root.querySelector('[data-testid="filter-show"]') as HTMLSelectElement).value, 'flagged');
  answer(Array.from({ length: 10 }, (_, i) => row(i)), 10);
  assert.equal(app.cursor, 3);
  assert.ok(root.querySelector('[data-testid="row-3"]')!.classList.contains('cursor'));
});

test('p(given) per epoch is a chart with axes: epochs 1…E on x, 0–1 on y, one point per epoch, classes named', () => {
  const { root, answer, detail } = setup();
  answer([row(0)]);
  const history = [0.9, 0.7, 0.52, 0.31, 0.2, 0.12, 0.08, 0.05];
  detail({ ...row(0), soft: [0.1, 0.9], topClasses: ['spam', 'ham'], history });
  const chart = root.querySelector('[data-testid="epoch-chart"]')!;
  const ticks = [...chart.querySelectorAll('text.tick')].map((e) => e.textContent);
  assert.deepEqual(ticks.slice(0, 3), ['0.0', '0.5', '1.0']);
  assert.deepEqual(ticks.slice(3), ['1', '5', '8'], 'first, middle and last epoch');
  assert.equal(chart.querySelectorAll('circle.dot').length, history.length);
  const ys = chart.querySelector('polyline')!.getAttribute('points')!.split(' ').map((p) => Number(p.split(',')[1]));
  assert.ok(ys.every((v, i) => i === 0 || v > ys[i - 1]), 'falling p drawn lower each epoch');
  assert.match(chart.querySelector('title')!.textContent!, /given: ham · suggested: spam/);
});
