/**
 * End to end, as a user: the embedding map in a real VS Code (code-server + chromium). A Chinese news
 * subsample (15 classes) is analyzed, the Map tab shows its rows coloured by label, a box drawn on
 * the canvas filters the table, hovering shows a row, wheel zoom redraws in a few milliseconds.
 * Takes the README's map screenshot (test/e2e/artifacts/<theme>/20-map.png → docs/screenshots/).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, paletteOn, startVsCode, webviewOf } from './harness';
import { dataset } from '../helpers';

const THEME = process.env.E2E_THEME ?? 'Default Dark Modern';
const ARTIFACTS = join(ROOT, 'test/e2e/artifacts', THEME.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
const PORT = 19000 + (process.pid % 1000);

let server: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let work: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'label-lens-e2e-map-'));
  const ws = join(work, 'workspace');
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  // Every 5th row of toutiao_news_20k (4,000 rows, 15 classes), in the test's workspace only.
  const lines = readFileSync(dataset('toutiao_news_20k'), 'utf8').split('\n');
  writeFileSync(join(ws, 'news.csv'), [lines[0], ...lines.slice(1).filter((l, i) => l && i % 5 === 0)].join('\n') + '\n');
  writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'labelLens.repeats': 1 }));
  ({ server, browser, page } = await startVsCode(work, ws, PORT, { 'workbench.colorTheme': THEME }));
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the map: analyze, open the Map tab, hover a point, zoom, box-select and see the table filtered', { timeout: 300_000 }, async () => {
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill('news.csv');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'news.csv' }).first().click();
  await paletteOn(page, 'Label Lens: Open for Review');
  const wv = webviewOf(page);
  await wv.locator('[data-testid="row-0"]').waitFor({ timeout: 60_000 });
  const total = Number((await wv.locator('[data-testid="status"]').textContent())!.match(/^(\d+) rows/)![1]);
  await paletteOn(page, 'Label Lens: Analyze');
  await wv.locator('[data-testid="notice"]', { hasText: 'flagged' }).waitFor({ timeout: 240_000 });

  await wv.locator('[data-testid="tab-map"]').click();
  const info = wv.locator('[data-testid="map-info"]');
  await info.filter({ hasText: `${total.toLocaleString('en-US')} rows · UMAP` }).waitFor({ timeout: 30_000 });
  // The map is made after the results (the table filled first); once it is drawn, "Computing the map…" is gone.
  assert.equal(await wv.locator('[data-testid="map-pending"]').getAttribute('class').then((c) => /\bhidden\b/.test(c ?? '')), true, 'no pending notice over a drawn map');
  assert.match((await info.textContent())!, /fastText embedding bag \+ logits, out of fold/);
  assert.equal(await wv.locator('.map-class[data-testid^="map-class-"]').count(), 15);
  const canvas = wv.locator('[data-testid="map-canvas"]');
  const box = (await canvas.boundingBox())!;
  assert.ok(box.width > 600 && box.height > 400, `canvas ${box.width}×${box.height}`);

  // Hover: sweep across the middle until a point is under the cursor; its row shows as text.
  const tip = wv.locator('[data-testid="map-tip"]');
  let found = false;
  for (let i = 0; i < 60 && !found; i++) {
    await page.mouse.move(box.x + box.width * (0.3 + (i % 10) * 0.04), box.y + box.height * (0.3 + Math.floor(i / 10) * 0.07));
    found = await tip.locator('[data-testid="map-tip-text"]').isVisible().catch(() => false);
    if (!found) await page.waitForTimeout(100);
  }
  assert.ok(found, 'a point shows its row on hover');
  assert.ok(((await tip.textContent()) ?? '').length > 5);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, '20-map.png') });

  // Zoom in and out at the cursor: each frame is one pass over the points (data-frame-ms).
  const frames: number[] = [];
  for (const dy of [-300, -300, 300, 300]) {
    await page.mouse.wheel(0, dy);
    await page.waitForTimeout(50);
    frames.push(Number(await canvas.getAttribute('data-frame-ms')));
  }
  assert.ok(frames.every((ms) => ms >= 0 && ms < 100), `frame times ${frames.join(', ')} ms`);

  // Box: drag across a part of the map; the table then shows only the rows inside.
  await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.35);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.65, box.y + box.height * 0.65, { steps: 5 });
  await page.mouse.up();
  await wv.locator('[data-testid="map-selection"]:not(.hidden)').waitFor({ timeout: 10_000 });
  await wv.locator('[data-testid="row-0"]').waitFor();
  const selected = Number((await wv.locator('[data-testid="status"]').textContent())!.match(/^(\d+) rows/)![1]);
  assert.ok(selected > 0 && selected < total, `${selected} of ${total} rows selected`);
  await page.screenshot({ path: join(ARTIFACTS, '21-map-selection.png') });
  await wv.locator('[data-testid="map-selection"]').click();
  await wv.locator('[data-testid="status"]', { hasText: new RegExp(`^${total} rows`) }).waitFor();
});
