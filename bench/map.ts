/**
 * `npm run bench -- map`: the embedding map's costs.
 * 1. draw: the webview's rasterizer (webview/map.ts, the same code) at 100k and 1M points, median
 *    frame time over zoom levels;
 * 2. project: engine/projection.ts on clustered synthetic representations (12-d and 64-d) at 10k and
 *    100k rows (UMAP of a 2,000-row sample + placement) and 1M rows (PCA), time and peak RSS.
 * `npm run bench -- map draw|project` runs one part.
 */
import { rasterize, fitViewport, palette } from '../webview/mapDraw';
import { projectMap } from '../src/engine/projection';
import { Random } from '../src/core/random';
import { MAP_FLAGGED } from '../src/protocol/webview';

const only = process.argv.slice(2);
const want = (p: string) => only.length === 0 || only.includes(p);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

if (want('draw')) {
  for (const n of [100_000, 1_000_000]) {
    const r = new Random(1);
    const xy = Uint16Array.from({ length: 2 * n }, () => r.int(65536));
    const p = { count: n, classes: Array.from({ length: 15 }, (_, k) => `c${k}`), xy, label: Uint16Array.from({ length: n }, (_, i) => i % 15), flags: Uint8Array.from({ length: n }, (_, i) => (i % 20 === 0 ? MAP_FLAGGED : 0)), method: '' };
    const W = 1200, H = 800;
    const out = new Uint8ClampedArray(W * H * 4);
    const colours = palette(15, []);
    const times: number[] = [];
    for (let f = 0; f < 30; f++) {
      const t0 = performance.now();
      rasterize(p, { ...fitViewport(W, H), scale: 1 + (f % 10) * 0.5 }, W, H, colours, [255, 0, 0], [128, 128, 128], out);
      times.push(performance.now() - t0);
    }
    console.log(`draw ${n.toLocaleString('en-US')} points, ${W}×${H}: median ${median(times.slice(5)).toFixed(1)} ms per frame`);
  }
}

async function project(): Promise<void> {
  for (const [n, dim] of [[10_000, 12], [100_000, 12], [100_000, 64], [1_000_000, 12]] as const) {
    const r = new Random(2);
    const x = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) { const c = i % 10; for (let d = 0; d < dim; d++) x[i * dim + d] = r.normal() + (d === c % dim ? 4 : 0); }
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const m = (await projectMap({ x, dim, source: 'learned', description: 'synthetic' }, 'auto', 1))!;
    const secs = (performance.now() - t0) / 1000;
    console.log(`project ${n.toLocaleString('en-US')} × ${dim}: ${m.method} (sample ${m.sample.toLocaleString('en-US')}) ${secs.toFixed(1)} s, RSS +${((process.memoryUsage().rss - rss0) / 2 ** 20).toFixed(0)} MB`);
  }
}

if (want('project')) void project();
