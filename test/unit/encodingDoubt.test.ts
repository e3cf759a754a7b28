/**
 * Files whose encoding is easy to get wrong: a UTF-8 byte-order mark before GBK text, and UTF-16
 * saved without a mark. Each gets a problem that says what to do; with --encoding gbk the mark is
 * skipped, not read as text. Built from real toutiao rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as iconv from 'iconv-lite';
import { openDataset } from '../../src/core/table/dataset';
import { openTable } from '../../src/core/table/table';
import { dataset, runCli, tempDir } from '../helpers';

/** The first rows of toutiao_news_20k as text. */
function toutiaoText(rows: number): string {
  const t = openTable(dataset('toutiao_news_20k'));
  return Buffer.from(t.bytes.subarray(0, t.index.end[rows - 1])).toString('utf8') + '\n';
}

test('a UTF-8 mark before GBK text is reported with the fix; with --encoding gbk the mark is not read as text', async (t) => {
  const file = join(tempDir(t), 'bom_gbk.csv');
  const text = toutiaoText(200);
  writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), iconv.encode(text, 'gbk')]));
  const ds = openDataset(file);
  const p = ds.problems.find((q) => q.code === 'encoding-mismatch');
  assert.ok(p, 'the mismatch is a problem');
  assert.match(p.message, /UTF-8 byte-order mark, but its text is not UTF-8.*--encoding gbk/);

  const gbk = openDataset(file, { encoding: 'gb18030' });
  assert.equal(gbk.table.header[0], text.split(',')[0], 'the header starts with the first column name, no 锘');
  assert.deepEqual(gbk.problems.filter((q) => q.severity === 'error'), []);
  assert.equal(gbk.rowCount, 200);

  const r = await runCli(['inspect', file]);
  assert.equal(r.code, 1);
  assert.match(r.out + r.err, /--encoding gbk/);
});

for (const [name, enc] of [['utf-16le', 'utf16le'], ['utf-16be', 'utf-16be']] as const) {
  test(`${name} without a byte-order mark gets the hint to open it as ${name}`, (t) => {
    const file = join(tempDir(t), `${name}.csv`);
    const text = toutiaoText(50);
    writeFileSync(file, iconv.encode(text, enc, { addBOM: false }));
    let hint: string | undefined;
    try {
      hint = openDataset(file).problems.find((q) => q.code === 'maybe-utf16')?.message;
    } catch (err) {
      hint = (err as Error).message;
    }
    assert.match(hint ?? '', new RegExp(`may be UTF-16.*--encoding ${name}`));
    assert.equal(openDataset(file, { encoding: name }).rowCount, 50);
  });
}
