/**
 * Cancel during the duplicates phase of a real text file, through the engine child (built bundle):
 * the search runs on a worker, so the engine hears the cancel while it runs and ends the job there,
 * without reporting the rest of the search or starting to train. (Before, the search was a sync
 * loop on the engine's thread: every one of its progress messages went out after the cancel, and
 * the job ended only once the search was done.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient, EngineError } from '../../src/client/engineClient';
import { openDataset } from '../../src/core/table/dataset';
import { quoteIfNeeded } from '../../src/core/table/csv';
import { ROOT, dataset, tempDir } from '../helpers';

test('a cancel in the duplicates phase ends the job there, with the cancelled outcome', async (t) => {
  const dir = tempDir(t);
  // toutiao_news_38k three times, each copy with its own words added: 114k near copies, so the
  // near-duplicate search (MinHash over every row) takes seconds, well beyond featurizing.
  const src = openDataset(dataset('toutiao_news_38k'));
  const text = src.roles.text!, label = src.roles.label!;
  const lines = ['id,text,label'];
  for (const copy of ['', ' 另一份', ' 第三份 副本']) {
    for (let i = 0; i < src.rowCount; i++) lines.push([`${copy.length}-${i}`, src.table.cell(i, text) + copy, src.table.cell(i, label)].map((c) => quoteIfNeeded(c, ',', false)).join(','));
  }
  const file = join(dir, 'copies.csv');
  writeFileSync(file, lines.join('\n') + '\n');

  const c = new EngineClient({ enginePath: join(ROOT, 'dist/engine.js') });
  t.after(() => c.dispose());
  let cancelled = false;
  let afterCancel = 0;
  const phases = new Set<string>();
  const job = c.run({ type: 'analyze', dataset: { file }, options: { map: 'none' }, outDir: join(dir, 'out') }, (p) => {
    phases.add(p.phase);
    if (cancelled && p.phase === 'duplicates') afterCancel++;
    if (p.phase === 'duplicates' && !cancelled) { cancelled = true; c.cancel(); }
  });
  await assert.rejects(job.done, (e: unknown) => e instanceof EngineError && e.code === 'cancelled');
  assert.ok(cancelled, 'the job reached the duplicates phase');
  assert.ok(!phases.has('train'), `phases reported: ${[...phases].join(', ')}`);
  // The search reports every 16,384 rows and after each LSH band (about 40 messages here); a few
  // may be on their way when the cancel arrives, not the rest of the search.
  t.diagnostic(`${afterCancel} duplicates messages after the cancel`);
  assert.ok(afterCancel <= 6, `${afterCancel} duplicates messages after the cancel`);
});
