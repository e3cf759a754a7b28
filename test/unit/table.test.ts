import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as iconv from 'iconv-lite';
import { Table } from '../../src/core/table/table';
import { TableError } from '../../src/core/table/problems';
import { tempDir } from '../helpers';

const t = (text: string | Uint8Array, name = 'x.csv') => new Table(name, typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
const rows = (tb: Table) => Array.from({ length: tb.rowCount }, (_, i) => tb.row(i));

test('RFC 4180: quoted commas, doubled quotes and line breaks inside fields', () => {
  const tb = t('id,text,label\r\n1,"a, b ""c""\r\nd",x\r\n2,plain,y\r\n');
  assert.deepEqual(tb.header, ['id', 'text', 'label']);
  assert.deepEqual(rows(tb), [['1', 'a, b "c"\r\nd', 'x'], ['2', 'plain', 'y']]);
  assert.deepEqual([...tb.index.line], [2, 4]);
  assert.equal(tb.problems.length, 0);
  assert.equal(tb.lineEnding, '\r\n');
});

test('LF, lone CR, mixed endings and no final newline', () => {
  for (const text of ['a,b\n1,2\n3,4', 'a,b\r1,2\r3,4\r', 'a,b\r\n1,2\n3,4\r', 'a,b\n\n1,2\n\n\n3,4\n']) {
    const tb = t(text);
    assert.deepEqual(rows(tb), [['1', '2'], ['3', '4']], JSON.stringify(text));
  }
  assert.equal(t('a,b\r1,2').lineEnding, '\r');
});

test('empty fields and a trailing delimiter', () => {
  assert.deepEqual(rows(t('a,b,c\n,,\n1,,3\n')), [['', '', ''], ['1', '', '3']]);
});

test('TSV and JSON Lines', () => {
  const tsv = t('id\ttext\tlabel\n1\thello, world\tpos\n', 'x.tsv');
  assert.equal(tsv.format, 'tsv');
  assert.deepEqual(rows(tsv), [['1', 'hello, world', 'pos']]);
  const jl = t('{"id": 1, "text": "héllo", "label": "a"}\n\n{"text": "b", "label": 2, "extra": {"k": [1]}}\n', 'x.jsonl');
  assert.equal(jl.format, 'jsonl');
  assert.deepEqual(jl.header, ['id', 'text', 'label', 'extra']);
  assert.deepEqual(rows(jl), [['1', 'héllo', 'a', ''], ['', 'b', '2', '{"k":[1]}']]);
  assert.deepEqual([...jl.index.line], [1, 3]);
});

test('unterminated quote damages one row, names line and column, and reading resumes', () => {
  const tb = t('id,text,label\n1,ok,a\n2,"never closed,b\n3,fine,c\n');
  assert.equal(tb.rowCount, 3);
  assert.deepEqual([...tb.index.damaged], [0, 1, 0]);
  assert.deepEqual(tb.row(2), ['3', 'fine', 'c']);
  const p = tb.problems.find((x) => x.code === 'unterminated-quote')!;
  assert.equal(p.line, 3);
  assert.equal(p.column, 3);
  assert.equal(p.file, 'x.csv');
  assert.match(p.message, /expected a closing "/);
});

test('ragged rows and text after a closing quote are reported with positions', () => {
  const tb = t('a,b,c\n1,2,3\n1,2\n1,2,3,4\n"x"y,2,3\n');
  assert.deepEqual([...tb.index.damaged], [0, 1, 1, 1]);
  const ragged = tb.problems.filter((p) => p.code === 'ragged-row');
  assert.deepEqual(ragged.map((p) => [p.line, p.column]), [[3, 4], [4, 7]]);
  assert.match(ragged[0].message, /expected 3 fields as in the header, found 2/);
  const after = tb.problems.find((p) => p.code === 'text-after-quote')!;
  assert.deepEqual([after.line, after.column], [5, 4]);
});

test('empty file, blank file and header only are clear errors', () => {
  for (const [text, code] of [['', 'empty-file'], ['\n\n', 'empty-file'], ['id,text,label\r\n', 'header-only']] as const) {
    assert.throws(() => t(text), (e: unknown) => e instanceof TableError && e.problem.code === code && /expected/.test(e.message));
  }
});

test('invalid JSON lines are reported with line and column', () => {
  const tb = t('{"text":"a","label":"x"}\n{"text": "b", label: "y"}\n[1,2]\n', 'x.jsonl');
  assert.deepEqual([...tb.index.damaged], [0, 1, 1]);
  const bad = tb.problems.find((p) => p.code === 'invalid-json')!;
  assert.equal(bad.line, 2);
  assert.equal(bad.column, 15);
  assert.equal(tb.problems.find((p) => p.code === 'not-an-object')!.line, 3);
});

test('encodings: UTF-8 BOM, UTF-16 LE/BE with BOM, GBK with and without BOM', (tc) => {
  const text = 'id,text,label\r\n1,"体育新闻, 今天",体育\r\n2,财经 😀,财经\r\n';
  const expect = [['1', '体育新闻, 今天', '体育'], ['2', '财经 😀', '财经']];
  const utf8bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
  assert.equal(t(utf8bom).encoding.name, 'utf-8');
  assert.equal(t(utf8bom).encoding.bomLength, 3);
  assert.deepEqual(t(utf8bom).header, ['id', 'text', 'label']);
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  assert.deepEqual(rows(t(le)), expect);
  const be = iconv.encode(text, 'utf-16be', { addBOM: true });
  assert.equal(t(be).encoding.name, 'utf-16be');
  assert.deepEqual(rows(t(be)), expect);
  const gbkText = text.replace(' 😀', '');
  const gbk = iconv.encode(gbkText, 'gbk');
  assert.equal(t(gbk).encoding.name, 'gb18030');
  assert.deepEqual(rows(t(gbk)), [expect[0], ['2', '财经', '财经']]);
  const gbBom = Buffer.concat([Buffer.from([0x84, 0x31, 0x95, 0x33]), iconv.encode(gbkText, 'gb18030')]);
  assert.equal(t(gbBom).encoding.bomLength, 4);
  assert.deepEqual(t(gbBom).header, ['id', 'text', 'label']);
  // Misaligned UTF-16 buffers (a subarray at an odd offset) read the same.
  const padded = Buffer.concat([Buffer.from([0]), le]).subarray(1);
  assert.deepEqual(rows(t(padded)), expect);
  void tc;
});

test('override of the encoding wins over detection', () => {
  const gbk = iconv.encode('a,b\n中,文\n', 'gbk');
  assert.deepEqual(new Table('x.csv', gbk, { encoding: 'gb18030' }).row(0), ['中', '文']);
});

test('undecodable bytes are reported with line and column and the row is skipped', () => {
  // Valid UTF-8 with a stray byte that no encoding here accepts on line 3.
  const bytes = Buffer.concat([Buffer.from('id,text,label\n1,héllo,a\n2,ab'), Buffer.from([0xff]), Buffer.from('c,b\n3,x,c\n')]);
  const tb = t(bytes);
  const p = tb.problems.find((x) => x.code === 'undecodable')!;
  assert.deepEqual([p.line, p.column, p.row], [3, 5, 1]);
  assert.match(p.message, /0xff is not valid utf-8/);
  assert.deepEqual([...tb.index.damaged], [0, 1, 0]);
});

test('field spans point at the exact bytes of a field', () => {
  const tb = t('id,text,label\r\n1,"a,b",体育\r\n2,x,"q""uoted"\r\n');
  const s = tb.fieldSpan(0, 2)!;
  assert.equal(Buffer.from(tb.bytes.subarray(s.start, s.end)).toString(), '体育');
  const q = tb.fieldSpan(1, 2)!;
  assert.equal(q.quoted, true);
  assert.equal(Buffer.from(tb.bytes.subarray(q.start, q.end)).toString(), '"q""uoted"');
});

test('a generated 20k-row file indexes every row with typed arrays', (tc) => {
  const dir = tempDir(tc);
  const lines = ['id,text,label'];
  for (let i = 0; i < 20000; i++) lines.push(`${i},"text ${i}, with comma",c${i % 7}`);
  const p = join(dir, 'big.csv');
  writeFileSync(p, lines.join('\n'));
  const tb = new Table(p, Buffer.from(lines.join('\n')));
  assert.equal(tb.rowCount, 20000);
  assert.ok(tb.index.start instanceof Float64Array);
  assert.deepEqual(tb.row(19999), ['19999', 'text 19999, with comma', 'c0']);
});

test('ASCII rows are cut from one string of the row: the same cells as decoding each field (beside UTF-8 rows, bytes at an offset in their buffer)', () => {
  const text = 'id,text,label\n1,"a, ""b""",x\n2,café,y\n3,plain,"z"\n4,,\n';
  const tb = t(Buffer.concat([Buffer.from('junk'), Buffer.from(text, 'utf8')]).subarray(4));
  assert.deepEqual(rows(tb), [['1', 'a, "b"', 'x'], ['2', 'café', 'y'], ['3', 'plain', 'z'], ['4', '', '']]);
  assert.equal(tb.cell(0, 1), 'a, "b"');
});
