/**
 * The Map view: the analysis's embedding map (engine/projection.ts) on a canvas — one point per
 * row coloured by its current label, suspects (flagged rows) outlined, the row in the detail pane
 * ringed. Wheel zooms at the cursor; drag pans, or draws a box or a lasso (the mode buttons) that
 * filters the table to the rows inside it. Hovering a point shows its row (id, label, text) as text.
 *
 * Drawing is one pass over the points into an ImageData (no path per point), so pan and zoom stay
 * smooth at 100k points; the last frame's time is kept in the canvas's data-frame-ms. Points are
 * found under the cursor through a grid of cells built once per map.
 */
import { checkMapResult, MAP_FLAGGED, MAP_UNITS, RequestDetail, RequestMap, type MapData } from '../src/protocol/webview';
import { el, replace } from './dom';
import type { Component, Ctx, Topic } from './state';

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
 * outline in `outline` around its point, every row a 2×2 point in its class colour (3×3 zoomed in),
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
  const r = vp.scale >= 4 ? 1 : 0;
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

type Mode = 'box' | 'lasso' | 'pan';

export class MapView implements Component {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly info: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly tip: HTMLElement;
  private readonly modes: Record<Mode, HTMLElement>;
  private points: MapPoints | undefined;
  private index: PointIndex | undefined;
  private vp: Viewport | undefined;
  private mode: Mode = 'box';
  private drag: { x: number; y: number; vp: Viewport; path: number[]; moved: boolean } | undefined;
  private hover = -1;
  private asked = false;
  private refetch: ReturnType<typeof setTimeout> | undefined;
  private frame = 0;
  private image: ImageData | undefined;

  constructor(private readonly ctx: Ctx) {
    const t = ctx.t;
    this.canvas = el('canvas', { class: 'map-canvas', 'data-testid': 'map-canvas', tabindex: 0, 'aria-label': t('mapLabel') });
    this.info = el('p', { class: 'muted map-info', 'data-testid': 'map-info' });
    this.legend = el('div', { class: 'map-legend', 'data-testid': 'map-legend' });
    this.tip = el('div', { class: 'map-tip hidden', 'data-testid': 'map-tip', role: 'tooltip' });
    const mode = (m: Mode, label: string) => el('button', { class: 'map-mode', 'data-testid': `map-mode-${m}`, 'aria-pressed': String(m === this.mode), onclick: () => this.setMode(m) }, t(label));
    this.modes = { box: mode('box', 'mapBox'), lasso: mode('lasso', 'mapLasso'), pan: mode('pan', 'mapPan') };
    const reset = el('button', { class: 'map-mode', 'data-testid': 'map-reset', onclick: () => { this.vp = undefined; this.draw(); } }, t('mapReset'));
    this.element = el('div', { class: 'pane map-view', 'data-testid': 'map-view' },
      el('div', { class: 'map-bar' }, this.modes.box, this.modes.lasso, this.modes.pan, reset, el('span', { class: 'muted' }, t('mapHint'))),
      el('div', { class: 'map-stage' }, this.canvas, this.tip), this.info, this.legend);
    this.canvas.addEventListener('mousedown', (e) => this.down(e));
    this.canvas.addEventListener('mousemove', (e) => this.move(e));
    this.canvas.addEventListener('mouseup', (e) => this.up(e));
    this.canvas.addEventListener('mouseleave', () => { this.drag = undefined; this.setHover(-1); this.draw(); });
    this.canvas.addEventListener('wheel', (e) => this.wheel(e as WheelEvent), { passive: false });
  }

  /** Asks the host for the map (once per analysis; again after edits, for the current labels). */
  onShow(): void {
    if (this.asked) { this.draw(); return; }
    this.asked = true;
    this.ctx.ipc.request(RequestMap, {}, (r) => this.received(r));
  }

  private received(r: unknown): void {
    const m = checkMapResult(r);
    if (typeof m === 'string') { this.points = undefined; this.info.textContent = m; this.draw(); return; }
    if (!m.map) { this.points = undefined; this.index = undefined; this.info.textContent = this.ctx.t(m.reason); this.draw(); return; }
    const first = !this.points;
    this.points = decodeMap(m.map);
    this.index = new PointIndex(this.points);
    if (first) this.vp = undefined;
    this.info.textContent = `${this.points.count.toLocaleString('en-US')} ${this.ctx.t('rows')} · ${this.points.method}`;
    this.fillLegend();
    this.draw();
  }

  update(changed: ReadonlySet<Topic>): void {
    const shown = this.ctx.state.tab === 'map';
    if (changed.has('init')) { this.asked = false; if (shown) this.onShow(); }
    if (changed.has('edited')) {
      // Labels changed: ask again (debounced, a run of edits asks once) while shown, else when next shown.
      this.asked = false;
      if (shown) { clearTimeout(this.refetch); this.refetch = setTimeout(() => this.onShow(), 250); }
    }
    if (changed.has('detail') && shown) this.draw();
  }

  private setMode(m: Mode): void {
    this.mode = m;
    for (const [k, b] of Object.entries(this.modes)) b.setAttribute('aria-pressed', String(k === m));
  }

  private size(): [number, number] {
    const w = Math.max(200, Math.floor(this.canvas.parentElement?.clientWidth || this.canvas.clientWidth || 640));
    const h = Math.max(200, Math.floor(this.canvas.clientHeight || Math.min(640, w * 0.66)));
    return [w, h];
  }

  private colours(): { classes: Uint8Array; outline: [number, number, number]; muted: [number, number, number]; ring: string } {
    const css = typeof getComputedStyle === 'function' ? getComputedStyle(this.element) : undefined;
    const v = (name: string) => css?.getPropertyValue(name)?.trim() ?? '';
    const theme = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-yellow', '--vscode-charts-red'].map(v);
    return {
      classes: palette(this.points?.classes.length ?? 0, theme.filter((c) => parseColour(c))),
      outline: parseColour(v('--vscode-editorError-foreground')) ?? [241, 76, 76],
      muted: parseColour(v('--vscode-descriptionForeground')) ?? [128, 128, 128],
      ring: v('--vscode-focusBorder') || '#007fd4',
    };
  }

  private fillLegend(): void {
    const p = this.points!;
    const { classes } = this.colours();
    const swatch = (k: number) => {
      const s = el('span', { class: 'map-swatch' });
      s.style.background = `rgb(${classes[3 * k]}, ${classes[3 * k + 1]}, ${classes[3 * k + 2]})`;
      return s;
    };
    const shown = p.classes.slice(0, 40);
    replace(this.legend, ...shown.map((c, k) => el('button', { class: 'map-class', title: c, 'data-testid': `map-class-${k}`, onclick: () => this.ctx.dispatch({ type: 'filterClass', given: c }) }, swatch(k), c)),
      p.classes.length > shown.length ? el('span', { class: 'muted' }, `… ${p.classes.length - shown.length} ${this.ctx.t('more')}`) : undefined,
      el('span', { class: 'map-class muted' }, el('span', { class: 'map-swatch suspect' }), this.ctx.t('flagged')));
  }

  /** Redraws the points, then the row in the detail pane, the hovered row and the selection being drawn. */
  draw(): void {
    const [w, h] = this.size();
    if (this.canvas.width !== w) this.canvas.width = w;
    if (this.canvas.height !== h) this.canvas.height = h;
    let g: CanvasRenderingContext2D | null = null;
    try { g = this.canvas.getContext('2d'); } catch { g = null; /* no 2-D canvas (the DOM tests): the points are still rasterized */ }
    // The rows drawn as highlighted (the row in the detail pane, the hovered row), for tests and assistive tools.
    this.canvas.dataset.highlight = String(this.ctx.state.shown?.row ?? -1);
    this.canvas.dataset.hover = String(this.hover);
    if (!this.points) { g?.clearRect(0, 0, w, h); return; }
    this.vp ??= fitViewport(w, h);
    const t0 = performance.now();
    const c = this.colours();
    if (!this.image || this.image.width !== w || this.image.height !== h) this.image = g ? g.createImageData(w, h) : ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) } as ImageData);
    rasterize(this.points, this.vp, w, h, c.classes, c.outline, c.muted, this.image.data);
    if (!g) { this.frame = performance.now() - t0; this.canvas.dataset.frameMs = this.frame.toFixed(2); return; }
    g.putImageData(this.image, 0, 0);
    const ring = (row: number, radius: number) => {
      if (row < 0 || row >= this.points!.count) return;
      const f = (this.vp!.size * this.vp!.scale) / MAP_UNITS;
      g.beginPath();
      g.arc(this.points!.xy[2 * row] * f + this.vp!.tx + 0.5, this.points!.xy[2 * row + 1] * f + this.vp!.ty + 0.5, radius, 0, 2 * Math.PI);
      g.stroke();
    };
    g.strokeStyle = c.ring;
    g.lineWidth = 2;
    ring(this.ctx.state.shown?.row ?? -1, 7);
    g.lineWidth = 1;
    ring(this.hover, 5);
    if (this.drag && this.drag.moved && this.mode !== 'pan' && this.drag.path.length >= 4) {
      g.setLineDash([4, 3]);
      g.beginPath();
      const pts = this.mode === 'box' ? this.boxScreen() : this.drag.path;
      g.moveTo(pts[0], pts[1]);
      for (let i = 2; i < pts.length; i += 2) g.lineTo(pts[i], pts[i + 1]);
      g.closePath();
      g.stroke();
      g.setLineDash([]);
    }
    this.frame = performance.now() - t0;
    this.canvas.dataset.frameMs = this.frame.toFixed(2);
  }

  private pos(e: MouseEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect?.();
    return [e.clientX - (r?.left ?? 0), e.clientY - (r?.top ?? 0)];
  }

  private down(e: MouseEvent): void {
    if (!this.points || e.button !== 0) return;
    const [x, y] = this.pos(e);
    this.drag = { x, y, vp: this.vp!, path: [x, y], moved: false };
    e.preventDefault();
  }

  private move(e: MouseEvent): void {
    if (!this.points) return;
    const [x, y] = this.pos(e);
    const d = this.drag;
    if (d) {
      if (Math.abs(x - d.x) + Math.abs(y - d.y) > 3) d.moved = true;
      if (this.mode === 'pan') this.vp = { ...d.vp, tx: d.vp.tx + x - d.x, ty: d.vp.ty + y - d.y };
      else if (this.mode === 'box') d.path = [d.x, d.y, x, y];
      else {
        const lx = d.path[d.path.length - 2], ly = d.path[d.path.length - 1];
        if (Math.abs(x - lx) + Math.abs(y - ly) > 4 && d.path.length < 2 * 256) d.path.push(x, y);
      }
      this.draw();
      return;
    }
    const [ux, uy] = toUnits(this.vp!, x, y);
    const row = this.index!.nearest(ux, uy, (6 * MAP_UNITS) / (this.vp!.size * this.vp!.scale));
    if (row !== this.hover) { this.setHover(row, x, y); this.draw(); }
  }

  private up(e: MouseEvent): void {
    const d = this.drag;
    this.drag = undefined;
    if (!d || !this.points) return;
    if (!d.moved || this.mode === 'pan') { this.draw(); return; }
    const [x, y] = this.pos(e);
    if (this.mode === 'box') d.path = [d.x, d.y, x, y];
    const screen = this.mode === 'box' ? this.boxScreen(d.path) : d.path;
    if (screen.length < 6) { this.draw(); return; }
    const polygon: number[] = [];
    for (let i = 0; i < screen.length; i += 2) {
      const [ux, uy] = toUnits(this.vp!, screen[i], screen[i + 1]);
      // Not clamped to the map: a box drawn past its edge must still hold the points on the edge.
      polygon.push(Math.min(2 * MAP_UNITS, Math.max(-MAP_UNITS, Math.round(ux))), Math.min(2 * MAP_UNITS, Math.max(-MAP_UNITS, Math.round(uy))));
    }
    this.draw();
    this.select(polygon);
  }

  /** Filters the table to the rows inside the polygon (map units) and shows it. */
  select(polygon: number[]): void {
    this.ctx.dispatch({ type: 'filter', filter: { ...this.ctx.state.query.filter, map: { polygon } } });
    this.ctx.dispatch({ type: 'tab', tab: 'review' });
  }

  /** The box being drawn as four screen corners. */
  private boxScreen(path = this.drag!.path): number[] {
    const [x0, y0, x1, y1] = path;
    return [x0, y0, x1, y0, x1, y1, x0, y1];
  }

  private wheel(e: WheelEvent): void {
    if (!this.points) return;
    e.preventDefault();
    const [x, y] = this.pos(e);
    this.vp = zoomAt(this.vp!, x, y, Math.exp(-e.deltaY / 300));
    this.draw();
  }

  /** Shows the hovered row (asked of the host: id, label, text) beside the cursor, as text. */
  private setHover(row: number, x = 0, y = 0): void {
    this.hover = row;
    if (row < 0) { this.tip.classList.add('hidden'); return; }
    this.tip.style.left = `${Math.round(x + 12)}px`;
    this.tip.style.top = `${Math.round(y + 12)}px`;
    this.ctx.ipc.request(RequestDetail, { row }, (d, asked) => {
      if (asked.row !== this.hover) return;
      const text = d.fullText ?? d.text;
      replace(this.tip,
        el('div', { class: 'map-tip-head' }, el('strong', {}, d.label || '—'), el('span', { class: 'muted' }, ` · ${d.id}`), d.flagged ? el('span', { class: 'badge' }, ` ${this.ctx.t('flagged')}`) : undefined),
        el('div', { class: 'map-tip-text', 'data-testid': 'map-tip-text' }, text.length > 300 ? `${text.slice(0, 300)}…` : text));
      this.tip.classList.remove('hidden');
    });
  }
}
