/**
 * `npm run bench -- formats`: Parquet and image folders at scale.
 * - Parquet of 100k and 1M rows (ag_news rows repeated, ids unique; SNAPPY), in row groups of 100k
 *   rows (hyparquet-writer's default) and in one row group of 1M (pyarrow's default size), opened as
 *   the editor opens them: time to the first rows on screen (footer, role sample, first page, from
 *   the table), then to every id and label read (the background stage), then the review's first page;
 *   rows/s of a full scan of the text column; time and peak memory to save one relabel (new file
 *   streamed to disk, verified; in a process of its own); when `label-lens inspect` prints its
 *   first lines.
 * - Image folder: MNIST digits as PNG, JPEG and (with sharp) lossless WebP files, decoded in the
 *   engine's decoder (images/s).
 * Files are generated once under bench/out/; each is measured in a fresh process (the generator's
 * million strings in memory would slow every garbage collection of the measurement).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDataset } from '../src/core/table/dataset';
import { DocumentState, openInStages } from '../src/core/labels/documentState';
import { ReviewQueries } from '../src/core/reviewQueries';
import { decodeImages, loadSharp } from '../src/engine/images';
import { agNewsColumns, writeAgNewsParquet, type AgNewsColumns } from '../test/fixtures/parquetFixtures';
import { fileOf, jpegOf, mnistDigits, writeDigitFolder } from '../test/fixtures/imageFixtures';
import { OUT } from './noisy';

const ms = (t0: number) => performance.now() - t0;

function parquet(rows: number, rowGroupSize: number, columns: AgNewsColumns): string {
  const path = join(OUT, `ag-${rows}-rg${rowGroupSize}.parquet`);
  const head = (a: unknown[]) => a.slice(0, rows);
  const c = { id: head(columns.id), text: head(columns.text), label: head(columns.label), score: head(columns.score), meta: head(columns.meta), emb: head(columns.emb) } as AgNewsColumns;
  if (!existsSync(path)) writeAgNewsParquet(path, { rows, codec: 'SNAPPY', rowGroupSize, extra: false, columns: c });
  return path;
}

/** CPU milliseconds of this process since `c0` (wall time alone means little on a shared, loaded machine). */
const cpuMs = (c0: NodeJS.CpuUsage) => { const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; };

async function benchParquet(path: string, label: string): Promise<void> {
  // As the editor opens it: the table and roles, the first screen from them, then every id and label
  // in the background (chunked), then the review's first page of the whole dataset.
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  const stages = openInStages(path);
  const head = ReviewQueries.openingPage(stages.opened, { offset: 0, limit: 50, sort: 'row', descending: false, filter: {}, snapshot: 0 })!;
  const firstRows = ms(t0);
  const firstCpu = cpuMs(c0);
  const state = await stages.complete();
  const open = ms(t0);
  const openCpu = cpuMs(c0);
  t0 = performance.now();
  const model = new ReviewQueries(state);
  const page = model.page({ offset: 0, limit: 50, sort: 'row', descending: false, filter: {}, snapshot: 0 });
  const first = ms(t0);
  if (page.rows.some((r, i) => r.id !== head.rows[i].id || r.given !== head.rows[i].given)) throw new Error('the first screen differs from the loaded page');
  const ds = state.dataset;
  t0 = performance.now();
  let chars = 0;
  for (let i = 0; i < ds.rowCount; i++) chars += ds.table.cell(i, ds.roles.text!).length;
  const scan = ms(t0);
  console.log(`${label.padEnd(34)} first ${head.rows.length} rows ${firstRows.toFixed(0).padStart(5)} ms (CPU ${firstCpu.toFixed(0)}) · all ids and labels ${open.toFixed(0).padStart(6)} ms (CPU ${openCpu.toFixed(0)}) · review page +${first.toFixed(0).padStart(4)} ms · text scan ${Math.round(ds.rowCount / (scan / 1000)).toLocaleString('en').padStart(10)} rows/s (${(chars / 1e6).toFixed(0)}M chars)`);
}

/** MiB of the process's peak resident memory so far. */
const peakMiB = () => process.resourceUsage().maxRSS / 1024;

/**
 * Saving one relabel as the editor does, in a process of its own so its peak memory is the save's:
 * the new file streamed and verified from disk, renamed, journaled, and the review's new baseline.
 */
function benchSave(path: string, label: string): void {
  const state = new DocumentState(path);
  const opened = peakMiB();
  const ds = state.dataset;
  const row = ds.rowCount - 1;
  const to = ds.labelName(row) === 'World' ? 'Sports' : 'World';
  const t0 = performance.now();
  state.apply(state.change('bench', [row], (_, s) => ({ ...s, label: to })));
  state.save('bench', 'cli');
  const save = ms(t0);
  const saved = peakMiB();
  if (state.dataset.labelName(row) !== to) throw new Error('the relabel is not in the new baseline');
  console.log(`${label.padEnd(34)} save 1 relabel (write, verify, journal, new baseline): ${(save / 1000).toFixed(1)} s, peak memory ${opened.toFixed(0)} MiB after opening → ${saved.toFixed(0)} MiB after the save`);
}

async function benchImages(): Promise<void> {
  const digits = mnistDigits(2000);
  const png = join(OUT, 'mnist-png');
  if (!existsSync(png)) writeDigitFolder(png, digits);
  const jpg = join(OUT, 'mnist-jpg');
  if (!existsSync(jpg)) {
    for (const d of digits) {
      mkdirSync(join(jpg, d.label), { recursive: true });
      writeFileSync(join(jpg, d.label, fileOf(d).replace(/\.png$/, '.jpg')), jpegOf(d));
    }
  }
  const sharp = loadSharp();
  const webp = join(OUT, 'mnist-webp');
  if (sharp && !existsSync(webp)) {
    for (const d of digits) {
      mkdirSync(join(webp, d.label), { recursive: true });
      writeFileSync(join(webp, d.label, fileOf(d).replace(/\.png$/, '.webp')), await sharp(Buffer.from(d.pixels), { raw: { width: 28, height: 28, channels: 1 } }).webp({ lossless: true }).toBuffer());
    }
  }
  for (const [name, dir] of [['PNG 28×28', png], ['JPEG 28×28', jpg], ...(sharp ? [['WebP 28×28', webp] as const] : [])] as const) {
    let t0 = performance.now();
    const ds = openDataset(dir);
    const open = ms(t0);
    t0 = performance.now();
    const img = await decodeImages(ds, () => undefined, () => undefined);
    const dec = ms(t0);
    console.log(`image folder, ${name.padEnd(12)} ${ds.rowCount} files · open (list + check) ${open.toFixed(0)} ms · decode ${Math.round(ds.rowCount / (dec / 1000)).toLocaleString('en')} images/s (${img.decoder}; ${img.failed.length} failed)`);
  }
  console.log(`sharp (WebP) ${loadSharp() ? 'installed' : 'not installed'}`);
}

/** `label-lens inspect FILE` as a user runs it: when its first lines (file, roles, first rows) appear, and when it ends. */
async function benchInspect(path: string, label: string): Promise<void> {
  const { spawn } = await import('node:child_process');
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(__dirname, '..', 'bin', 'label-lens.js'), 'inspect', path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let first: number | undefined;
  let out = '';
  child.stdout.on('data', (b: Buffer) => { first ??= ms(t0); out += b.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0 || !out.includes('First rows')) throw new Error(`inspect ${path} failed (${code})`);
  console.log(`${label.padEnd(34)} CLI inspect: first rows printed after ${first!.toFixed(0)} ms (process start included), whole report ${(ms(t0) / 1000).toFixed(1)} s`);
}

function measure(...args: string[]): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

async function main(): Promise<void> {
  const [mode, path, label] = process.argv.slice(2);
  if (mode === '--parquet') {
    // A copy, so the save does not change the generated file.
    const copy = path.replace(/\.parquet$/, '.bench.parquet');
    copyFileSync(path, copy);
    await benchParquet(copy, label);
    return;
  }
  if (mode === '--save') {
    const copy = path.replace(/\.parquet$/, '.bench.parquet');
    copyFileSync(path, copy);
    benchSave(copy, label);
    return;
  }
  if (mode === '--images') { await benchImages(); return; }
  mkdirSync(OUT, { recursive: true });
  console.log('Formats (2 shared cores: times are inflated when other work runs)');
  const files: [string, string][] = [];
  const spec: [number, number, string][] = [[100_000, 100_000, 'Parquet 100k rows, 1 row group'], [1_000_000, 100_000, 'Parquet 1M rows, 10 row groups'], [1_000_000, 1_000_000, 'Parquet 1M rows, 1 row group']];
  if (spec.some(([rows, rg]) => !existsSync(join(OUT, `ag-${rows}-rg${rg}.parquet`)))) {
    const columns = agNewsColumns(1_000_000);
    for (const [rows, rg, label] of spec) files.push([parquet(rows, rg, columns), label]);
  } else for (const [rows, rg, label] of spec) files.push([join(OUT, `ag-${rows}-rg${rg}.parquet`), label]);
  for (const [file, label] of files) measure('--parquet', file, label);
  for (const [file, label] of files) measure('--save', file, label);
  for (const [file, label] of files) await benchInspect(file, label);
  measure('--images');
}

void main();
