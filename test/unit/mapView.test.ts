/** The map as the review sees it (core/mapView) and its messages (protocol/webview): scaling, the polygon test, validation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insidePolygon, mapPoints, packMap } from '../../src/core/mapView';
import { checkMapResult, MAP_NO_LABEL, MAP_UNITS, parseWebviewMessage } from '../../src/protocol/webview';

test('map points: scaled to fit 0..MAP_UNITS with one scale for both axes (the shape kept), centred; non-finite at 0', () => {
  const p = mapPoints(Float32Array.from([0, 10, 5, NaN]), Float32Array.from([0, 2, 1, 1]));
  assert.deepEqual([p[0], p[2], p[4]], [0, MAP_UNITS, Math.round(MAP_UNITS / 2)]);
  // y spans 2 of x's 10: it keeps that ratio, centred in the square.
  assert.equal(p[3] - p[1], Math.round(MAP_UNITS * 0.2));
  assert.equal(Math.round((p[1] + p[3]) / 2), Math.round(MAP_UNITS / 2));
  assert.equal(p[6], 0);
});

test('inside a polygon: a box, a concave lasso (even–odd), points outside', () => {
  const box = [10, 10, 20, 10, 20, 20, 10, 20];
  assert.ok(insidePolygon(15, 15, box));
  assert.ok(!insidePolygon(25, 15, box));
  assert.ok(!insidePolygon(15, 5, box));
  // A U shape: its notch is outside.
  const u = [0, 0, 30, 0, 30, 30, 20, 30, 20, 10, 10, 10, 10, 30, 0, 30];
  assert.ok(insidePolygon(5, 20, u));
  assert.ok(!insidePolygon(15, 20, u));
  assert.ok(insidePolygon(15, 5, u));
});

test('map messages are checked: the packed reply against its count, the map filter against its shape', () => {
  const m = packMap(Uint16Array.from([1, 2, 3, 4]), ['a', 'b'], (r) => (r === 0 ? 1 : -1), () => 1, 'PCA');
  const ok = checkMapResult({ map: m });
  assert.ok(typeof ok !== 'string' && ok.map?.count === 2);
  const label = new Uint16Array(Uint8Array.from(Buffer.from(m.label, 'base64')).buffer);
  assert.deepEqual([...label.subarray(0, 2)], [1, MAP_NO_LABEL]);
  assert.match(checkMapResult({ map: { ...m, count: 3 } }) as string, /map.xy must hold 3 points/);
  assert.match(checkMapResult({ map: { ...m, flags: '<b>' } }) as string, /map.flags/);
  assert.deepEqual(checkMapResult({ map: undefined, reason: 'noMap' }), { map: undefined, reason: 'noMap' });
  const ctx = { rowCount: 10, classes: ['a', 'b'] };
  const page = (filter: unknown) => parseWebviewMessage({ method: 'requestPage', id: 1, params: { offset: 0, limit: 10, sort: 'row', descending: false, snapshot: 0, filter } }, ctx);
  assert.equal(typeof page({ map: { polygon: [0, 0, 10, 0, 10, 10] } }), 'object');
  assert.match(page({ map: { polygon: [0, 0, 10, 0] } }) as string, /filter.map.polygon must be 3 to 256 points/);
  assert.match(page({ map: { polygon: [0, 0, 10, 0, 10, 'x'] } }) as string, /filter.map.polygon/);
  assert.match(page({ map: { polygon: [0, 0, 10, 0, 10, 1e9] } }) as string, /filter.map.polygon/);
  assert.equal(typeof parseWebviewMessage({ method: 'requestMap', id: 2, params: {} }, ctx), 'object');
});
