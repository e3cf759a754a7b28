import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../src/protocol/webview';

const ctx = { rowCount: 100, classCount: 3 };
const page = { type: 'requestPage', requestId: 1, query: { offset: 0, limit: 50, sort: 'suspicion', descending: true, filter: { flagged: true, search: 'x' } } };

test('well-formed webview messages pass', () => {
  for (const m of [{ type: 'ready' }, page, { type: 'requestDetail', row: 99 }, { type: 'relabel', rows: [1, 2], to: 2 }, { type: 'smooth', rows: [0], epsilon: 0.1, mix: true }, { type: 'accept', rows: [5] }, { type: 'applyAbove', threshold: 0.9 }, { type: 'run', command: 'analyze' }, { type: 'undo' }]) {
    assert.equal(typeof parseWebviewMessage(m, ctx), 'object', JSON.stringify(m));
  }
});

test('hostile webview messages are rejected with a reason', () => {
  const bad: [unknown, RegExp][] = [
    [null, /not an object/], [[1], /not an object/], [{ type: 'eval', code: 'x' }, /unknown message type/],
    [{ type: 'requestDetail', row: 100 }, /out of range/], [{ type: 'requestDetail', row: -1 }, /out of range/], [{ type: 'requestDetail', row: 1.5 }, /out of range/],
    [{ type: 'relabel', rows: [1], to: 3 }, /class index/], [{ type: 'relabel', rows: [], to: 0 }, /non-empty/], [{ type: 'relabel', rows: [1, 1], to: 0 }, /repeat/],
    [{ type: 'relabel', rows: ['1'], to: 0 }, /out of range/], [{ type: 'accept', rows: [1e9] }, /out of range/],
    [{ type: 'smooth', rows: [1], epsilon: 2, mix: false }, /epsilon/], [{ type: 'smooth', rows: [1], epsilon: 0.1 }, /mix/],
    [{ type: 'applyAbove', threshold: Number.NaN }, /threshold/], [{ type: 'run', command: 'rm' }, /unknown command/],
    [{ ...page, query: { ...page.query, limit: 100000 } }, /limit/], [{ ...page, query: { ...page.query, sort: 'constructor' } }, /sort/],
    [{ ...page, query: { ...page.query, filter: { given: 7 } } }, /class index/], [{ ...page, query: { ...page.query, filter: { search: 'x'.repeat(300) } } }, /search/],
    [{ ...page, query: { ...page.query, filter: { __proto__: 1, evil: true } } }, /unknown filter/], [{ ...page, requestId: -1 }, /requestId/],
  ];
  for (const [m, why] of bad) {
    const r = parseWebviewMessage(m, ctx);
    assert.equal(typeof r, 'string', JSON.stringify(m));
    assert.match(r as string, why);
  }
});
