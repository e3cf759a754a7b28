/**
 * The duplicates search as a worker's task (engine/duplicatesTask, engine/sharedTexts): the texts
 * read back from the shared buffer are the cells, and the groups rebuilt from the typed arrays
 * that cross between threads are the search's own, on a real file with exact and near copies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDataset } from '../../src/core/table/dataset';
import { textDuplicates, DEFAULT_DUPLICATES } from '../../src/engine/duplicates';
import { fromParts, runTextDuplicates } from '../../src/engine/duplicatesTask';
import { duplicateText } from '../../src/engine/findings';
import { shareTexts, sharedText } from '../../src/engine/sharedTexts';
import { dataset } from '../helpers';

test('a search on shared texts gives the groups of the search on the cells', async () => {
  const ds = openDataset(dataset('sms_spam'));
  const text = duplicateText(ds);
  const shared = await shareTexts(ds.rowCount, text);
  for (let i = 0; i < ds.rowCount; i++) assert.equal(sharedText(shared, i), text(i));
  const direct = textDuplicates(ds.rowCount, text, DEFAULT_DUPLICATES);
  const viaTask = fromParts(runTextDuplicates({ texts: shared, opts: DEFAULT_DUPLICATES }));
  assert.ok(direct.exactRepeats > 100 && (direct.near?.pairs ?? 0) > 10, `sms_spam has exact and near copies (${direct.exactRepeats}, ${direct.near?.pairs})`);
  assert.deepEqual(viaTask.groups.group, direct.groups.group);
  assert.deepEqual(viaTask.groups.first, direct.groups.first);
  assert.deepEqual(viaTask.groups.kind, direct.groups.kind);
  assert.equal(viaTask.groups.count, direct.groups.count);
  for (let g = 0; g < direct.groups.count; g++) assert.deepEqual(viaTask.groups.members(g), direct.groups.members(g));
  assert.deepEqual(viaTask.copyOf, direct.copyOf);
  assert.equal(viaTask.exactRepeats, direct.exactRepeats);
  assert.deepEqual(viaTask.near, direct.near);
});

test('a text longer than one fromCharCode piece, and lone surrogates, come back as they were', async () => {
  const texts = ['', 'a'.repeat(20_000) + '\ud800' + '词'.repeat(9000), '\udfff x'];
  const shared = await shareTexts(texts.length, (i) => texts[i]);
  texts.forEach((s, i) => assert.equal(sharedText(shared, i), s));
});
