/**
 * Each component of the review on its own, in a DOM (happy-dom): it draws the state it is given and
 * reports what the user did as actions, without the app or a host.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Window } from 'happy-dom';
import type { RowView } from '../../src/protocol/webview';
import type { Action, Ctx, ReviewState, Topic } from '../../webview/state';

let state: typeof import('../../webview/state');
let components: {
  Filters: typeof import('../../webview/components/filters').Filters;
  Table: typeof import('../../webview/components/table').Table;
  Toolbar: typeof import('../../webview/components/toolbar').Toolbar;
  Tabs: typeof import('../../webview/components/tabs').Tabs;
  Overlay: typeof import('../../webview/components/overlay').Overlay;
  StatusBar: typeof import('../../webview/components/statusBar').StatusBar;
  DuplicatesView: typeof import('../../webview/duplicates').DuplicatesView;
  VIEWS: typeof import('../../webview/views').VIEWS;
};

before(async () => {
  const window = new Window({ url: 'https://localhost/' });
  Object.assign(globalThis, { window, document: window.document, HTMLElement: window.HTMLElement, Node: window.Node });
  state = await import('../../webview/state');
  components = {
    ...await import('../../webview/components/filters'), ...await import('../../webview/components/table'), ...await import('../../webview/components/toolbar'),
    ...await import('../../webview/components/tabs'), ...await import('../../webview/components/overlay'), ...await import('../../webview/components/statusBar'),
    ...await import('../../webview/duplicates'), ...await import('../../webview/views'),
  };
});

const CLASSES = ['体育', '财经', 'sports'];

function ctxWith(patch: Partial<ReviewState> = {}): { ctx: Ctx; actions: Action[] } {
  const s = Object.assign(state.initialState(), patch);
  s.init ??= { fileName: 'x.csv', classes: CLASSES, rowCount: 3, kind: 'text', hasResults: true, strings: {}, smoothingEpsilon: 0.1, applyThreshold: 0.75, columns: { id: 'uid', text: 'sentence', label: 'category' }, extraColumns: [{ index: 3, name: 'annotator', values: ['', 'bo'] }] };
  const actions: Action[] = [];
  const ctx: Ctx = { state: s, dispatch: (a) => actions.push(a), t: (k) => s.strings[k] ?? k, ipc: undefined as never };
  return { ctx, actions };
}

const all = new Set<Topic>(['init', 'rows', 'detail', 'toolbar', 'status', 'classes', 'runs', 'tab', 'notice', 'groups', 'filters', 'overlay']);
const change = (e: Element, type = 'change') => e.dispatchEvent(new window.Event(type) as unknown as Event);

function row(i: number): RowView {
  return { row: 10 + i, id: `id-${i}`, line: i + 2, text: `text ${i}`, given: '体育', label: i === 1 ? '财经' : '体育', suggested: '财经', suspicion: 0.9, pWrong: 0.99, flagged: i === 0, edited: i === 1, accepted: false, smoothed: false, damaged: false };
}

test('filters: draw the query, report a filter per control; an empty cell is a value of its own', () => {
  const { ctx, actions } = ctxWith();
  ctx.state.query = { ...ctx.state.query, filter: { given: '财经', flagged: true }, show: 3 };
  const f = new components.Filters(ctx);
  f.update(all);
  const q = (id: string) => f.element.querySelector(`[data-testid="${id}"]`) as HTMLElement & { value: string };
  assert.equal(q('filter-class').value, '财经');
  assert.equal(q('filter-show').value, 'flagged');
  assert.deepEqual([...q('filter-class').querySelectorAll('vscode-option')].map((o) => o.textContent), ['All classes', ...CLASSES]);
  q('filter-show').value = 'edited';
  change(q('filter-show'));
  assert.deepEqual(actions.pop(), { type: 'filter', filter: { given: '财经', suggested: undefined, search: undefined, issue: undefined, column: undefined, edited: true } });
  const search = q('search');
  search.value = 'abc';
  change(search, 'input');
  assert.equal((actions.pop() as { filter: { search: string } }).filter.search, 'abc');
  // The shown column's values: "any", then "(empty)" for the empty cell, then "bo".
  const values = q('column-filter');
  assert.deepEqual([...values.querySelectorAll('vscode-option')].map((o) => o.textContent), ['annotator: any', '(empty)', 'bo']);
  values.value = '0';
  change(values);
  assert.deepEqual((actions.pop() as { filter: { column: unknown } }).filter.column, { index: 3, equals: '' });
  values.value = '';
  change(values);
  assert.equal((actions.pop() as { filter: { column: unknown } }).filter.column, undefined);
  q('sort').value = 'row:asc';
  change(q('sort'));
  assert.deepEqual(actions.pop(), { type: 'sort', sort: 'row', descending: false });
});

test('table: the file\'s column names, rows from the state\'s pages with old → new and the flag, a click reports its row', () => {
  const { ctx, actions } = ctxWith();
  const s = ctx.state;
  s.cache.put(0, [row(0), row(1), row(2)], 3);
  s.cursor = 1;
  const asked: number[][] = [];
  const table = new components.Table(ctx, (p) => asked.push(p));
  table.update(all);
  assert.deepEqual([...table.element.querySelectorAll('.row.head [role=columnheader]')].slice(0, 3).map((h) => h.textContent), ['uid', 'sentence', 'category']);
  assert.equal(table.element.querySelectorAll('.spacer .row').length, 3);
  assert.ok(table.element.querySelector('[data-testid="row-1"]')!.classList.contains('cursor'));
  assert.equal(table.element.querySelector('[data-testid="was-1"]')!.textContent, '体育');
  assert.equal(table.element.querySelector('[data-testid="label-1"]')!.textContent, '财经');
  assert.ok(table.element.querySelector('[data-testid="flag-0"]'));
  assert.equal(table.element.querySelector('[data-testid="flag-1"]'), null);
  assert.deepEqual(asked.at(-1), [0]);
  (table.element.querySelector('[data-testid="row-2"]') as HTMLElement).click();
  assert.deepEqual(actions.pop(), { type: 'click', pos: 2, row: 12, toggle: false });
});

test('toolbar: the threshold from the file\'s settings, bulk apply reports what is typed; grid button only for images', () => {
  const { ctx, actions } = ctxWith();
  const bar = new components.Toolbar(ctx);
  bar.update(all);
  const threshold = bar.element.querySelector('[data-testid="threshold"]') as HTMLElement & { value: string };
  assert.equal(threshold.value, '0.75');
  threshold.value = '0.6';
  (bar.element.querySelector('[data-testid="btn-apply-above"]') as HTMLElement).click();
  assert.deepEqual(actions.pop(), { type: 'previewApply', threshold: '0.6' });
  assert.equal(bar.element.querySelector('[data-testid="btn-grid"]'), null);
  assert.equal(bar.element.querySelector('[data-testid="btn-cancel"]'), null);
  ctx.state.busy = true;
  ctx.state.init = { ...ctx.state.init!, images: true };
  bar.update(new Set(['toolbar']));
  assert.ok(bar.element.querySelector('[data-testid="btn-cancel"]'));
  (bar.element.querySelector('[data-testid="btn-grid"]') as HTMLElement).click();
  assert.deepEqual(actions.pop(), { type: 'grid', on: true });
  assert.equal(threshold.value, '0.6', 'a redraw keeps what was typed');
});

test('tabs: one header per view of views.ts; a click reports the view, the state marks the active one', () => {
  const { ctx, actions } = ctxWith();
  const tabs = new components.Tabs(ctx, components.VIEWS);
  assert.deepEqual([...tabs.element.querySelectorAll('vscode-tab-header')].map((h) => h.getAttribute('data-testid')), components.VIEWS.map((v) => `tab-${v.id}`));
  (tabs.element.querySelector('[data-testid="tab-runs"]') as HTMLElement).click();
  assert.deepEqual(actions.pop(), { type: 'tab', tab: 'runs' });
  ctx.state.tab = 'classes';
  tabs.update(new Set(['tab']));
  assert.equal(tabs.element.querySelector('[data-testid="tab-classes"]')!.getAttribute('aria-selected'), 'true');
  assert.equal(tabs.element.querySelector('[data-testid="tab-review"]')!.getAttribute('aria-selected'), 'false');
});

test('overlay: the picker filters Chinese class names, recent first, and reports the class picked', () => {
  const { ctx, actions } = ctxWith({ recent: ['sports'] });
  const o = new components.Overlay(ctx);
  ctx.state.overlay = { kind: 'picker', target: { rows: [4], atSelection: false } };
  o.update(new Set(['overlay']));
  assert.ok(!o.element.classList.contains('hidden'));
  const names = () => [...o.element.querySelectorAll('[role=option]')].map((e) => e.textContent);
  assert.deepEqual(names(), ['sports', '体育', '财经']);
  const input = o.element.querySelector('[data-testid="picker-input"]') as HTMLElement & { value: string };
  input.value = '财';
  change(input, 'input');
  assert.deepEqual(names(), ['财经']);
  input.dispatchEvent(new window.KeyboardEvent('keydown', { key: 'Enter' }) as unknown as Event);
  assert.deepEqual(actions.pop(), { type: 'picked', name: '财经' });
  ctx.state.overlay = { kind: 'none' };
  o.update(new Set(['overlay']));
  assert.ok(o.element.classList.contains('hidden'));
});

test('status bar: rows, reviewed of flagged, the order kept; notices as text', () => {
  const { ctx } = ctxWith();
  ctx.state.cache.put(0, [row(0)], 3872);
  ctx.state.progressCount = { reviewed: 12, flagged: 1234 };
  ctx.state.stale = true;
  const bar = new components.StatusBar(ctx);
  ctx.state.notice = { level: 'error', message: '<b>x</b>' };
  bar.update(all);
  assert.equal(bar.element.querySelector('[data-testid="status"]')!.textContent, '3872 rows · reviewed 12 of 1,234 flagged · order kept while you edit; Refresh (r) ranks again');
  assert.equal(bar.element.querySelector('[data-testid="notice"]')!.textContent, '<b>x</b>');
  assert.equal(bar.element.querySelectorAll('b').length, 0);
});

test('duplicates view: the groups of the state, conflicts marked; its keys become actions on the group under the cursor', () => {
  const { ctx, actions } = ctxWith();
  ctx.state.groups = { total: 2, cursor: 1, groups: [
    { group: 7, conflict: false, reason: '2 identical texts: 体育 ×2', size: 2, members: [] },
    { group: 9, conflict: true, reason: '2 identical texts: 体育 ×1, 财经 ×1', suggested: '财经', size: 2, members: [{ row: 3, id: 'a', label: '体育', text: 't' }, { row: 5, id: 'b', label: '财经', text: 't' }] },
  ] };
  const v = new components.DuplicatesView(ctx);
  v.update(new Set(['groups']));
  assert.ok(v.element.querySelector('[data-testid="group-9"]')!.classList.contains('cursor'));
  assert.ok(v.element.querySelector('[data-testid="group-9"]')!.classList.contains('conflict'));
  assert.equal(v.onKey({ kind: 'applySuggestion' }), true);
  assert.deepEqual(actions.pop(), { type: 'relabelGroup', group: 9, to: '财经' });
  assert.equal(v.onKey({ kind: 'exclude' }), true);
  assert.deepEqual(actions.pop(), { type: 'excludeGroup', rows: [3, 5] });
  assert.equal(v.onKey({ kind: 'undo' }), false, 'undo is the app\'s');
  (v.element.querySelector('[data-testid="group-7"]') as HTMLElement).click();
  assert.deepEqual(actions.pop(), { type: 'groupCursor', index: 0 });
});

test('runs: held-out accuracy before/after with the spread over folds and repeats, the delta ± 1.96·SE and whether it is beyond it; per-fold lines; trusted set; per-class recall deltas', async () => {
  const { spreadOf, seOfDelta } = await import('../../webview/spread');
  const { RunsPane } = await import('../../webview/components/panes');
  const before = [[0.80, 0.82, 0.81], [0.79, 0.83, 0.80]];
  const after = [[0.86, 0.88, 0.87], [0.85, 0.89, 0.86]];
  const sb = spreadOf(before)!;
  assert.equal(sb.n, 6);
  assert.ok(Math.abs(sb.mean - 0.8083333) < 1e-6);
  // Sample sd of 0.80 0.82 0.81 0.79 0.83 0.80 around 0.80833: sqrt(0.001083/5).
  assert.ok(Math.abs(sb.sd - Math.sqrt(((0.8 - sb.mean) ** 2 * 2 + (0.82 - sb.mean) ** 2 + (0.81 - sb.mean) ** 2 + (0.79 - sb.mean) ** 2 + (0.83 - sb.mean) ** 2) / 5)) < 1e-9);
  const se = seOfDelta(sb, spreadOf(after))!;
  const { ctx } = ctxWith();
  ctx.state.init = { ...ctx.state.init!, classes: ['ham', 'spam'] };
  const run = (a: number[][], acc: number) => ({
    kind: 'retrain' as const, createdAt: '2026-12-02T00:00:00Z', options: { folds: 3, repeats: 2 }, oofAccuracy: acc, flagged: 40, backend: 'wasm', model: 'mlp', seconds: 3,
    folds: a, recall: [0.9, 0.7], before: { oofAccuracy: 0.81, flagged: 120, recall: [0.9, 0.6], folds: before },
    trusted: { rows: 50, before: 0.2, after: 0.9, seBefore: 0.057, seAfter: 0.042 },
  });
  ctx.state.runs = [run(after, 0.87)];
  const pane = new RunsPane(ctx);
  pane.update(new Set(['runs']));
  const text = (id: string) => pane.element.querySelector(`[data-testid="${id}"]`)!.textContent!;
  assert.match(text('held-out'), /held-out accuracy \(3 folds × 2 repeats\)/);
  assert.match(text('before-accuracy'), /^81\.0% \(fold sd 1\.5, 79\.0–83\.0\)$/);
  assert.equal(text('accuracy-delta'), `+6.0 pts ± ${(196 * se).toFixed(1)} · better, beyond the spread`);
  assert.equal(text('folds-0'), 'per fold · repeat 1' + '80.0 · 82.0 · 81.0' + '86.0 · 88.0 · 87.0');
  assert.equal(pane.element.querySelectorAll('.fold-line').length, 2, 'one line per repeat (seed)');
  assert.match(text('trusted-delta'), /^\+70\.0 pts ± 13\.9 · better/);
  assert.match(text('recall-1'), /recall · spam60\.0%70\.0%\+10\.0 pts$/);
  // The same accuracy within the folds' spread reads as no clear change.
  ctx.state.runs = [run([[0.80, 0.83, 0.81], [0.80, 0.82, 0.80]], 0.811)];
  pane.update(new Set(['runs']));
  assert.match(text('accuracy-delta'), /within the spread/);
});
