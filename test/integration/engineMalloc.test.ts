/**
 * The engine runs with malloc's mmap threshold fixed (client/engineClient.engineEnv), so the
 * memory of its large typed arrays goes back to the system when they are freed; a threshold the
 * caller sets is kept. Read from the running engine's own environment (Linux /proc).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient, ENGINE_MMAP_THRESHOLD } from '../../src/client/engineClient';
import { ROOT, tempDir } from '../helpers';

function environ(pid: number): Map<string, string> {
  return new Map(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

test('the engine runs with a fixed malloc mmap threshold unless the caller sets one', { skip: !existsSync('/proc/self/environ') }, async (t) => {
  const dir = tempDir(t);
  for (const [env, want] of [[undefined, String(ENGINE_MMAP_THRESHOLD)], [{ ...process.env, MALLOC_MMAP_THRESHOLD_: '262144' }, '262144']] as const) {
    const c = new EngineClient({ enginePath: join(ROOT, 'dist/engine.js'), env: env ? { ...env } : undefined });
    try {
      const res = await c.run({ type: 'analyze', dataset: { file: join(ROOT, 'samples/sms_spam_noisy.csv') }, options: { map: 'none' }, outDir: join(dir, want) }, () => {}).done;
      assert.ok(existsSync(res.summaryPath));
      assert.equal(environ(c.pid!).get('MALLOC_MMAP_THRESHOLD_'), want);
    } finally {
      c.dispose();
    }
  }
});
