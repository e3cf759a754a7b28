import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { encodeTexts, settlePartialDownloads, sweepPartialDownloads } from '../../src/engine/featurize/encoder';
import { UserError } from '../../src/core/errors';
import { openDataset } from '../../src/core/table/dataset';
import { wordVectors, writeTinyEncoder } from '../fixtures/tinyEncoder';
import { ROOT, dataset, tempDir } from '../helpers';

/** 200 real ag_news texts and a tiny encoder over their words. */
function setup(dir: string) {
  const ds = openDataset(dataset('ag_news_test'));
  const texts = Array.from({ length: 200 }, (_, i) => ds.table.cell(i, ds.roles.text!));
  const words = texts.flatMap((t) => t.toLowerCase().match(/[a-z]+/g) ?? []);
  const model = writeTinyEncoder(join(dir, 'tiny-model'), { words, dim: 16 });
  return { texts, model };
}

async function expectError(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => { assert.ok(e instanceof UserError, String(e)); assert.match((e as Error).message, re); return true; });
}

test('encoder: a generated model loads, tokenizes, runs, mean-pools and normalises; the result is cached per content', async (t) => {
  const dir = tempDir(t);
  const { texts, model } = setup(dir);
  const opts = { model: model.dir, cacheDir: join(dir, 'cache'), contentKey: 'file-hash-1', batch: 64 };
  const first = await encodeTexts((i) => texts[i], texts.length, opts);
  assert.equal(first.dim, 16);
  assert.equal(first.cached, false);
  assert.equal(first.x.length, texts.length * 16);
  for (let i = 0; i < texts.length; i++) {
    const n = Math.hypot(...first.x.subarray(i * 16, i * 16 + 16));
    assert.ok(Math.abs(n - 1) < 1e-4, `row ${i} norm ${n}`);
  }
  // Mean pooling by hand: the normalised sum of the word vectors (special tokens are zero vectors).
  const W = wordVectors(Object.keys(model.vocab).length, 16, model.seed);
  const probeText = texts[0].split(/\s+/).slice(0, 4).join(' ');
  const words = (probeText.toLowerCase().match(/[a-z]+|[^a-z\s]/g) ?? []).map((w) => model.vocab[w] ?? 1);
  const sum = Array.from({ length: 16 }, (_, d) => words.reduce((s, id) => s + W[id * 16 + d], 0));
  const norm = Math.hypot(...sum);
  const probe = await encodeTexts(() => probeText, 1, { ...opts, contentKey: 'probe' });
  probe.x.forEach((v, d) => assert.ok(Math.abs(v - sum[d] / norm) < 1e-5, `dim ${d}: ${v} vs ${sum[d] / norm}`));

  const again = await encodeTexts(() => { throw new Error('must not re-encode'); }, texts.length, opts);
  assert.equal(again.cached, true);
  assert.deepEqual(again.x, first.x);
  assert.ok(existsSync(again.cachePath));
  // Another file content: encoded again.
  const other = await encodeTexts((i) => texts[(i + 1) % texts.length], texts.length, { ...opts, contentKey: 'file-hash-2' });
  assert.equal(other.cached, false);
  assert.notEqual(other.cachePath, first.cachePath);
});

test('encoder: clear errors for a missing folder, a missing file, a classification model, no network, a pooled head', async (t) => {
  const dir = tempDir(t);
  const { model } = setup(dir);
  const base = { cacheDir: join(dir, 'cache'), contentKey: 'k' };
  await expectError(encodeTexts(() => 'x', 1, { ...base, model: join(dir, 'nope') }), /no such folder .*nope \(expected a folder with config\.json, tokenizer\.json and onnx\/model\.onnx/);
  rmSync(join(model.dir, 'tokenizer.json'));
  await expectError(encodeTexts(() => 'x', 1, { ...base, model: model.dir }), /has no tokenizer\.json/);
  const cls = writeTinyEncoder(join(dir, 'cls'), { words: ['a', 'b'] }).dir;
  const cfg = JSON.parse(readFileSync(join(cls, 'config.json'), 'utf8'));
  writeFileSync(join(cls, 'config.json'), JSON.stringify({ ...cfg, architectures: ['BertForSequenceClassification'] }));
  await expectError(encodeTexts(() => 'a b', 1, { ...base, model: cls }), /BertForSequenceClassification model, not a feature-extraction/);
  const pooled = writeTinyEncoder(join(dir, 'pooled'), { words: ['a', 'b'], pooledHead: true }).dir;
  await expectError(encodeTexts(() => 'a b', 1, { ...base, model: pooled }), /not a feature-extraction model/);
  // A Hub id with the Hub unreachable (a just-closed local port stands in for "no network").
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  await new Promise((ok) => server.close(ok));
  const saved = process.env.HF_ENDPOINT;
  process.env.HF_ENDPOINT = `http://127.0.0.1:${port}`;
  t.after(() => { if (saved === undefined) delete process.env.HF_ENDPOINT; else process.env.HF_ENDPOINT = saved; });
  await expectError(encodeTexts(() => 'x', 1, { ...base, model: 'Xenova/all-MiniLM-L6-v2', modelCache: join(dir, 'models') }), /cannot download it from http:\/\/127\.0\.0\.1:\d+ \(HF_ENDPOINT\) \(no network here: ECONNREFUSED\)/);
});

test('encoder: partly downloaded model files are swept (this process\'s after a cancel, dead processes\'), complete files kept', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const own = join(dir, 'onnx', `model.onnx.tmp.${process.pid}.k3j9`);
  const dead = join(dir, `tokenizer.json.tmp.${2 ** 22 + 7}.a1`); // above Linux's pid_max: no such process
  const live = join(dir, `config.json.tmp.${process.ppid}.zz`); // a running process: perhaps downloading now
  const done = join(dir, 'tokenizer.json');
  for (const f of [own, dead, live, done]) writeFileSync(f, 'x');
  sweepPartialDownloads(dir);
  assert.deepEqual([existsSync(own), existsSync(dead), existsSync(live), existsSync(done)], [true, false, true, true]);
  sweepPartialDownloads(dir, process.pid);
  assert.deepEqual([existsSync(own), existsSync(live), existsSync(done)], [false, true, true]);
});

test('encoder: after a failed load, partial files another download opens a moment later are swept too; a file completed meanwhile stays', async (t) => {
  const dir = tempDir(t);
  const early = join(dir, `config.json.tmp.${process.pid}.e1`);
  const late = join(dir, `tokenizer_config.json.tmp.${process.pid}.l2`);
  const whole = join(dir, 'tokenizer.json');
  writeFileSync(early, 'x');
  // As the library's parallel file does: its stream opens after the load has rejected.
  setTimeout(() => writeFileSync(late, 'x'), 30);
  setTimeout(() => writeFileSync(whole, '{}'), 60);
  await settlePartialDownloads(dir);
  assert.deepEqual([existsSync(early), existsSync(late), existsSync(whole)], [false, false, true]);
});

test('encoder runtime stays out of the bundles: the engine requires @huggingface/transformers at run time and holds none of it', () => {
  const engine = readFileSync(join(ROOT, 'dist', 'engine.js'), 'utf8');
  assert.match(engine, /require\("@huggingface\/transformers"\)/);
  for (const f of ['engine.js', 'cli.js', 'extension.js', 'foldWorker.js']) {
    const js = readFileSync(join(ROOT, 'dist', f), 'utf8');
    // remotePathTemplate: a default of transformers.js's env; InferenceSession: ONNX Runtime's API.
    assert.doesNotMatch(js, /remotePathTemplate|InferenceSession/, `${f} bundles transformers.js or ONNX Runtime`);
  }
});
