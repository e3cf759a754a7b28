/** The packaged extension ships bundles, wasm, media and the sample with its terms: no sources, tests or node_modules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers';

test('vsce ls: what the .vsix would contain', (t) => {
  // A review or analysis of the sample in this checkout leaves state beside it: it must not ship.
  const state = join(ROOT, 'samples', '.label-lens', `package-test-${process.pid}`);
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, 'rows.csv'), 'id\n');
  const sidecar = join(ROOT, 'samples', 'sms_spam_noisy.csv.labels.json');
  const madeSidecar = !existsSync(sidecar);
  if (madeSidecar) writeFileSync(sidecar, '{}');
  t.after(() => {
    rmSync(state, { recursive: true, force: true });
    if (madeSidecar) rmSync(sidecar, { force: true });
    // Leave samples/.label-lens/ as it was: removed only when this test made it and it is empty now.
    try { rmdirSync(join(ROOT, 'samples', '.label-lens')); } catch { /* not empty or not ours */ }
  });
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/@vscode/vsce/vsce'), 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = r.stdout.trim().split('\n').map((l) => l.trim());
  for (const must of ['package.json', 'README.md', 'LICENSE', 'dist/extension.js', 'dist/engine.js', 'dist/foldWorker.js', 'dist/cli.js', 'dist/tfjs.js', 'dist/webview.js', 'dist/tfjs-backend-wasm-simd.wasm', 'dist/codicons/codicon.css', 'media/review.css', 'samples/sms_spam_noisy.csv', 'samples/README.md', 'l10n/bundle.l10n.zh-cn.json', 'package.nls.zh-cn.json', 'docs/screenshots/light-review.png']) {
    assert.ok(files.includes(must), `${must} is packaged`);
  }
  for (const f of files) assert.ok(!/^(src|test|bench|scripts|webview|node_modules|\.e2e|\.ci)\//.test(f) && !f.endsWith('.map') && !f.endsWith('.ts'), `${f} must not be packaged`);
  for (const f of files) assert.ok(!/(^|\/)\.label-lens\//.test(f) && !f.endsWith('.labels.json'), `${f}: Label Lens state of a local review must not be packaged`);
});
