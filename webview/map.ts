/**
 * The Map view: the analysis's embedding map (engine/projection.ts) on a canvas — one point per
 * row coloured by its current label, suspects (flagged rows) outlined, the row in the detail pane
 * ringed. Wheel zooms at the cursor; drag pans, or draws a box or a lasso (the mode buttons) that
 * filters the table to the rows inside it. Hovering a point shows its row (id, label, text) as text.
 *
 * Drawing (./mapDraw.ts) is one pass over the points into an ImageData (no path per point), so pan and zoom stay
 * smooth at 100k points; the last frame's time is kept in the canvas's data-frame-ms. Points are
 * found under the cursor through a grid of cells built once per map.
 */
import { checkMapResult, MAP_UNITS, RequestDetail, RequestMap } from '../src/protocol/webview';
import { decodeMap, fitViewport, palette, parseColour, PointIndex, rasterize, toUnits, zoomAt, type MapPoints, type Viewport } from './mapDraw';

export { decodeMap, fitViewport, palette, rasterize } from './mapDraw';
import { el, replace } from './dom';
import type { Component, Ctx, Topic } from './state';

type Mode = 'box' | 'lasso' | 'pan';

/** How long the pointer rests on a point before its row is asked for. */
const HOVER_MS = 60;

export class MapView implements Component {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly info: HTMLElement;
  /** "Computing the map…" with the map phase's progress, shown until the map arrives. */
  private readonly pending: HTMLElement;
  private readonly pendingBar: HTMLElement;
  private readonly pendingText: HTMLElement;
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
  private hoverTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly ctx: Ctx) {
    const t = ctx.t;
    this.canvas = el('canvas', { class: 'map-canvas', 'data-testid': 'map-canvas', tabindex: 0, 'aria-label': t('mapLabel') });
    this.info = el('p', { class: 'muted map-info', 'data-testid': 'map-info' });
    this.pendingBar = el('div', { class: 'map-pending-bar' });
    this.pendingText = el('span', { 'data-testid': 'map-pending-text' });
    this.pending = el('div', { class: 'map-pending hidden', 'data-testid': 'map-pending', role: 'status' }, this.pendingText, el('div', { class: 'map-pending-track' }, this.pendingBar));
    this.legend = el('div', { class: 'map-legend', 'data-testid': 'map-legend' });
    this.tip = el('div', { class: 'map-tip hidden', 'data-testid': 'map-tip', role: 'tooltip' });
    const mode = (m: Mode, label: string) => el('button', { class: 'map-mode', 'data-testid': `map-mode-${m}`, 'aria-pressed': String(m === this.mode), onclick: () => this.setMode(m) }, t(label));
    this.modes = { box: mode('box', 'mapBox'), lasso: mode('lasso', 'mapLasso'), pan: mode('pan', 'mapPan') };
    const reset = el('button', { class: 'map-mode', 'data-testid': 'map-reset', onclick: () => { this.vp = undefined; this.draw(); } }, t('mapReset'));
    this.element = el('div', { class: 'pane map-view', 'data-testid': 'map-view' },
      el('div', { class: 'map-bar' }, this.modes.box, this.modes.lasso, this.modes.pan, reset, el('span', { class: 'muted' }, t('mapHint'))),
      el('div', { class: 'map-stage' }, this.canvas, this.tip, this.pending), this.info, this.legend);
    this.canvas.addEventListener('mousedown', (e) => this.down(e));
    this.canvas.addEventListener('mousemove', (e) => this.move(e));
    this.canvas.addEventListener('mouseup', (e) => this.up(e));
    this.canvas.addEventListener('mouseleave', () => { this.drag = undefined; this.setHover(-1); this.draw(); });
    this.canvas.addEventListener('wheel', (e) => this.wheel(e as WheelEvent), { passive: false });
    // A resized panel redraws at its new size (the view keeps its zoom).
    if (typeof ResizeObserver !== 'undefined') new ResizeObserver(() => { if (this.points && this.ctx.state.tab === 'map') this.draw(); }).observe(this.element);
  }

  /** Asks the host for the map (once per analysis; again after edits, for the current labels). */
  onShow(): void {
    if (this.asked) { this.draw(); return; }
    this.asked = true;
    this.ctx.ipc.request(RequestMap, {}, (r) => this.received(r));
  }

  private received(r: unknown): void {
    const m = checkMapResult(r);
    if (typeof m === 'string') { this.points = undefined; this.info.textContent = m; this.showPending(); this.draw(); return; }
    if (!m.map) {
      this.points = undefined; this.index = undefined;
      // Computing: the host said so; the progress comes in MapStatus (or a failure, said in its words).
      const failed = m.reason === 'mapComputing' && this.ctx.state.mapStatus?.state === 'failed' ? this.ctx.state.mapStatus.message : undefined;
      this.computing = m.reason === 'mapComputing' && !failed;
      this.info.textContent = failed ?? (this.computing ? '' : `${this.ctx.t(m.reason)}${m.problem ? ` (${m.problem})` : ''}`);
      this.showPending();
      this.draw();
      return;
    }
    this.computing = false;
    this.showPending();
    const first = !this.points;
    this.points = decodeMap(m.map);
    this.index = new PointIndex(this.points);
    if (first) this.vp = undefined;
    this.info.textContent = `${this.points.count.toLocaleString('en-US')} ${this.ctx.t('rows')} · ${this.points.method}`;
    this.fillLegend();
    this.draw();
  }

  /** The host said the map is being computed (and no map is drawn yet). */
  private computing = false;

  /** Shows or hides "Computing the map…" and its progress bar. */
  private showPending(): void {
    const st = this.ctx.state.mapStatus;
    const on = this.computing && !this.points;
    this.pending.classList.toggle('hidden', !on);
    if (!on) return;
    const fraction = st?.state === 'computing' ? st.fraction : 0;
    this.pendingText.textContent = `${this.ctx.t('mapComputing')} ${Math.round(100 * fraction)}%${st?.state === 'computing' && st.message ? ` · ${st.message}` : ''}`;
    this.pendingBar.style.width = `${(100 * fraction).toFixed(1)}%`;
    this.pending.setAttribute('aria-valuenow', String(Math.round(100 * fraction)));
  }

  update(changed: ReadonlySet<Topic>): void {
    const shown = this.ctx.state.tab === 'map';
    if (changed.has('mapStatus')) {
      const st = this.ctx.state.mapStatus;
      if (st?.state === 'ready') { this.asked = false; if (shown) this.onShow(); }
      else if (st?.state === 'computing') { if (!this.points) this.computing = true; this.showPending(); }
      else if (st?.state === 'failed' && !this.points) { this.computing = false; this.showPending(); this.info.textContent = st.message; }
    }
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
      // The text colour: it contrasts with the background and is none of the classes' hues.
      outline: parseColour(v('--vscode-editor-foreground')) ?? parseColour(v('--vscode-foreground')) ?? [204, 204, 204],
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
    clearTimeout(this.hoverTimer);
    if (row < 0) { this.tip.classList.add('hidden'); return; }
    this.tip.style.left = `${Math.round(x + 12)}px`;
    this.tip.style.top = `${Math.round(y + 12)}px`;
    // Asked once the pointer rests on the point: sweeping across thousands of points asks nothing.
    this.hoverTimer = setTimeout(() => this.askHover(row), HOVER_MS);
  }

  private askHover(row: number): void {
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
