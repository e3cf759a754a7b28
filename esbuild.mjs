// Bundles: dist/cli.js, dist/engine.js (+ its fold worker), dist/extension.js, dist/webview.js,
// and the TensorFlow.js wasm binaries the engine loads from dist/.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // tfjs-node, sharp and the text encoder runtime (transformers.js on onnxruntime-node, 288 MB) are
  // optional native packages: required at run time when the user has them and asks for them, never bundled.
  external: ['vscode', '@tensorflow/tfjs-node', '@huggingface/transformers', 'onnxruntime-node', 'sharp'],
};
// TensorFlow.js (4.5 MB) is a bundle of its own, dist/tfjs.js, which the engine and its workers load
// only when a model needs it (src/engine/backend.ts): in every bundle it cost 0.2–0.3 s per start.
const withoutTfjs = { ...node, external: [...node.external, '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'] };

const entries = [
  { in: 'src/cli/index.ts', out: 'dist/cli.js', ...withoutTfjs },
  { in: 'src/engine/main.ts', out: 'dist/engine.js', ...withoutTfjs },
  { in: 'src/engine/foldWorker.ts', out: 'dist/foldWorker.js', ...withoutTfjs },
  { in: 'src/engine/tfjsRuntime.ts', out: 'dist/tfjs.js', ...node },
  { in: 'src/extension/activate.ts', out: 'dist/extension.js', ...withoutTfjs },
  { in: 'webview/main.ts', out: 'dist/webview.js', bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production, logLevel: 'warning' },
].filter((e) => existsSync(e.in));

// A production build starts clean, so no stale source map or bundle is packaged.
if (production) rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  copyFileSync(join(wasmDir, 'dist', f), join('dist', f));
}

// Codicons for the webview (served from dist/, inside localResourceRoots).
const codicons = dirname(require.resolve('@vscode/codicons/package.json'));
mkdirSync('dist/codicons', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(join(codicons, 'dist', f), join('dist/codicons', f));

const contexts = await Promise.all(entries.map(({ in: entry, out, ...opts }) => esbuild.context({ ...opts, entryPoints: [entry], outfile: out })));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
