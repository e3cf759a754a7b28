import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpcHandlers, parseWebviewMessage, Relabel, RequestDetail, RequestPage, type WireReply } from '../../src/protocol/webview';

const ctx = { rowCount: 100, classes: ['ham', 'spam', '体育'] };
const page = { method: 'requestPage', id: 1, params: { offset: 0, limit: 50, sort: 'suspicion', descending: true, filter: { flagged: true, search: 'x', given: '体育' }, snapshot: 1 } };

test('well-formed webview messages pass, typed by their declaration', () => {
  for (const m of [{ method: 'ready' }, page, { method: 'requestDetail', id: 2, params: { row: 99 } }, { method: 'relabel', params: { rows: [1, 2], to: 'spam' } },
    { method: 'smooth', params: { rows: [0], epsilon: 0.1, mix: true } }, { method: 'accept', params: { rows: [5] } }, { method: 'applyAbove', params: { threshold: 0.9 } },
    { method: 'requestApplyPreview', id: 3, params: { threshold: 0.5 } }, { method: 'run', params: { job: 'analyze' } }, { method: 'undo' },
    { method: 'setNote', params: { row: 4, note: '体育? <b>x</b>\nline 2' } }, { method: 'setNote', params: { row: 0, note: '' } }]) {
    assert.equal(typeof parseWebviewMessage(m, ctx), 'object', JSON.stringify(m));
  }
  const r = parseWebviewMessage({ method: 'relabel', params: { rows: [3], to: '体育', extra: 'dropped' } }, ctx);
  assert.ok(typeof r === 'object' && r.kind === 'command' && r.def === Relabel);
  assert.deepEqual(r.params, { rows: [3], to: '体育' });
});

test('hostile webview messages are rejected with a reason', () => {
  const q = page.params;
  const bad: [unknown, RegExp][] = [
    [null, /not an object/], [[1], /not an object/], [{ method: 'eval', params: { code: 'x' } }, /unknown message/], [{ type: 'relabel', rows: [1], to: 'ham' }, /unknown message/],
    [{ method: 'requestDetail', id: 1, params: { row: 100 } }, /out of range/], [{ method: 'requestDetail', id: 1, params: { row: -1 } }, /out of range/], [{ method: 'requestDetail', id: 1, params: { row: 1.5 } }, /out of range/],
    [{ method: 'requestDetail', params: { row: 1 } }, /id must/], [{ method: 'relabel', params: [1] }, /params must be an object/],
    // Classes travel as names: an index, or a name the file does not have, is refused.
    [{ method: 'relabel', params: { rows: [1], to: 1 } }, /class names/], [{ method: 'relabel', params: { rows: [1], to: 'eggs' } }, /class names/],
    [{ method: 'relabel', params: { rows: [], to: 'ham' } }, /non-empty/], [{ method: 'relabel', params: { rows: [1, 1], to: 'ham' } }, /repeat/],
    [{ method: 'relabel', params: { rows: ['1'], to: 'ham' } }, /out of range/], [{ method: 'accept', params: { rows: [1e9] } }, /out of range/],
    [{ method: 'smooth', params: { rows: [1], epsilon: 2, mix: false } }, /epsilon/], [{ method: 'smooth', params: { rows: [1], epsilon: 0.1 } }, /mix/],
    [{ method: 'applyAbove', params: { threshold: Number.NaN } }, /threshold/], [{ method: 'run', params: { job: 'rm' } }, /unknown job/],
    [{ ...page, params: { ...q, limit: 100000 } }, /limit/], [{ ...page, params: { ...q, sort: 'constructor' } }, /sort/], [{ ...page, params: { ...q, snapshot: -1 } }, /snapshot/],
    [{ ...page, params: { ...q, filter: { given: 0 } } }, /class name/], [{ ...page, params: { ...q, filter: { search: 'x'.repeat(300) } } }, /search/],
    [{ ...page, params: { ...q, filter: { __proto__: 1, evil: true } } }, /unknown filter/], [{ ...page, id: -1 }, /id must/],
    [{ method: 'setNote', params: { row: 100, note: 'x' } }, /out of range/], [{ method: 'setNote', params: { row: 1, note: 5 } }, /note must be text/],
    [{ method: 'setNote', params: { row: 1, note: 'x'.repeat(2001) } }, /at most 2000/],
  ];
  for (const [m, why] of bad) {
    const r = parseWebviewMessage(m, ctx);
    assert.equal(typeof r, 'string', JSON.stringify(m));
    assert.match(r as string, why);
  }
});

test('a request is answered with its declared reply, correlated by id', async () => {
  const replies: WireReply[] = [];
  const h = new IpcHandlers().onRequest(RequestDetail, (p) => ({ row: p.row } as never)).onRequest(RequestPage, () => ({ total: 0, offset: 0, rows: [], stale: false }));
  const m = parseWebviewMessage({ method: 'requestDetail', id: 41, params: { row: 7 } }, ctx);
  assert.ok(typeof m === 'object');
  await h.dispatch(m, (r) => replies.push(r));
  assert.deepEqual(replies, [{ method: 'detail', replyTo: 41, params: { row: 7 } }]);
  const c = parseWebviewMessage({ method: 'undo' }, ctx);
  assert.ok(typeof c === 'object');
  await assert.rejects(h.dispatch(c, () => undefined), /no handler for undo/);
});
