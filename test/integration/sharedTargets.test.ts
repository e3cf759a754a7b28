/**
 * Text folds on the engine's fold workers read the job's features and training targets from shared
 * memory (no copy a worker; fastText reads the targets by dataset row): every row's out-of-fold
 * predictions and suspicion are the ones the same phases give in one thread, bit for bit, with
 * and without the label-name rows (extra training rows whose targets are not in the shared array).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import { readArrays, type Summary } from '../../src/core/results';
import { duplicates, featurize, load, score, trainFolds } from '../../src/engine/phases';
import { inProcessRunners } from '../../src/engine/foldPool';
import { ROOT, dataset, tempDir } from '../helpers';

const bits = (a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

for (const labelNames of [false, true]) {
  test(`text on fold workers gives what one thread gives${labelNames ? ' (label-name rows)' : ''}`, async (t) => {
    const dir = tempDir(t);
    const file = dataset('sms_spam');
    const options = { repeats: 1, epochs: 3, piPasses: 2, workers: 2, map: 'none' as const, labelNames };
    const l = load({ file }, options, false);
    const { prep } = await featurize(l);
    duplicates(l, prep);
    if (labelNames) assert.equal(prep.base.extraRows?.length, 2);
    const local = inProcessRunners('text', () => {});
    const cv = await trainFolds(prep, local.run);
    local.close();
    const scores = score(prep, cv);

    const c = new EngineClient({ enginePath: join(ROOT, 'dist/engine.js') });
    try {
      const res = await c.run({ type: 'analyze', dataset: { file }, options, outDir: join(dir, 'out') }, () => {}).done;
      const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
      const arrays = readArrays(res.arraysPath, summary.arrays);
      for (const key of ['student', 'ema', 'teacher', 'pi', 'history'] as const) assert.deepEqual(bits(arrays[key]!), bits(cv[key]!), key);
      assert.deepEqual(bits(arrays.suspicion), bits(scores.suspicion), 'suspicion');
    } finally {
      c.dispose();
    }
  });
}
