import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEngineMessage, parseRequest } from '../../src/protocol/engine';

const ok = { type: 'analyze', jobId: 'j1', dataset: { file: '/tmp/x.csv' }, options: { folds: 5 }, outDir: '/tmp/out' };

test('valid requests pass, with their fields', () => {
  const r = parseRequest(ok);
  assert.equal(typeof r, 'object');
  assert.deepEqual(parseRequest({ type: 'cancel', jobId: 'j1' }), { type: 'cancel', jobId: 'j1' });
  assert.equal(typeof parseRequest({ ...ok, type: 'retrain', options: { imbalance: 'focal', labelNames: true } }), 'object');
});

test('hostile or malformed requests are refused with a reason', () => {
  const bad: [unknown, RegExp][] = [
    [null, /not an object/],
    ['analyze', /not an object/],
    [{ ...ok, jobId: '' }, /jobId/],
    [{ ...ok, type: 'rm -rf' }, /unknown message type/],
    [{ ...ok, dataset: {} }, /dataset.file/],
    [{ ...ok, dataset: { file: 'x', label: 3 } }, /dataset.label/],
    [{ ...ok, outDir: undefined }, /outDir/],
    [{ ...ok, options: { folds: 1 } }, /folds/],
    [{ ...ok, options: { epochs: 1.5 } }, /epochs/],
    [{ ...ok, options: { emaDecay: Number.NaN } }, /emaDecay/],
    [{ ...ok, options: { imbalance: 'magic' } }, /imbalance/],
    [{ ...ok, options: { __proto__x: 1 } }, /unknown option/],
  ];
  for (const [msg, why] of bad) {
    const r = parseRequest(msg);
    assert.equal(typeof r, 'string', JSON.stringify(msg));
    assert.match(r as string, why);
  }
});

test('messages from the engine are checked too', () => {
  assert.equal(parseEngineMessage({ type: 'progress', jobId: 'a', fraction: 0.5, message: 'x', phase: 'train' })?.type, 'progress');
  assert.equal(parseEngineMessage({ type: 'result', jobId: 'a', summaryPath: '' }), undefined);
  assert.equal(parseEngineMessage({ type: 'weird' }), undefined);
  assert.equal(parseEngineMessage(42), undefined);
});
