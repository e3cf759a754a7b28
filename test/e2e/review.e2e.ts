/**
 * End to end, as a user: the packaged .vsix installed in a real VS Code (code-server) driven by
 * Debian's chromium. Run `bash test/e2e/install-tools.sh` once, then `npm run test:e2e`.
 * Screenshots go to test/e2e/artifacts/<theme>/ (E2E_THEME picks the colour theme, e.g.
 * "Default Light Modern" or "Default High Contrast").
 */
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { ROOT, choose, paletteOn, startVsCode, typeInFileDialog, webviewOf } from './harness';
import { dataset } from '../helpers';

const THEME = process.env.E2E_THEME ?? 'Default Dark Modern';
const ARTIFACTS = join(ROOT, 'test/e2e/artifacts', THEME.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
const PORT = 18000 + (process.pid % 1000);
const HOSTILE = '<img src=x onerror="document.title=\'pwned\'">';

let server: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let work: string;
let dataFile: string;

async function shot(name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** The README's pictures: docs/screenshots/<theme>-<name>.png (dark, light, high-contrast), with no notification over them. */
const README_THEME = THEME.includes('High Contrast') ? 'high-contrast' : THEME.includes('Light') ? 'light' : 'dark';
async function readmeShot(name: string): Promise<void> {
  await palette('Notifications: Clear All Notifications');
  await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
  // The palette fades out: wait until it is gone from the picture.
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
  await page.waitForTimeout(600);
  const dir = join(ROOT, 'docs/screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${README_THEME}-${name}.png`) });
  await shot(`readme-${name}`);
}

const palette = (title: string): Promise<void> => paletteOn(page, title);

const webview = (): FrameLocator => webviewOf(page);

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'label-lens-e2e-'));
  const ws = join(work, 'workspace');
  mkdirSync(ws, { recursive: true });
  dataFile = join(ws, 'sms.csv');
  copyFileSync(join(ROOT, 'samples/sms_spam_noisy.csv'), dataFile);
  appendFileSync(dataFile, `9999,"${HOSTILE.replace(/"/g, '""')}",ham\r\n`);
  // Subsamples of the shared datasets for the 119-class view and the image grid (every k-th row,
  // so every class keeps rows); written to the test's workspace only.
  const every = (src: string, k: number) => { const lines = readFileSync(src, 'utf8').split('\n'); return [lines[0], ...lines.slice(1).filter((l, i) => l && i % k === 0)].join('\n') + '\n'; };
  // iflytek: every 3rd row, and the first row of each class the stride misses, so all 119 classes stay.
  const everyKeepingClasses = (src: string, k: number) => {
    const lines = readFileSync(src, 'utf8').split('\n');
    const seen = new Set<string>();
    const label = (l: string) => l.replace(/\r$/, '').match(/,([^,]*)$/)?.[1] ?? '';
    const kept = lines.slice(1).filter((l, i) => l && (i % k === 0 || !seen.has(label(l))) && (seen.add(label(l)), true));
    return [lines[0], ...kept].join('\n') + '\n';
  };
  writeFileSync(join(ws, 'iflytek.csv'), everyKeepingClasses(dataset('clue_iflytek_fewclue'), 3));
  writeFileSync(join(ws, 'mnist.csv'), every(dataset('mnist_test_labelerrors'), 8));
  writeFileSync(join(ws, 'toutiao.csv'), every(dataset('toutiao_news_20k'), 20));
  // The script a user keeps open beside the review (the 480 px test).
  writeFileSync(join(ws, 'train.py'), 'import pandas as pd\n\ndf = pd.read_csv("iflytek.csv")\nprint(df.label.value_counts().head(20))\n');
  ({ server, browser, page } = await startVsCode(work, ws, PORT, {
    'workbench.colorTheme': THEME,
    // The dirty state is part of what is tested: saves happen when a test saves.
    'files.autoSave': 'off',
  }));
});

// What the page looked like when a test failed.
afterEach(async (t) => {
  const failed = (t as unknown as { passed?: boolean }).passed === false;
  if (failed && page) await shot(`failed-${t.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('open a dataset for review, analyze, fix the top suspect, undo, redo, save', { timeout: 240_000 }, async () => {
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill('sms.csv');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'sms.csv' }).first().click();
  await palette('Label Lens: Open for Review');
  const wv = webview();
  await wv.locator('[data-testid="row-0"]').waitFor({ timeout: 60_000 });
  await shot('01-opened');

  await palette('Label Lens: Analyze');
  await wv.locator('[data-testid="notice"]', { hasText: 'flagged' }).waitFor({ timeout: 120_000 });
  await wv.locator('[data-testid="row-0"] .score-bar').waitFor();
  await shot('02-analyzed');
  const topId = await wv.locator('[data-testid="row-0"] .c-id').textContent();
  const given = await wv.locator('[data-testid="label-0"]').textContent();
  await wv.locator('[data-testid="row-0"]').click();
  await wv.locator('[data-testid="detail-id"]', { hasText: new RegExp(`^${topId}$`) }).waitFor();
  const suggested = (await wv.locator('[data-testid="detail-suggested"]').textContent())!;
  assert.notEqual(suggested, given);
  assert.ok(await wv.locator('[data-testid="detail-reason"]').textContent());
  await shot('03-detail');

  await wv.locator('[data-testid="review-table"]').press('Enter');
  await page.locator('.tab.active.dirty').waitFor();
  const before = readFileSync(dataFile, 'utf8');
  await wv.locator('[data-testid="review-table"]').press('u');
  await page.locator('.tab.active:not(.dirty)').waitFor();
  await wv.locator('[data-testid="review-table"]').press('Shift+U');
  await page.locator('.tab.active.dirty').waitFor();
  await page.keyboard.press('Control+S');
  await page.locator('.tab.active:not(.dirty)').waitFor();
  const after = readFileSync(dataFile, 'utf8');
  const lineOf = (text: string) => text.split('\r\n').findIndex((l) => l.startsWith(`${topId},`));
  const b = before.split('\r\n');
  const a = after.split('\r\n');
  assert.equal(a.length, b.length);
  const changed = a.map((l, i) => (l !== b[i] ? i : -1)).filter((i) => i >= 0);
  assert.deepEqual(changed, [lineOf(before)]);
  assert.equal(a[changed[0]], b[changed[0]].replace(new RegExp(`,${given}$`), `,${suggested}`));
});

test('a hostile cell is shown as text and runs nothing', { timeout: 60_000 }, async () => {
  const wv = webview();
  await wv.locator('[data-testid="search"] input').fill('onerror');
  await wv.locator('[data-testid="row-0"] .c-text', { hasText: 'onerror' }).waitFor();
  assert.equal(await wv.locator('[data-testid="row-0"] .c-text').textContent(), HOSTILE);
  assert.equal(await wv.locator('img').count(), 0);
  assert.notEqual(await page.title(), 'pwned');
  await wv.locator('[data-testid="search"] input').fill('');
});

test('Enter through "Flagged, most suspicious first" fixes each suspect in turn; j then 1 acts on the new row', { timeout: 120_000 }, async () => {
  const wv = webview();
  const table = wv.locator('[data-testid="review-table"]');
  await choose(wv, 'filter-show', 'Flagged');
  await wv.locator('[data-testid="row-0"]').click();
  const ids: string[] = [], sugg: string[] = [], labels: string[] = [];
  for (let i = 0; i < 8; i++) {
    ids.push((await wv.locator(`[data-testid="row-${i}"] .c-id`).textContent())!);
    labels.push((await wv.locator(`[data-testid="label-${i}"]`).textContent())!);
    sugg.push((await wv.locator(`[data-testid="row-${i}"] .c-sugg`).getAttribute('title'))!);
  }
  await wv.locator('[data-testid="detail-id"]', { hasText: new RegExp(`^${ids[0]}$`) }).waitFor();
  // As fast as the keyboard goes: no waiting between the keys.
  for (let i = 0; i < 5; i++) await page.keyboard.press('Enter');
  await wv.locator('[data-testid="row-5"].cursor').waitFor();
  await wv.locator('[data-testid="detail-id"]', { hasText: new RegExp(`^${ids[5]}$`) }).waitFor();
  for (let i = 0; i < 5; i++) await wv.locator(`[data-testid="label-${i}"]`, { hasText: new RegExp(`^${sugg[i]}$`) }).waitFor();
  await shot('08-enter-through');
  // The race: 1 pressed before row 6's detail can have arrived.
  await page.keyboard.press('j');
  await page.keyboard.press('1');
  await wv.locator('[data-testid="row-7"].cursor').waitFor();
  await wv.locator('[data-testid="was-6"]').waitFor();
  const relabeled = (await wv.locator('[data-testid="label-6"]').textContent())!;
  assert.equal(await wv.locator('[data-testid="label-5"]').textContent(), labels[5], 'row 5, left with j, is untouched');
  assert.equal(await wv.locator('[data-testid="was-5"]').count(), 0);
  await table.press('k');
  await wv.locator('[data-testid="detail-id"]', { hasText: new RegExp(`^${ids[6]}$`) }).waitFor();
  assert.equal(await wv.locator('.bars .bar-row .bar-label').first().textContent(), relabeled, "row 6 got its own top class");
  await page.keyboard.press('Control+S');
  await page.locator('.tab.active:not(.dirty)').waitFor();
  // The save did not move the cursor.
  await wv.locator('[data-testid="row-6"].cursor').waitFor();
  const lines = readFileSync(dataFile, 'utf8').split('\r\n');
  for (let i = 0; i < 5; i++) assert.ok(lines.some((l) => l.startsWith(`${ids[i]},`) && l.endsWith(`,${sugg[i]}`)), `${ids[i]} relabeled to ${sugg[i]}`);
  assert.ok(lines.some((l) => l.startsWith(`${ids[6]},`) && l.endsWith(`,${relabeled}`)));
  await choose(wv, 'filter-show', 'All rows');
});

test('classes view: histograms, clicking a bar filters the table', { timeout: 60_000 }, async () => {
  const wv = webview();
  await wv.locator('[data-testid="tab-classes"]').click();
  await wv.locator('[data-testid="hist-given-1"]').waitFor();
  await shot('04-classes');
  await wv.locator('[data-testid="hist-given-1"]').click();
  await wv.locator('[data-testid="row-0"]').waitFor();
  assert.equal(await wv.locator('[data-testid="label-0"]').textContent(), 'spam');
});

test('duplicates view: conflicting copies side by side; Enter sets the whole group to its suggestion, u undoes it', { timeout: 90_000 }, async () => {
  const wv = webview();
  await wv.locator('[data-testid="tab-duplicates"]').click();
  await wv.locator('[data-testid="groups-summary"]').waitFor({ timeout: 30_000 });
  const first = wv.locator('section.group').first();
  await first.waitFor();
  assert.match((await first.getAttribute('class'))!, /conflict/, 'conflicts are listed first');
  const reason = (await first.locator('.group-reason').textContent())!;
  assert.match(reason, /^\d+ (near-)?identical texts: ham ×\d+, spam ×\d+$/);
  await shot('05-duplicates');
  const suggested = (await first.locator('strong').textContent())!;
  const size = (await first.locator('.m-label').allTextContents()).length;
  const group = (await first.getAttribute('data-testid'))!.slice('group-'.length);
  await page.keyboard.press('Enter');
  // The group is no longer a conflict: every member now carries the suggested label (one step).
  await wv.locator(`[data-testid="group-reason-${group}"]`, { hasText: new RegExp(`${suggested} ×${size}$`) }).waitFor({ timeout: 10_000 });
  await page.keyboard.press('u');
  await wv.locator(`[data-testid="group-reason-${group}"]`, { hasText: reason }).waitFor({ timeout: 10_000 });
  await wv.locator('[data-testid="tab-review"]').click();
});

test('smooth a row, accept a row, bulk-apply suggestions above a threshold as one undo step', { timeout: 120_000 }, async () => {
  const wv = webview();
  await wv.locator('[data-testid="tab-review"]').click();
  await choose(wv, 'filter-class', 'All classes');
  await wv.locator('[data-testid="row-0"]').click();
  const table = wv.locator('[data-testid="review-table"]');
  await table.press('s');
  await table.press('a');
  // Each key acts once the detail of its row is shown: s on row 0, a on row 1.
  await wv.locator('[data-testid="row-1"] .codicon-check').waitFor();
  await page.locator('.tab.active.dirty').waitFor();
  await page.keyboard.press('Control+S');
  await page.locator('.tab.active:not(.dirty)').waitFor();
  const sidecar = JSON.parse(readFileSync(`${dataFile}.labels.json`, 'utf8')) as { rows: Record<string, { soft?: Record<string, number>; accepted?: boolean }> };
  const entries = Object.values(sidecar.rows);
  assert.ok(entries.some((r) => r.soft && Math.abs(Object.values(r.soft).reduce((a, b) => a + b, 0) - 1) < 1e-6), 'a smoothing target in the sidecar');
  assert.ok(entries.some((r) => r.accepted), 'an accepted row in the sidecar');

  const before = readFileSync(dataFile, 'utf8');
  await wv.locator('[data-testid="threshold"] input').fill('0.9');
  await wv.locator('[data-testid="btn-apply-above"]').click();
  // A preview first: how many rows, from → to; nothing changes before the click.
  const preview = (await wv.locator('[data-testid="preview-summary"]').textContent())!;
  const planned = Number(preview.match(/^(\d+)/)![1]);
  await shot('06-bulk-preview');
  assert.equal(readFileSync(dataFile, 'utf8'), before);
  await wv.locator('[data-testid="btn-apply-confirm"]').click();
  await wv.locator('[data-testid="notice"]', { hasText: 'one undo step' }).waitFor();
  const n = Number((await wv.locator('[data-testid="notice"]').textContent())!.match(/^(\d+)/)![1]);
  assert.equal(n, planned);
  assert.ok(n > 10, `${n} rows relabeled`);
  await choose(wv, 'filter-show', 'Edited');
  await wv.locator('[data-testid="status"]', { hasText: new RegExp(`^${n} `) }).waitFor();
  await shot('06-bulk');
  await table.press('u');
  await page.locator('.tab.active:not(.dirty)').waitFor();
  // The order is kept until a refresh; after it, no row is edited any more.
  await table.press('r');
  await wv.locator('[data-testid="status"]', { hasText: /^0 / }).waitFor();
  assert.equal(readFileSync(dataFile, 'utf8'), before);
  await choose(wv, 'filter-show', 'All rows');
});

test('the engine killed mid-analysis is reported, and the next Analyze works', { timeout: 180_000 }, async () => {
  const wv = webview();
  await palette('Label Lens: Analyze');
  await wv.locator('[data-testid="progress"]', { hasText: 'epoch' }).waitFor({ timeout: 60_000 });
  const pids = spawnSync('pgrep', ['-f', 'ext.*label-lens.*dist/engine.js'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  assert.ok(pids.length >= 1, 'the engine runs as its own process');
  for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
  await page.locator('.notifications-toasts', { hasText: 'engine stopped' }).waitFor({ timeout: 30_000 });
  await shot('07-engine-killed');
  await page.keyboard.press('Escape');
  await palette('Label Lens: Analyze');
  await wv.locator('[data-testid="notice"]', { hasText: 'flagged' }).waitFor({ timeout: 120_000 });
});

test('retrain from the palette; the Runs view shows before and after', { timeout: 180_000 }, async () => {
  await palette('Label Lens: Retrain');
  const wv = webview();
  await wv.locator('[data-testid="notice"]', { hasText: 'Retrained' }).waitFor({ timeout: 150_000 });
  await wv.locator('[data-testid="tab-runs"]').click();
  await wv.locator('[data-testid="after-accuracy"]').waitFor();
  // Measured on the rows reviewed earlier in this suite (Enter-through, bulk apply undone, accept).
  assert.match((await wv.locator('[data-testid="trusted"]').first().textContent())!, /reviewed \(\d+ rows\)/);
  await shot('05-runs');
});

test('Load Predictions: probabilities from a file rank the rows, and the Runs view names the file', { timeout: 180_000 }, async () => {
  // The probabilities a user brings: here exported by the CLI from its own analysis of the same file.
  const probs = join(work, 'workspace', 'probs.csv');
  const out = join(work, 'cli-results');
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], { encoding: 'utf8' });
  const a = cli('analyze', dataFile, '--folds', '3', '--epochs', '4', '--out', out, '-q');
  assert.equal(a.status, 0, a.stderr);
  const e = cli('export', dataFile, '--pred-probs', probs, '--results', out);
  assert.equal(e.status, 0, e.stderr);
  const wv = webview();
  // The notice shows on the review tab (the retrain above left the Runs tab open).
  await wv.locator('[data-testid="tab-review"]').click();
  await palette('Label Lens: Load Predictions…');
  // The open dialog (code-server's simple dialog): type the path, confirm.
  await typeInFileDialog(page, probs);
  await page.keyboard.press('Enter');
  await wv.locator('[data-testid="notice"]', { hasText: 'flagged' }).waitFor({ timeout: 120_000 });
  await wv.locator('[data-testid="tab-runs"]').click();
  await wv.locator('text=given probabilities (probs.csv)').first().waitFor({ timeout: 120_000 });
  await shot('06-load-predictions');
});

test('a file changed on disk: reloaded when there are no edits; with edits, Merge keeps them and takes the other change', { timeout: 120_000 }, async () => {
  const wv = webview();
  await wv.locator('[data-testid="tab-review"]').click();
  await choose(wv, 'filter-show', 'All rows');
  await choose(wv, 'sort', 'File order');
  await page.locator('.tab.active:not(.dirty)').waitFor();
  const idAt = async (i: number) => (await wv.locator(`[data-testid="row-${i}"] .c-id`).textContent())!;
  const labelAt = async (i: number) => (await wv.locator(`[data-testid="label-${i}"]`).textContent())!;
  const other = (l: string) => (l === 'ham' ? 'spam' : 'ham');
  const setOnDisk = (id: string, label: string) => {
    const lines = readFileSync(dataFile, 'utf8').split('\r\n');
    const i = lines.findIndex((l) => l.startsWith(`${id},`));
    lines[i] = lines[i].replace(/,(ham|spam)$/, `,${label}`);
    writeFileSync(dataFile, lines.join('\r\n'));
  };
  const [id1, l1] = [await idAt(1), await labelAt(1)];
  setOnDisk(id1, other(l1));
  await wv.locator('[data-testid="notice"]', { hasText: 'reloaded' }).waitFor({ timeout: 30_000 });
  await wv.locator('[data-testid="label-1"]', { hasText: new RegExp(`^${other(l1)}$`) }).waitFor();

  // An unsaved edit on row 2, then another change on disk to row 4.
  const [id2, l2] = [await idAt(2), await labelAt(2)];
  await wv.locator('[data-testid="row-2"]').click();
  await wv.locator('[data-testid="detail-id"]', { hasText: new RegExp(`^${id2}$`) }).waitFor();
  await page.keyboard.press('c');
  await wv.locator('[data-testid="picker-input"] input').fill(other(l2));
  await wv.locator('[data-testid="picker-input"] input').press('Enter');
  await page.locator('.tab.active.dirty').waitFor();
  const [id4, l4] = [await idAt(4), await labelAt(4)];
  setOnDisk(id4, other(l4));
  const merge = page.locator('.notifications-toasts .monaco-button', { hasText: /^Merge$/ });
  await merge.waitFor({ timeout: 30_000 });
  await page.locator('.notifications-toasts .monaco-button', { hasText: /^Compare$/ }).waitFor();
  await shot('09-outside-change');
  await merge.click();
  await wv.locator('[data-testid="notice"]', { hasText: 'Merged' }).waitFor();
  await wv.locator('[data-testid="label-4"]', { hasText: new RegExp(`^${other(l4)}$`) }).waitFor();
  assert.equal(await labelAt(2), other(l2), 'the edit survived the merge');
  await page.keyboard.press('Control+S');
  await page.locator('.tab.active:not(.dirty)').waitFor();
  const lines = readFileSync(dataFile, 'utf8').split('\r\n');
  for (const [id, l] of [[id1, other(l1)], [id2, other(l2)], [id4, other(l4)]]) assert.ok(lines.some((x) => x.startsWith(`${id},`) && x.endsWith(`,${l}`)), `${id} is ${l}`);
});

/**
 * Opens the workspace file named exactly `name` with Quick Open (Ctrl+P): Enter once the first
 * result is that file (results come in as the index is searched; iflytek.csv is also a folder
 * under .label-lens/results).
 */
async function quickOpen(name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await quickOpenFirst(name);
  await page.locator('.quick-input-widget input').press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  await page.locator('.tab.active', { hasText: name }).waitFor();
}

/** Types `name` into the open Quick Open and waits until that file is its first result. */
async function quickOpenFirst(name: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.fill(name);
  const first = page.locator('.quick-input-widget .monaco-list-row').first().locator('.label-name');
  for (let i = 0; i < 50 && (await first.textContent().catch(() => '')) !== name; i++) await page.waitForTimeout(100);
  assert.equal(await first.textContent(), name, `quick open lists ${name} first`);
}

/** Opens a file of the workspace in the review editor. */
async function openForReview(name: string, closeOthers = true): Promise<void> {
  // One review at a time: hidden webviews stay in the page and would make `webview()` ambiguous.
  if (closeOthers) await palette('View: Close All Editors');
  await quickOpen(name);
  await palette('Label Lens: Open for Review');
  await page.locator('.tab.active', { hasText: name }).waitFor();
  await webview().locator('[data-testid="row-0"]').waitFor({ timeout: 60_000 });
}

test('119 classes: every class named in the Classes view, the most-confused pairs, the class picker filters Chinese', { timeout: 240_000 }, async () => {
  // A short analysis: this test is about the views, and 119 classes train slowly on a shared machine.
  mkdirSync(join(work, 'workspace', '.vscode'), { recursive: true });
  writeFileSync(join(work, 'workspace', '.vscode', 'settings.json'), JSON.stringify({ 'labelLens.folds': 2, 'labelLens.epochs': 3, 'labelLens.repeats': 1 }));
  await openForReview('iflytek.csv');
  const wv = webview();
  await palette('Label Lens: Analyze');
  await wv.locator('[data-testid="notice"]', { hasText: 'flagged' }).waitFor({ timeout: 200_000 });
  await wv.locator('[data-testid="tab-classes"]').click();
  await wv.locator('[data-testid="class-bars"]').waitFor();
  const labels = new Set(readFileSync(join(work, 'workspace', 'iflytek.csv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.replace(/\r$/, '').match(/,([^,]*)$/)![1]));
  assert.ok(labels.size > 100, `${labels.size} classes`);
  assert.equal(await wv.locator('[data-testid="class-bars"] .hbar-row').count(), labels.size);
  const firstName = (await wv.locator('[data-testid="class-bars"] .hbar-name').first().textContent())!;
  assert.ok(firstName.length > 0);
  await readmeShot('classes-119');
  await wv.locator('[data-testid="confused-pairs"]').scrollIntoViewIfNeeded();
  await shot('10b-confused-pairs');
  const pair = wv.locator('[data-testid="pair-0"]');
  const given = (await pair.locator('td').first().textContent())!;
  await pair.click();
  await wv.locator('[data-testid="label-0"]', { hasText: given }).waitFor();
  await wv.locator('[data-testid="row-0"]').click();
  await page.keyboard.press('c');
  await wv.locator('[data-testid="picker-input"] input').fill('体育');
  const options = await wv.locator('[data-testid="class-picker"] [role=option]').allTextContents();
  assert.ok(options.length >= 2 && options.every((o) => o.includes('体育')), options.join(', '));
  // One character of a class name (股票, "stocks") is enough.
  await wv.locator('[data-testid="picker-input"] input').fill('股');
  await wv.locator('[data-testid="class-picker"] [role=option]', { hasText: '股票' }).waitFor();
  const stocks = await wv.locator('[data-testid="class-picker"] [role=option]').allTextContents();
  assert.ok(stocks.length >= 1 && stocks.length < 10 && stocks.every((o) => o.includes('股')), stocks.join(', '));
  await shot('11-picker-cjk');
  await wv.locator('[data-testid="picker-input"] input').press('Escape');
});

test('MNIST: thumbnails in the table, the grid of suspects with given → suggested, Enter in the grid', { timeout: 300_000 }, async () => {
  await openForReview('mnist.csv');
  const wv = webview();
  await wv.locator('[data-testid="row-0"] canvas.row-thumb').waitFor();
  await palette('Label Lens: Analyze');
  await wv.locator('[data-testid="notice"]', { hasText: 'flagged' }).waitFor({ timeout: 280_000 });
  await wv.locator('[data-testid="row-0"]').click();
  await page.keyboard.press('g');
  await wv.locator('[data-testid="tile-0"].cursor').waitFor();
  const caption = (await wv.locator('[data-testid="caption-1"]').textContent())!;
  await readmeShot('mnist-grid');
  await wv.locator('[data-testid="tile-0"]').click();
  await wv.locator('[data-testid="tile-0"].cursor').waitFor();
  await page.keyboard.press('j');
  await wv.locator('[data-testid="tile-1"].cursor').waitFor();
  await page.keyboard.press('Enter');
  await wv.locator('[data-testid="tile-2"].cursor').waitFor();
  const suggested = caption.split(' → ')[1];
  if (suggested) await wv.locator('[data-testid="caption-1"]', { hasText: new RegExp(`→ ${suggested}$`) }).waitFor();
  await page.keyboard.press('u');
  await page.locator('.tab.active:not(.dirty)').waitFor();
  await page.keyboard.press('g');
});

test('15 classes (toutiao subsample): the given × predicted matrix with every class named, a cell filters the table', { timeout: 240_000 }, async () => {
  await openForReview('toutiao.csv');
  const wv = webview();
  await palette('Label Lens: Analyze');
  await wv.locator('[data-testid="notice"]', { hasText: 'flagged' }).waitFor({ timeout: 200_000 });
  await wv.locator('[data-testid="tab-classes"]').click();
  const heads = wv.locator('[data-testid="matrix"] th.rot');
  await heads.first().waitFor();
  const labels = new Set(readFileSync(join(work, 'workspace', 'toutiao.csv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.replace(/\r$/, '').match(/,([^,]*)$/)![1]));
  assert.equal(labels.size, 15);
  const titles = await heads.evaluateAll((hs) => hs.map((h) => h.getAttribute('title')));
  assert.deepEqual(new Set(titles), labels, 'every class heads a column, its full name on hover');
  assert.equal(await wv.locator('[data-testid="matrix"] td.cell').count(), 225);
  // The matrix scrolls inside itself: nothing of it spills out of the view.
  await wv.locator('[data-testid="matrix"]').scrollIntoViewIfNeeded();
  await shot('13-classes-15-matrix');
  const fits = await wv.locator('.matrix-wrap').evaluate(inBrowser<{ right: number; width: number }>('(e) => ({ right: e.getBoundingClientRect().right, width: document.documentElement.clientWidth })'));
  assert.ok(fits.right <= fits.width + 1, `the matrix stays inside the view: ${JSON.stringify(fits)}`);
  const pair = wv.locator('[data-testid="pair-0"]');
  const [given, predicted] = [(await pair.locator('td').nth(0).textContent())!, (await pair.locator('td').nth(2).textContent())!];
  const i = titles.indexOf(given), j = titles.indexOf(predicted);
  await wv.locator(`[data-testid="cell-${i}-${j}"]`).click();
  await wv.locator('[data-testid="label-0"]', { hasText: new RegExp(`^${given}$`) }).waitFor();
  assert.equal(await wv.locator('[data-testid="row-0"] .c-sugg').getAttribute('title'), predicted);
});

test('a note on a row: n, type, Ctrl+Enter; saved with the file in the sidecar', { timeout: 120_000 }, async () => {
  await openForReview('sms.csv');
  const wv = webview();
  await wv.locator('[data-testid="row-0"]').click();
  const id = (await wv.locator('[data-testid="row-0"] .c-id').textContent())!;
  await wv.locator('[data-testid="detail-id"]', { hasText: new RegExp(`^${id}$`) }).waitFor();
  await page.keyboard.press('n');
  const note = '看起来像广告 — ask Ana <b>twice</b>';
  await wv.locator('[data-testid="note"] textarea').fill(note);
  await page.keyboard.press('Control+Enter');
  await wv.locator('[data-testid="note-0"]').waitFor();
  assert.equal(await wv.locator('[data-testid="note-0"]').getAttribute('title'), `Note: ${note}`);
  await page.locator('.tab.active.dirty').waitFor();
  await page.keyboard.press('Control+S');
  await page.locator('.tab.active:not(.dirty)').waitFor();
  const side = JSON.parse(readFileSync(`${dataFile}.labels.json`, 'utf8')) as { rows: Record<string, { note?: string }> };
  assert.equal(side.rows[id]?.note, note);
  assert.equal(await wv.locator('b').count(), 0);
});

interface Layout {
  width: number; scrollsSideways: boolean; headerOverlaps: string[]; toolbarOverlaps: number[]; tableDetailOverlap: boolean; outOfView: string[];
  id: number; label: number; text: number; idTitle: string | null; idText: string | null; labelTitle: string | null; labelText: string | null;
  scoreTitle: string | null; scoreText: string | null; scoreFits: boolean;
}

/**
 * A function written as JS source, to run in the page (this file is typed without the DOM):
 * Playwright sends a function's source, and this one's source is `src`.
 */
function inBrowser<R>(src: string): (e: unknown) => R {
  return new Function(`return (${src});`)() as (e: unknown) => R;
}

/** Runs in the review's document: where things are drawn at this width. */
const LAYOUT_PROBE = `() => {
    const rect = (e) => e.getBoundingClientRect();
    const inView = (e) => { const r = rect(e); return r.width === 0 || (r.left >= -1 && r.right <= document.documentElement.clientWidth + 1); };
    const overlap = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
    const heads = [...document.querySelectorAll('.row.head [role=columnheader]')].filter((h) => rect(h).width > 0);
    const headRects = heads.map(rect);
    const pairs = [];
    headRects.forEach((a, i) => headRects.forEach((b, j) => { if (i < j && overlap(a, b)) pairs.push(\`\${heads[i].className}/\${heads[j].className}\`); }));
    const table = rect(document.querySelector('.table-wrap')), detail = rect(document.querySelector('[data-testid="detail"]'));
    const controls = [...document.querySelectorAll('.toolbar vscode-toolbar-button, .toolbar .threshold, .filters > *, vscode-tab-header')];
    const toolbar = [...document.querySelectorAll('.toolbar-buttons > *, .toolbar .threshold')].map(rect).filter((r) => r.width > 0);
    const toolbarOverlaps = [];
    toolbar.forEach((a, i) => toolbar.forEach((b, j) => { if (i < j && overlap(a, b)) toolbarOverlaps.push(i); }));
    const row = document.querySelector('[data-testid="row-3"]');
    return {
      width: document.documentElement.clientWidth,
      scrollsSideways: document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
      headerOverlaps: pairs, toolbarOverlaps,
      tableDetailOverlap: overlap(table, detail),
      outOfView: controls.filter((c) => !inView(c)).map((c) => c.getAttribute('data-testid') ?? c.tagName),
      id: rect(row.querySelector('.c-id')).width, label: rect(row.querySelector('.c-label')).width, text: rect(row.querySelector('.c-text')).width,
      idTitle: row.querySelector('.c-id').getAttribute('title'), idText: row.querySelector('.c-id').textContent,
      labelTitle: row.querySelector('.c-label').getAttribute('title'), labelText: row.querySelector('[data-testid="label-3"]').textContent,
      scoreTitle: row.querySelector('.c-score').getAttribute('title'), scoreText: row.querySelector('.c-score').textContent,
      scoreFits: row.querySelector('.score-bar') ? row.querySelector('.score-bar').scrollWidth <= row.querySelector('.c-score').clientWidth + 1 : true,
    };
  }`;

test('480 px beside a text editor: nothing overlaps, the id and label columns keep their width, full values on hover', { timeout: 180_000 }, async () => {
  // A text editor on the left (the training script a user keeps open), the review on the right; no side bar.
  await palette('View: Close All Editors');
  await quickOpen('train.py');
  await page.locator('.tab.active', { hasText: 'train.py' }).waitFor();
  await openForReview('iflytek.csv', false);
  const wv = webview();
  await palette('View: Move Editor into Right Group');
  await page.locator('.editor-group-container').nth(1).locator('.tab.active', { hasText: 'iflytek.csv' }).waitFor();
  await page.locator('.editor-group-container').nth(0).locator('.monaco-editor').waitFor();
  await wv.locator('[data-testid="row-0"]').waitFor();
  await palette('View: Close Primary Side Bar');
  // Drag the sash between the two groups (at the review's left edge) until the review is 480 px wide.
  const frame = page.locator('iframe.webview.ready');
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.waitForTimeout(300);
    const box = (await frame.boundingBox())!;
    if (Math.abs(box.width - 480) <= 6) break;
    const sashes = await page.locator('.part.editor .monaco-sash.vertical').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.left + r.width / 2, y: r.top + r.height / 2 })));
    const s = sashes.sort((p, q) => Math.abs(p.x - box.x) - Math.abs(q.x - box.x))[0];
    assert.ok(s && Math.abs(s.x - box.x) < 20, `a sash at the review's left edge (${box.x}): ${JSON.stringify(sashes)}`);
    await page.mouse.move(s.x, s.y);
    await page.mouse.down();
    await page.mouse.move(s.x + (box.width - 480), s.y, { steps: 8 });
    await page.mouse.up();
  }
  const width = (await frame.boundingBox())!.width;
  assert.ok(Math.abs(width - 480) <= 12, `the review is ${width} px wide`);
  await wv.locator('[data-testid="row-3"]').click();
  await wv.locator('[data-testid="detail-id"]').waitFor();
  // Measured in the review's own document.
  const layout = await wv.locator('body').evaluate(inBrowser<Layout>(LAYOUT_PROBE));
  assert.ok(layout.width <= 490, `the review's document is ${layout.width} px wide`);
  assert.equal(layout.scrollsSideways, false, 'nothing makes the view scroll sideways');
  assert.deepEqual(layout.headerOverlaps, [], 'no header cell overlaps another');
  assert.deepEqual(layout.toolbarOverlaps, [], 'no toolbar control overlaps another');
  assert.equal(layout.tableDetailOverlap, false, 'the detail pane does not cover the table');
  assert.deepEqual(layout.outOfView, [], 'every control is inside the view');
  assert.ok(layout.id >= 48 && layout.label >= 80 && layout.text >= 80, JSON.stringify(layout));
  assert.ok(layout.idTitle!.startsWith(`${layout.idText} · line`), 'the full id on hover');
  assert.equal(layout.labelTitle, layout.labelText, 'the full label on hover');
  assert.ok(layout.scoreFits, `p(wrong) ${layout.scoreText} fits its column`);
  assert.ok(layout.scoreTitle!.startsWith(`p(wrong) ${layout.scoreText}`), 'and is on hover too');
  await readmeShot('review-beside-editor');
  await palette('View: Open Primary Side Bar').catch(() => undefined);
});
