/**
 * TensorFlow.js backend for dense models: tfjs-node when it loads (native, optional: its install
 * downloads libtensorflow, which fails offline), else WebAssembly (shipped .wasm files), else the
 * pure-JS cpu backend. LABEL_LENS_BACKEND=tensorflow|wasm|cpu forces one (tests use it).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';

let chosen: { tf: typeof TF; name: string } | undefined;

function wasmDir(): string | undefined {
  const candidates = [__dirname, join(__dirname, '../../dist')];
  try { candidates.push(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')); } catch { /* bundled: not resolvable */ }
  return candidates.find((d) => existsSync(join(d, 'tfjs-backend-wasm.wasm')));
}

/**
 * TensorFlow.js and its wasm backend: from dist/tfjs.js beside a bundled engine (its own bundle,
 * loaded on first use: a text or tabular job never parses it), else from node_modules (sources).
 */
function loadTfjs(): typeof import('./tfjsRuntime') {
  const bundled = join(__dirname, 'tfjs.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!__filename.endsWith('.ts') && existsSync(bundled)) return require(bundled) as typeof import('./tfjsRuntime');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { tf: require('@tensorflow/tfjs') as typeof TF, wasm: require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm') };
}

export async function initBackend(): Promise<{ tf: typeof TF; name: string }> {
  if (chosen) return chosen;
  const force = process.env.LABEL_LENS_BACKEND;
  if (!force || force === 'tensorflow') {
    try {
      // Not bundled: resolved at run time from the user's install, when present.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const tf = require('@tensorflow/tfjs-node') as typeof TF;
      await tf.ready();
      chosen = { tf, name: 'tensorflow' };
      return chosen;
    } catch (err) {
      if (force === 'tensorflow') throw new Error(`@tensorflow/tfjs-node does not load: ${(err as Error).message}`);
    }
  }
  const { tf, wasm } = loadTfjs();
  if (!force || force === 'wasm') {
    const dir = wasmDir();
    if (dir) {
      try {
        wasm.setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
        if (await tf.setBackend('wasm')) {
          await tf.ready();
          chosen = { tf, name: 'wasm' };
          return chosen;
        }
      } catch (err) {
        if (force === 'wasm') throw err;
      }
    } else if (force === 'wasm') throw new Error('tfjs-backend-wasm.wasm not found next to the engine');
  }
  await tf.setBackend('cpu');
  await tf.ready();
  chosen = { tf, name: 'cpu' };
  return chosen;
}
