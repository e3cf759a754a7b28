/**
 * The embedding map's drawing, free of the DOM (the Map view, webview/map.ts, puts it on a canvas;
 * the bench times it in Node): the packed points decoded, the viewport, the palette, the one-pass
 * rasterizer and the grid of cells that finds the point under the cursor.
 */
import { MAP_FLAGGED, MAP_UNITS, type MapData } from '../src/protocol/webview';

export interface MapPoints {
  count: number;
  classes: string[];
  /** x, y per row in 0..MAP_UNITS. */
  xy: Uint16Array;
  /** Current label's class index per row; MAP_NO_LABEL = none. */
  label: Uint16Array;
  flags: Uint8Array;
  method: string;
}

function bytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The packed map as typed arrays (little-endian on the wire, as on every platform VS Code runs on). */
export function decodeMap(d: MapData): MapPoints {
  const xy = bytes(d.xy), label = bytes(d.label);
  return {
    count: d.count, classes: d.classes, method: d.method, flags: bytes(d.flags),
    xy: new Uint16Array(xy.buffer, 0, 2 * d.count), label: new Uint16Array(label.buffer, 0, d.count),
  };
}

/** Screen position of map units: sx = x / MAP_UNITS · size · scale + tx (same for y). */
export interface Viewport { scale: number; tx: number; ty: number; size: number }

/** A viewport that fits the whole map into width × height with a margin. */
export function fitViewport(width: number, height: number): Viewport {
  const size = Math.max(1, Math.min(width, height) - 24);
  return { scale: 1, tx: (width - size) / 2, ty: (height - size) / 2, size };
}

/** Map units of a screen point. */
export function toUnits(vp: Viewport, sx: number, sy: number): [number, number] {
  const f = MAP_UNITS / (vp.size * vp.scale);
  return [(sx - vp.tx) * f, (sy - vp.ty) * f];
}

/** Zooms by `factor` keeping the map point under (sx, sy) in place. */
export function zoomAt(vp: Viewport, sx: number, sy: number, factor: number): Viewport {
  const scale = Math.min(500, Math.max(0.2, vp.scale * factor));
  const f = scale / vp.scale;
  return { ...vp, scale, tx: sx - (sx - vp.tx) * f, ty: sy - (sy - vp.ty) * f };
}

/** RGB colours, 3 bytes per class: the theme's chart colours first, then hues a golden angle apart. */
export function palette(classes: number, theme: string[]): Uint8Array {
  const out = new Uint8Array(3 * classes);
  for (let k = 0; k < classes; k++) {
    const c = k < theme.length ? parseColour(theme[k]) : undefined;
    const [r, g, b] = c ?? hsl(((k * 137.508) % 360) / 360, 0.65, 0.55);
    out.set([r, g, b], 3 * k);
  }
  return out;
}

/** #rgb, #rrggbb or rgb(r, g, b) as bytes; undefined for anything else. */
export function parseColour(s: string): [number, number, number] | undefined {
  const t = s.trim();
  let m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(t);
  if (m) return [0, 2, 4].map((i) => parseInt(m![1].slice(i, i + 2), 16)) as [number, number, number];
  m = /^#([0-9a-f]{3})$/i.exec(t);
  if (m) return [0, 1, 2].map((i) => parseInt(m![1][i] + m![1][i], 16)) as [number, number, number];
  m = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/i.exec(t);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return undefined;
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    return Math.round(255 * (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/**
 * Draws every point into `out` (width × height RGBA, cleared first): a flagged row as a square
 * outline in `outline` around its point, every row a 2×2 point in its class colour (3×3 when few or zoomed in),
 * rows without a label (MAP_NO_LABEL) in `muted`. One pass per layer, one 32-bit write per pixel, no allocation
 * per point.
 */
export function rasterize(p: MapPoints, vp: Viewport, width: number, height: number, colours: Uint8Array, outline: [number, number, number], muted: [number, number, number], out: Uint8ClampedArray): void {
  const px = new Uint32Array(out.buffer, out.byteOffset, width * height);
  px.fill(0);
  // RGBA bytes as one little-endian word.
  const word = (r: number, g: number, b: number) => ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
  const K = colours.length / 3;
  const cls = new Uint32Array(K);
  for (let k = 0; k < K; k++) cls[k] = word(colours[3 * k], colours[3 * k + 1], colours[3 * k + 2]);
  const none = word(...muted), ring = word(...outline);
  const f = (vp.size * vp.scale) / MAP_UNITS;
  const { tx, ty } = vp;
  // 3×3 points when they are few or zoomed in, 2×2 when a crowd would merge into blots.
  const r = vp.scale >= 4 || p.count <= 20_000 ? 1 : 0;
  // A point covers [x − r, x + s] × [y − r, y + s]; its outline the square e = r + 2 around that.
  // The far side of a point: x + 1 for 2×2 (r 0) and 3×3 (r 1, which also reaches x − 1).
  const s2 = 1;
  const xy = p.xy;
  const fillBox = (x0: number, y0: number, x1: number, y1: number, c: number) => {
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 >= width) x1 = width - 1;
    if (y1 >= height) y1 = height - 1;
    for (let y = y0; y <= y1; y++) { const o = y * width; for (let x = x0; x <= x1; x++) px[o + x] = c; }
  };
  // Flagged rows first, so that their outline lies under every point.
  const e = r + 2;
  for (let i = 0; i < p.count; i++) {
    if (!(p.flags[i] & MAP_FLAGGED)) continue;
    const x = Math.round(xy[2 * i] * f + tx), y = Math.round(xy[2 * i + 1] * f + ty);
    if (x < -e - 1 || y < -e - 1 || x > width + e || y > height + e) continue;
    fillBox(x - e, y - e, x + e + s2 - r, y - e, ring);
    fillBox(x - e, y + e + s2 - r, x + e + s2 - r, y + e + s2 - r, ring);
    fillBox(x - e, y - e, x - e, y + e + s2 - r, ring);
    fillBox(x + e + s2 - r, y - e, x + e + s2 - r, y + e + s2 - r, ring);
  }
  const labels = p.label;
  for (let i = 0; i < p.count; i++) {
    const x = Math.round(xy[2 * i] * f + tx), y = Math.round(xy[2 * i + 1] * f + ty);
    const k = labels[i];
    const c = k < K ? cls[k] : none;
    if (r === 0 && x >= 0 && y >= 0 && x < width - 1 && y < height - 1) {
      // The common case, unrolled: a 2×2 point well inside the canvas.
      const o = y * width + x;
      px[o] = c; px[o + 1] = c; px[o + width] = c; px[o + width + 1] = c;
    } else if (x >= -2 && y >= -2 && x <= width + 1 && y <= height + 1) fillBox(x - r, y - r, x + s2, y + s2, c);
  }
}

const CELLS = 128;

/** Rows by grid cell (CELLS × CELLS over the map units), for finding the point under the cursor. */
export class PointIndex {
  private readonly start: Int32Array;
  private readonly rows: Int32Array;

  constructor(private readonly p: MapPoints) {
    const cell = (i: number) => Math.min(CELLS - 1, Math.floor((p.xy[2 * i] / (MAP_UNITS + 1)) * CELLS)) * CELLS + Math.min(CELLS - 1, Math.floor((p.xy[2 * i + 1] / (MAP_UNITS + 1)) * CELLS));
    this.start = new Int32Array(CELLS * CELLS + 1);
    for (let i = 0; i < p.count; i++) this.start[cell(i) + 1]++;
    for (let c = 0; c < CELLS * CELLS; c++) this.start[c + 1] += this.start[c];
    const at = this.start.slice(0, CELLS * CELLS);
    this.rows = new Int32Array(p.count);
    for (let i = 0; i < p.count; i++) this.rows[at[cell(i)]++] = i;
  }

  /** The row whose point is nearest (x, y) within `radius` map units, or −1. */
  nearest(x: number, y: number, radius: number): number {
    const w = (MAP_UNITS + 1) / CELLS;
    const c0 = Math.max(0, Math.floor((x - radius) / w)), c1 = Math.min(CELLS - 1, Math.floor((x + radius) / w));
    const r0 = Math.max(0, Math.floor((y - radius) / w)), r1 = Math.min(CELLS - 1, Math.floor((y + radius) / w));
    let best = -1, bestD = radius * radius;
    for (let cx = c0; cx <= c1; cx++) for (let cy = r0; cy <= r1; cy++) {
      const c = cx * CELLS + cy;
      for (let j = this.start[c]; j < this.start[c + 1]; j++) {
        const i = this.rows[j];
        const d = (this.p.xy[2 * i] - x) ** 2 + (this.p.xy[2 * i + 1] - y) ** 2;
        if (d <= bestD) { bestD = d; best = i; }
      }
    }
    return best;
  }
}
