/**
 * The embedding map as the review sees it (the engine makes it: engine/projection.ts; arrays mapX,
 * mapY): each row's point scaled to whole units 0..MAP_UNITS, the packed reply the webview draws,
 * and the polygon test behind the map filter. The host filters with the same rounded points the
 * webview draws, so a box drawn around points selects exactly those points.
 */
import { MAP_EDITED, MAP_FLAGGED, MAP_NO_LABEL, MAP_OUTLIER, MAP_UNITS, type MapData } from '../protocol/webview';
import type { Summary } from './results';

/** The map's points as Uint16 pairs (x, y per row), scaled to fit 0..MAP_UNITS; non-finite points at 0. */
export function mapPoints(x: Float32Array, y: Float32Array): Uint16Array {
  const n = x.length;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(x[i])) { x0 = Math.min(x0, x[i]); x1 = Math.max(x1, x[i]); }
    if (Number.isFinite(y[i])) { y0 = Math.min(y0, y[i]); y1 = Math.max(y1, y[i]); }
  }
  // One scale for both axes: the map's shape is kept (UMAP distances mean the same both ways).
  const span = Math.max(x1 - x0, y1 - y0, 1e-12);
  const ox = x0 - (span - (x1 - x0)) / 2, oy = y0 - (span - (y1 - y0)) / 2;
  const out = new Uint16Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = Number.isFinite(x[i]) ? Math.round(((x[i] - ox) / span) * MAP_UNITS) : 0;
    out[2 * i + 1] = Number.isFinite(y[i]) ? Math.round(((y[i] - oy) / span) * MAP_UNITS) : 0;
  }
  return out;
}

/** Whether (x, y) lies inside the polygon (flat x, y pairs), by the even–odd rule. */
export function insidePolygon(x: number, y: number, polygon: readonly number[]): boolean {
  let inside = false;
  const n = polygon.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = polygon[2 * i], yi = polygon[2 * i + 1], xj = polygon[2 * j], yj = polygon[2 * j + 1];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A polygon's bounding box, to skip the test for points far outside it. */
export function polygonBox(polygon: readonly number[]): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < polygon.length; i += 2) {
    x0 = Math.min(x0, polygon[i]); x1 = Math.max(x1, polygon[i]);
    y0 = Math.min(y0, polygon[i + 1]); y1 = Math.max(y1, polygon[i + 1]);
  }
  return [x0, y0, x1, y1];
}

const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** How the map was made, for the line under it. */
export function mapMethod(s: Summary): string {
  const m = s.map;
  if (!m) return '';
  const how = m.method === 'umap' ? (m.sample < s.rows ? `UMAP of ${m.sample.toLocaleString('en-US')} sampled rows, the others placed by their nearest` : 'UMAP') : 'PCA';
  return `${how} · ${m.representation.description}`;
}

/** The packed map (see MapData), rows' current labels and flags given by the caller. */
export function packMap(points: Uint16Array, classes: string[], labelOf: (row: number) => number, flagsOf: (row: number) => number, method: string): MapData {
  const n = points.length / 2;
  const label = new Uint16Array(n);
  const flags = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = labelOf(i);
    label[i] = k >= 0 && k < MAP_NO_LABEL ? k : MAP_NO_LABEL;
    flags[i] = flagsOf(i);
  }
  // Little-endian on the wire (every platform VS Code runs on is).
  return { count: n, classes, xy: b64(points), label: b64(label), flags: b64(flags), method };
}

export { MAP_EDITED, MAP_FLAGGED, MAP_OUTLIER };
