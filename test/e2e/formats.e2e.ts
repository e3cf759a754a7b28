/**
 * End to end, as a user, for the other formats: the packaged .vsix in a real VS Code (code-server)
 * opens a Parquet file (ag_news rows) and an image folder (MNIST digits as PNG files), shows their
 * rows, and a relabel saved from the keyboard lands in the file: a new Parquet file with the label
 * changed and every other column as it was, or the image moved to the new class's folder.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { ROOT, paletteOn, startVsCode, typeInFileDialog, webviewOf } from './harness';
import { parquetReadObjects } from 'hyparquet';
import { writeAgNewsParquet } from '../fixtures/parquetFixtures';
import { mnistDigits, writeDigitFolder } from '../fixtures/imageFixtures';

const ARTIFACTS = join(ROOT, 'test/e2e/artifacts', 'formats');
const PORT = 19000 + (process.pid % 1000);
const CLASSES = ['Business', 'Sci/Tech', 'Sports', 'World'];

let server: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let work: string;
let ws: string;

async function shot(name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

const palette = (title: string): Promise<void> => paletteOn(page, title);

const webview = (): FrameLocator => webviewOf(page);

async function readParquet(path: string): Promise<Record<string, unknown>[]> {
  const b = readFileSync(path);
  return parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'label-lens-e2e-formats-'));
  ws = join(work, 'workspace');
  mkdirSync(ws, { recursive: true });
  writeAgNewsParquet(join(ws, 'ag.parquet'), { rows: 1000, codec: 'SNAPPY', rowGroupSize: 250 });
  // Above the editor's two-stage threshold (100,000 rows).
  writeAgNewsParquet(join(ws, 'large.parquet'), { rows: 150_000, codec: 'SNAPPY', rowGroupSize: 50_000, extra: false });
  writeDigitFolder(join(ws, 'digits'), mnistDigits(200));
  ({ server, browser, page } = await startVsCode(work, ws, PORT, { 'files.simpleDialog.enable': true }));
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a Parquet file opens for review; a relabel saved from the keyboard is in the file, every other column unchanged', { timeout: 300_000 }, async () => {
  const file = join(ws, 'ag.parquet');
  const before = await readParquet(file);
  // No editor open: the command asks for the file (code-server's own file dialog).
  await palette('Label Lens: Open for Review');
  await typeInFileDialog(page, file);
  await page.locator('.quick-input-widget .monaco-button', { hasText: /Open for Review|OK/ }).first().click();
  const wv = webview();
  await wv.locator('[data-testid="row-0"]').waitFor({ timeout: 150_000 }).catch(async (err: unknown) => { await shot('00-parquet-not-opened'); throw err; });
  await wv.locator('[data-testid="row-0"]').click();
  const id = (await wv.locator('[data-testid="detail-id"]').textContent())!;
  const row = before.findIndex((r) => String(r.id) === id);
  assert.ok(row >= 0, `row ${id} is a row of the file`);
  await wv.locator('[data-testid="detail-text"]', { hasText: String(before[row].text).slice(0, 40) }).waitFor();
  await shot('01-parquet');
  const given = String(before[row].label);
  const key = given === CLASSES[0] ? '2' : '1';
  const to = CLASSES[Number(key) - 1];
  await wv.locator('[data-testid="review-table"]').press(key);
  await page.locator('.tab.active.dirty').waitFor();
  await page.keyboard.press('Control+S');
  await page.locator('.tab.active:not(.dirty)').waitFor({ timeout: 30_000 });
  const after = await readParquet(file);
  assert.equal(after.length, before.length);
  for (let i = 0; i < before.length; i++) {
    assert.equal(after[i].label, i === row ? to : before[i].label);
    for (const c of ['id', 'text', 'score', 'meta', 'emb']) assert.deepEqual(after[i][c], before[i][c]);
  }
});

test('a 150k-row Parquet file shows its first rows while its ids and labels load, then edits like any other', { timeout: 300_000 }, async () => {
  const file = join(ws, 'large.parquet');
  await palette('View: Close All Editors');
  await page.locator('iframe.webview.ready').waitFor({ state: 'detached', timeout: 30_000 });
  await palette('Label Lens: Open for Review');
  await typeInFileDialog(page, file);
  await page.locator('.quick-input-widget .monaco-button', { hasText: /Open for Review|OK/ }).first().click();
  const wv = webview();
  await wv.locator('[data-testid="row-0"]').waitFor({ timeout: 150_000 }).catch(async (err: unknown) => { await shot('03-large-not-opened'); throw err; });
  const head = await readParquet(file);
  // The first row as the file has it, shown from the table (first stage) or the dataset (second).
  await wv.locator('[data-testid="row-0"]', { hasText: String(head[0].text).slice(0, 30) }).waitFor();
  // The second stage ends: the class filter lists the classes (the first stage knows none).
  await wv.locator('[data-testid="filter-class"] vscode-option', { hasText: 'Sci/Tech' }).waitFor({ state: 'attached', timeout: 120_000 });
  assert.doesNotMatch((await wv.locator('[data-testid="progress"]').textContent()) ?? '', /Opening/);
  await shot('03-large-loaded');
  await wv.locator('[data-testid="row-0"]').click();
  const given = String(head[0].label);
  const key = given === CLASSES[0] ? '2' : '1';
  const to = CLASSES[Number(key) - 1];
  await wv.locator('[data-testid="review-table"]').press(key);
  await page.locator('.tab.active.dirty').waitFor();
  await page.keyboard.press('Control+S');
  await page.locator('.tab.active:not(.dirty)').waitFor({ timeout: 60_000 });
  const after = await readParquet(file);
  assert.equal(after.length, head.length);
  assert.equal(after[0].label, to);
  for (const i of [1, 77_777, 149_999]) assert.deepEqual(after[i], head[i], `row ${i} unchanged`);
});

test('an image folder opens from "Open Image Folder…", shows the digit, and a relabel moves the file', { timeout: 300_000 }, async () => {
  const root = join(ws, 'digits');
  // One review at a time, so the webview below is this one.
  await palette('View: Close All Editors');
  await page.locator('iframe.webview.ready').waitFor({ state: 'detached', timeout: 30_000 });
  await palette('Label Lens: Open Image Folder');
  // code-server's own file dialog: type the folder's path and confirm.
  await typeInFileDialog(page, `${root}/`);
  await page.locator('.quick-input-widget .monaco-button', { hasText: /Open Image Folder|OK/ }).first().click();
  const wv = webview();
  await wv.locator('[data-testid="row-0"]').waitFor({ timeout: 150_000 });
  await wv.locator('[data-testid="row-0"]').click();
  await wv.locator('[data-testid="detail-image"]').waitFor();
  const id = (await wv.locator('[data-testid="detail-id"]').textContent())!;
  assert.match(id, /^\d\/img_\d{5}\.png$/);
  await shot('02-image-folder');
  const from = id.split('/')[0];
  const key = from === '0' ? '2' : '1';
  const cls = String(Number(key) - 1);
  await wv.locator('[data-testid="review-table"]').press(key);
  await page.locator('.tab.active.dirty').waitFor();
  await page.keyboard.press('Control+S');
  await page.locator('.tab.active:not(.dirty)').waitFor({ timeout: 30_000 });
  const name = id.split('/')[1];
  assert.ok(existsSync(join(root, cls, name)), `${name} moved to ${cls}/`);
  assert.ok(!existsSync(join(root, id)), `${id} is gone`);
});
