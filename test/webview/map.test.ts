/**
 * The Map view (webview/map.ts) against the real host model over a real file (ag_news) through the
 * real protocol: the map arrives as a validated message, a box drawn on the canvas filters the table
 * to exactly the rows inside it, hovering a point shows its row as text, the row in the detail pane
 * is the one highlighted; and the rasterizer draws class colours and suspect outlines.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Window } from 'happy-dom';
import { dataset } from '../helpers';
import { harness, seededAnalysis, type Harness } from './harness';
import { mapPoints, insidePolygon } from '../../src/core/mapView';
import { MAP_FLAGGED, MAP_UNITS, MapStatus, notify } from '../../src/protocol/webview';
import { Random } from '../../src/core/random';
import type { Summary } from '../../src/core/results';

before(() => {
  const window = new Window({ url: 'https://localhost/' });
  Object.assign(globalThis, { window, document: window.document, HTMLElement: window.HTMLElement, Node: window.Node });
});

const AG = dataset('ag_news_test');
const HOSTILE = '<img src=x onerror=alert(1)> Fears for pension';

/**
 * ag_news with the seeded stand-in analysis and a map of four clusters, one per class (class k
 * around (k mod 2, ⌊k/2⌋) · 10), row 0 alone in a far corner; row 0's text is HTML.
 */
async function withMap(t: Parameters<typeof harness>[0]): Promise<{ h: Harness; pts: Uint16Array }> {
  const h = await harness(t, AG, (csv) => csv.replace(/^(id,text,label\r?\n0,)"?[^,]*?"?,/, `$1"${HOSTILE}",`));
  const a = seededAnalysis(h.state);
  const n = h.state.dataset.rowCount;
  const r = new Random(3);
  const mapX = new Float32Array(n), mapY = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.max(0, h.state.dataset.labels[i]);
    mapX[i] = (k % 2) * 10 + r.normal();
    mapY[i] = Math.floor(k / 2) * 10 + r.normal();
  }
  mapX[0] = 30; mapY[0] = 30;
  const summary = { ...a.summary, map: { method: 'umap', sample: 2000, seconds: 1, representation: { source: 'learned', description: 'test clusters', dim: 2 } } } as Summary;
  h.model.setAnalysis({ summary, arrays: { ...a.arrays, mapX, mapY } });
  (h.root.querySelector('[data-testid="tab-map"]') as HTMLElement).click();
  await h.flush();
  return { h, pts: mapPoints(mapX, mapY) };
}

test('map tab while the map is computed after the results: "Computing the map…" with its progress, then the map once it is ready', async (t) => {
  const h = await harness(t, AG);
  const a = seededAnalysis(h.state);
  const n = h.state.dataset.rowCount;
  // The analysis as the host reads it at the job's result: its summary names a map file not written yet.
  h.model.setAnalysis({ ...a, summary: { ...a.summary, mapFile: 'map.bin' } as Summary, mapState: 'missing' });
  h.model.mapComputing = true;
  (h.root.querySelector('[data-testid="tab-map"]') as HTMLElement).click();
  await h.flush();
  const pending = h.root.querySelector('[data-testid="map-pending"]') as HTMLElement;
  assert.equal(pending.classList.contains('hidden'), false, 'shown while the map is computed');
  assert.match(pending.textContent!, /^Computing the map… 0%/);
  h.fromHost(notify(MapStatus, { state: 'computing', fraction: 0.4, message: 'UMAP epoch 40/100' }));
  await h.flush();
  assert.match(pending.textContent!, /^Computing the map… 40% · UMAP epoch 40\/100$/);
  assert.equal((pending.querySelector('.map-pending-bar') as HTMLElement).style.width, '40.0%');
  // A malformed status from the host is not trusted: it is said, not drawn.
  h.fromHost({ method: 'mapStatus', params: { state: 'computing', fraction: 7 } });
  await h.flush();
  assert.equal(h.app.state.mapStatus?.state, 'failed');
  h.fromHost(notify(MapStatus, { state: 'computing', fraction: 0.9, message: 'map: placing rows' }));
  await h.flush();
  // The engine wrote the map: the host reads it in and says so; the view asks again and draws it.
  const x = Float32Array.from({ length: n }, (_, i) => i % 7), y = Float32Array.from({ length: n }, (_, i) => i % 5);
  h.model.setMap({ x, y, map: { method: 'umap', sample: 1000, seconds: 0.9, representation: { source: 'learned', description: 'test', dim: 2 } } });
  const asked = h.sent.filter((m) => m.method === 'requestMap').length;
  h.fromHost(notify(MapStatus, { state: 'ready' }));
  await h.flush();
  assert.equal(h.sent.filter((m) => m.method === 'requestMap').length, asked + 1, 'asked for the map again');
  assert.equal(pending.classList.contains('hidden'), true);
  assert.match(h.root.querySelector('[data-testid="map-info"]')!.textContent!, /rows · UMAP of 1,000 sampled rows/);
});

test('a results folder whose map file is missing (the job stopped before it): the Map tab says so plainly', async (t) => {
  const h = await harness(t, AG);
  const a = seededAnalysis(h.state);
  h.model.setAnalysis({ ...a, summary: { ...a.summary, mapFile: 'map.bin' } as Summary, mapState: 'missing' });
  (h.root.querySelector('[data-testid="tab-map"]') as HTMLElement).click();
  await h.flush();
  assert.equal((h.root.querySelector('[data-testid="map-pending"]') as HTMLElement).classList.contains('hidden'), true);
  assert.match(h.root.querySelector('[data-testid="map-info"]')!.textContent!, /map file is missing .*run Analyze again/);
});

function mouse(target: Element, type: string, x: number, y: number): void {
  target.dispatchEvent(new window.MouseEvent(type, { clientX: x, clientY: y, button: 0, bubbles: true }) as unknown as Event);
}

/** Screen position of row i's point on the canvas (the view fits the map as map.ts does). */
async function screenOf(canvas: HTMLCanvasElement, pts: Uint16Array, i: number): Promise<[number, number]> {
  const { fitViewport } = await import('../../webview/map');
  const vp = fitViewport(canvas.width, canvas.height);
  return [pts[2 * i] / MAP_UNITS * vp.size + vp.tx, pts[2 * i + 1] / MAP_UNITS * vp.size + vp.ty];
}

test('map tab: the map arrives, one point per row, described, with a legend of the classes', async (t) => {
  const { h } = await withMap(t);
  assert.equal(h.app.state.tab, 'map');
  const info = h.root.querySelector('[data-testid="map-info"]')!.textContent!;
  assert.match(info, new RegExp(`${h.state.dataset.rowCount.toLocaleString('en-US')} rows · UMAP of 2,000 sampled rows, the others placed by their nearest · test clusters`));
  const legend = [...h.root.querySelectorAll('.map-class[data-testid^="map-class-"]')].map((e) => e.textContent);
  assert.deepEqual(legend, h.model.classes);
  const canvas = h.root.querySelector('[data-testid="map-canvas"]') as HTMLCanvasElement;
  assert.ok(canvas.width >= 200 && canvas.height >= 200);
  assert.ok(Number(canvas.dataset.frameMs) >= 0);
});

test('map: a box drawn on the canvas filters the table to exactly the rows inside it; the chip clears it', async (t) => {
  const { h, pts } = await withMap(t);
  const canvas = h.root.querySelector('[data-testid="map-canvas"]') as HTMLCanvasElement;
  // A box around the first cluster (class 0, around the origin) from two rows' points, padded.
  const n = h.state.dataset.rowCount;
  const inClass0 = [...Array(n).keys()].filter((i) => i > 0 && h.state.dataset.labels[i] === 0);
  const xs = await Promise.all(inClass0.slice(0, 400).map((i) => screenOf(canvas, pts, i)));
  const x0 = Math.min(...xs.map((p) => p[0])) - 2, y0 = Math.min(...xs.map((p) => p[1])) - 2;
  const x1 = Math.max(...xs.map((p) => p[0])) + 2, y1 = Math.max(...xs.map((p) => p[1])) + 2;
  mouse(canvas, 'mousedown', x0, y0);
  mouse(canvas, 'mousemove', (x0 + x1) / 2, (y0 + y1) / 2);
  mouse(canvas, 'mousemove', x1, y1);
  mouse(canvas, 'mouseup', x1, y1);
  await h.flush();
  assert.equal(h.app.state.tab, 'review', 'the table is shown');
  const polygon = h.app.state.query.filter.map?.polygon;
  assert.ok(polygon && polygon.length === 8, 'a box is a 4-point polygon');
  const inside = new Set([...Array(n).keys()].filter((i) => insidePolygon(pts[2 * i], pts[2 * i + 1], polygon)));
  assert.ok(inside.size > 100 && inside.size < n / 2, `${inside.size} rows inside`);
  // The table: exactly those rows, by the host's own filter; every row on screen is one of them.
  const total = h.model.page({ ...h.app.state.query, offset: 0, limit: 1 }).total;
  assert.equal(total, inside.size);
  assert.match(h.root.querySelector('[data-testid="status"]')!.textContent!, new RegExp(`^${inside.size} rows`));
  const shown = [...h.root.querySelectorAll('.row[data-row]')].map((e) => Number((e as HTMLElement).dataset.row));
  assert.ok(shown.length > 0 && shown.every((r) => inside.has(r)));
  const chip = h.root.querySelector('[data-testid="map-selection"]') as HTMLElement;
  assert.ok(!chip.classList.contains('hidden'));
  chip.click();
  await h.flush();
  assert.equal(h.app.state.query.filter.map, undefined);
  assert.match(h.root.querySelector('[data-testid="status"]')!.textContent!, new RegExp(`^${n} rows`));
  assert.ok(chip.classList.contains('hidden'));
});

test('map: a lasso (a square drawn around a lone point) selects the rows inside its outline', async (t) => {
  const { h, pts } = await withMap(t);
  const canvas = h.root.querySelector('[data-testid="map-canvas"]') as HTMLCanvasElement;
  (h.root.querySelector('[data-testid="map-mode-lasso"]') as HTMLElement).click();
  // A triangle around row 0's lone point.
  const [x, y] = await screenOf(canvas, pts, 0);
  mouse(canvas, 'mousedown', x - 10, y - 10);
  mouse(canvas, 'mousemove', x + 10, y - 10);
  mouse(canvas, 'mousemove', x + 10, y + 10);
  mouse(canvas, 'mousemove', x - 10, y + 10);
  mouse(canvas, 'mouseup', x - 10, y + 10);
  await h.flush();
  assert.equal(h.model.page({ ...h.app.state.query, offset: 0, limit: 5 }).rows.map((r) => r.row).join(), '0');
});

test('map: hovering a point shows its row as text (HTML in the data stays text); the detail row is the one highlighted', async (t) => {
  const { h, pts } = await withMap(t);
  const canvas = h.root.querySelector('[data-testid="map-canvas"]') as HTMLCanvasElement;
  const [x, y] = await screenOf(canvas, pts, 0);
  mouse(canvas, 'mousemove', x + 1, y);
  // The row is asked for once the pointer rests on the point.
  await new Promise((r) => setTimeout(r, 100));
  await h.flush();
  const tip = h.root.querySelector('[data-testid="map-tip"]') as HTMLElement;
  assert.ok(!tip.classList.contains('hidden'));
  assert.equal(canvas.dataset.hover, '0');
  assert.equal(tip.querySelector('[data-testid="map-tip-text"]')!.textContent, HOSTILE);
  assert.equal(tip.querySelector('img'), null);
  mouse(canvas, 'mouseleave', 0, 0);
  assert.ok(tip.classList.contains('hidden'));
  // The row in the detail pane (the table's cursor) is the highlighted one.
  const shown = h.app.state.shown!.row;
  assert.equal(canvas.dataset.highlight, String(shown));
  (h.root.querySelector('[data-testid="tab-review"]') as HTMLElement).click();
  h.press('j');
  await h.flush();
  const next = h.app.state.shown!.row;
  assert.notEqual(next, shown);
  (h.root.querySelector('[data-testid="tab-map"]') as HTMLElement).click();
  await h.flush();
  assert.equal(canvas.dataset.highlight, String(next));
});

test('map data follows edits: the host packs each row\'s current label and its flags', async (t) => {
  const { h } = await withMap(t);
  const { decodeMap } = await import('../../webview/map');
  const before = decodeMap(h.model.map().map!);
  const row = 5;
  const other = h.model.classes.find((c) => c !== h.state.state(row).label)!;
  h.state.apply(h.model.relabel([row], other));
  h.model.edited();
  const after = decodeMap(h.model.map().map!);
  assert.equal(after.label[row], h.model.classes.indexOf(other));
  assert.notEqual(after.label[row], before.label[row]);
  let flagged = 0;
  for (let i = 0; i < 200; i++) { const f = (after.flags[i] & MAP_FLAGGED) !== 0; assert.equal(f, h.model.detail(i).flagged, `row ${i}`); flagged += Number(f); }
  assert.ok(flagged > 10 && flagged < 100, `${flagged} of 200 flagged (the seeded stand-in flags about a fifth)`);
});

test('rasterize: each point in its class colour, suspects outlined, in one pass at 100k points', async (t) => {
  const { rasterize, fitViewport, palette } = await import('../../webview/map');
  const n = 100_000, W = 800, H = 600;
  const r = new Random(1);
  const xy = Uint16Array.from({ length: 2 * n }, () => r.int(MAP_UNITS + 1));
  const label = Uint16Array.from({ length: n }, (_, i) => i % 3);
  const flags = new Uint8Array(n);
  // Two lone points far from the rest: row 0 plain (class 0), row 1 flagged (class 1).
  xy.set([0, 0, MAP_UNITS, MAP_UNITS], 0);
  flags[1] = MAP_FLAGGED;
  for (let i = 2; i < n; i++) { xy[2 * i] = 10_000 + (xy[2 * i] % 45_000); xy[2 * i + 1] = 10_000 + (xy[2 * i + 1] % 45_000); }
  const p = { count: n, classes: ['a', 'b', 'c'], xy, label, flags, method: '' };
  const colours = palette(3, ['#ff0000', '#00ff00', '#0000ff']);
  const out = new Uint8ClampedArray(W * H * 4);
  const vp = fitViewport(W, H);
  const t0 = performance.now();
  rasterize(p, vp, W, H, colours, [255, 255, 0], [128, 128, 128], out);
  const ms = performance.now() - t0;
  const px = (x: number, y: number) => Array.from(out.subarray((y * W + x) * 4, (y * W + x) * 4 + 4));
  const at = (i: number) => [Math.round(xy[2 * i] / MAP_UNITS * vp.size + vp.tx), Math.round(xy[2 * i + 1] / MAP_UNITS * vp.size + vp.ty)];
  const [x0, y0] = at(0);
  assert.deepEqual(px(x0, y0), [255, 0, 0, 255]);
  assert.deepEqual(px(x0 - 2, y0), [0, 0, 0, 0], 'no outline around an unflagged row');
  const [x1, y1] = at(1);
  assert.deepEqual(px(x1, y1), [0, 255, 0, 255]);
  assert.deepEqual(px(x1 - 2, y1), [255, 255, 0, 255], 'a flagged row is outlined');
  // The frame time, for the record (speed targets live in the e2e check and the bench, not here).
  t.diagnostic(`rasterize 100k points: ${ms.toFixed(1)} ms`);
});

test('a damaged map file: the Map tab says what is wrong with it (as text), beside "run Analyze again"', async (t) => {
  const h = await harness(t, AG);
  const a = seededAnalysis(h.state);
  const problem = '/data/.label-lens/results/x.csv/map.bin: 120 bytes, expected 131 (truncated?); run the analysis again <img src=x>';
  h.model.setAnalysis({ ...a, summary: { ...a.summary, mapFile: 'map.bin' } as Summary, mapState: 'missing', mapProblem: problem });
  (h.root.querySelector('[data-testid="tab-map"]') as HTMLElement).click();
  await h.flush();
  const info = h.root.querySelector('[data-testid="map-info"]')!;
  assert.ok(info.textContent!.includes(`(${problem})`), info.textContent!);
  assert.match(info.textContent!, /map file is missing .*run Analyze again/);
  assert.equal(info.querySelector('img'), null, 'the problem is text, never HTML');
  // The reply is checked before use: a problem that is not text is refused.
  const { checkMapResult } = await import('../../src/protocol/webview');
  assert.equal(typeof checkMapResult({ map: undefined, reason: 'mapMissing', problem: 7 }), 'string');
  assert.deepEqual(checkMapResult({ map: undefined, reason: 'mapMissing', problem: 'x' }), { map: undefined, reason: 'mapMissing', problem: 'x' });
});
