/** The Classes view on real class counts (toutiao, 15 classes; iflytek, 119): names, bars, matrix, pairs, filters. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Window } from 'happy-dom';
import { dataset } from '../helpers';
import { harness, type Harness } from './harness';

before(() => {
  const window = new Window({ url: 'https://localhost/' });
  Object.assign(globalThis, { window, document: window.document, HTMLElement: window.HTMLElement, Node: window.Node });
});

const tab = (h: Harness, name: string) => (h.root.querySelector(`[data-testid="tab-${name}"]`) as HTMLElement).click();
const counts = (h: Harness) => h.model.classesView()!;

test('119 classes: one named bar per class, largest first, no sideways scroll; the most-confused pairs rank and filter', async (t) => {
  const h = await harness(t, dataset('clue_iflytek_fewclue'));
  tab(h, 'classes');
  const v = counts(h);
  const names = [...h.root.querySelectorAll('[data-testid="class-bars"] .hbar-name')].map((e) => e.textContent);
  assert.equal(names.length, 119);
  const given = names.map((n) => v.given[v.classes.indexOf(n!)]);
  assert.deepEqual(given, [...given].sort((a, b) => b - a), 'sorted by count');
  assert.match(h.root.querySelector('[data-testid="imbalance"]')!.textContent!, new RegExp(`largest: ${names[0]}`));
  assert.match(h.root.querySelector('[data-testid="imbalance"]')!.textContent!, new RegExp(`smallest: ${names[118]}`));
  assert.equal(h.root.querySelector('[data-testid="matrix"]'), null, 'no 119×119 matrix');
  const pairs = [...h.root.querySelectorAll('[data-testid="confused-pairs"] tr')].slice(1);
  const pairCounts = pairs.map((tr) => Number(tr.children[3].textContent));
  assert.ok(pairCounts.length > 5);
  assert.deepEqual(pairCounts, [...pairCounts].sort((a, b) => b - a));
  const [g, p] = [pairs[0].children[0].textContent!, pairs[0].children[2].textContent!];
  const K = v.classes.length;
  assert.equal(pairCounts[0], Math.max(...v.matrix.filter((_, i) => i % (K + 1) !== 0)));
  (pairs[0] as HTMLElement).click();
  await h.flush();
  const total = Number(h.root.querySelector('[data-testid="status"]')!.textContent!.match(/^(\d+)/)![1]);
  assert.equal(total, pairCounts[0], 'the pair filters the table to its rows');
  const row = h.root.querySelector('[data-testid="row-0"]')!;
  assert.equal(row.querySelector('[data-testid="label-0"]')!.textContent, g);
  assert.equal(row.querySelector('.c-sugg')!.getAttribute('title'), p);
});

test('15 classes: the matrix with every name (full name on hover), the table sorts by any column, current counts follow edits, log scale', async (t) => {
  const h = await harness(t, dataset('toutiao_news_20k'));
  tab(h, 'classes');
  const v = counts(h);
  const heads = [...h.root.querySelectorAll('[data-testid="matrix"] th.rot')].map((e) => e.getAttribute('title'));
  assert.deepEqual(heads, v.classes);
  assert.equal(h.root.querySelectorAll('[data-testid="matrix"] td.cell').length, 225);
  (h.root.querySelector('[data-testid="sort-precision"]') as HTMLElement).click();
  const col = (i: number) => [...h.root.querySelectorAll('[data-testid="class-table"] tr')].slice(1).map((tr) => tr.children[i].textContent!);
  const prec = col(4).map((x) => Number(x.replace('%', '')));
  assert.deepEqual(prec, [...prec].sort((a, b) => b - a));
  (h.root.querySelector('[data-testid="sort-precision"]') as HTMLElement).click();
  const asc = col(4).map((x) => Number(x.replace('%', '')));
  assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
  (h.root.querySelector('[data-testid="sort-name"]') as HTMLElement).click();
  assert.deepEqual(col(0), [...v.classes].sort());
  const k = v.classes.indexOf(h.state.state(Number((h.root.querySelector('.row.cursor') as HTMLElement).dataset.row)).label);
  const width = () => (h.root.querySelector(`[data-testid="hist-corrected-${k}"]`) as HTMLElement).style.width;
  const before = width();
  tab(h, 'review');
  h.press('Enter');
  await h.flush();
  assert.equal(counts(h).corrected[k], v.given[k] - 1, 'one row left the class');
  assert.notEqual(width(), before, 'the current bar follows the edit');
  (h.root.querySelector('[data-testid="scale-log"]') as HTMLElement).click();
  const small = v.classes.map((_, i) => i).sort((a, b) => v.given[a] - v.given[b])[0];
  const w = parseFloat((h.root.querySelector(`[data-testid="hist-given-${small}"]`) as HTMLElement).style.width);
  assert.ok(w > (100 * v.given[small]) / Math.max(...v.given), 'log scale lifts the tail');
});
