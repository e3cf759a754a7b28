/**
 * --encoder with a Hugging Face model id, through the real download path of transformers.js: the
 * tiny generated model is served by a local HTTP server laid out like the Hub
 * (/{model}/resolve/{revision}/{file}), named by HF_ENDPOINT, so the engine downloads it as it
 * would from huggingface.co. Checks what a user sees: download progress in the engine's progress
 * messages, a cancel mid-download that leaves no half-written file in the model cache, a second
 * run that needs no network (model from the model cache), and a clear error with no network.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EngineClient, EngineError } from '../../src/client/engineClient';
import type { ProgressMessage, TrainOptions } from '../../src/protocol/engine';
import { openDataset } from '../../src/core/table/dataset';
import { quoteIfNeeded } from '../../src/core/table/csv';
import { writeTinyEncoder } from '../fixtures/tinyEncoder';
import { ROOT, dataset, tempDir } from '../helpers';

const ENGINE = join(ROOT, 'dist', 'engine.js');
const MODEL = 'label-lens-test/tiny-encoder';

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile()).map((f) => f.split('\\').join('/')).sort();
}

interface Hub {
  url: string;
  server: Server;
  requests: string[];
  /** While set, model.onnx is sent in part and the response then stalls (a slow download). */
  stall: boolean;
  close: () => Promise<void>;
}

/** A Hub stand-in serving `modelDir` as MODEL at revision main. */
async function serveHub(modelDir: string): Promise<Hub> {
  const hub = { requests: [] as string[], stall: false } as Hub;
  const open = new Set<import('node:net').Socket>();
  hub.server = createServer((req, res) => {
    hub.requests.push(`${req.method} ${req.url}`);
    const prefix = `/${MODEL}/resolve/main/`;
    const file = req.url?.startsWith(prefix) ? decodeURIComponent(req.url.slice(prefix.length)) : undefined;
    const path = file && !file.includes('..') ? join(modelDir, file) : undefined;
    if (!path || !existsSync(path)) { res.writeHead(404).end('Entry not found'); return; }
    const body = readFileSync(path);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    if (req.method === 'HEAD') { res.end(); return; }
    if (hub.stall && file === 'onnx/model.onnx') { res.write(body.subarray(0, body.length >> 1)); return; }
    res.end(body);
  });
  hub.server.on('connection', (s) => { open.add(s); s.on('close', () => open.delete(s)); });
  await new Promise<void>((ok) => hub.server.listen(0, '127.0.0.1', ok));
  hub.url = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
  hub.close = () => new Promise<void>((ok) => { for (const s of open) s.destroy(); hub.server.close(() => ok()); });
  return hub;
}

/** 300 ag_news rows as a CSV; `offset` picks other rows (another file content). */
function agNews(dir: string, name: string, offset = 0): { file: string; words: string[] } {
  const src = openDataset(dataset('ag_news_test'));
  const lines = ['id,text,label'];
  const words: string[] = [];
  for (let i = offset; i < offset + 300; i++) {
    const [id, text, label] = src.table.row(i);
    lines.push([id, quoteIfNeeded(text, ',', false), label].join(','));
  }
  for (let i = 0; i < 600; i++) words.push(...(src.table.row(i)[1].toLowerCase().match(/[a-z]+/g) ?? []));
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return { file, words };
}

function analyze(c: EngineClient, file: string, outDir: string, options: Partial<TrainOptions>, onProgress?: (p: ProgressMessage) => void) {
  return c.run({ type: 'analyze', dataset: { file }, options: { folds: 3, epochs: 2, workers: 1, ...options }, outDir }, onProgress);
}

test('--encoder with a Hub id: download with progress, cancel leaves no partial file, the cache serves the next run, no network is a clear error', async (t) => {
  const dir = tempDir(t);
  const first = agNews(dir, 'a.csv');
  const model = writeTinyEncoder(join(dir, 'served-model'), { words: first.words, dim: 32 });
  const hub = await serveHub(model.dir);
  t.after(() => hub.close());
  const cache = join(dir, 'model-cache');
  const env = { ...process.env, HF_ENDPOINT: hub.url, LABEL_LENS_MODEL_CACHE: cache };
  const c = new EngineClient({ enginePath: ENGINE, env });
  t.after(() => c.dispose());

  // 1. Cancel while model.onnx is half sent: the job stops as cancelled, nothing half-written stays.
  hub.stall = true;
  const seen: ProgressMessage[] = [];
  const job = analyze(c, first.file, join(dir, 'out-cancel'), { encoder: MODEL }, (p) => {
    seen.push(p);
    if (/downloading .*: [\d.]+ of [\d.]+ MB/.test(p.message ?? '') && hub.requests.some((r) => r.endsWith('onnx/model.onnx'))) c.cancel();
  });
  await assert.rejects(job.done, (e: unknown) => { assert.ok(e instanceof EngineError, String(e)); assert.equal((e as EngineError).code, 'cancelled', (e as Error).message); return true; });
  const progress = seen.filter((p) => /^downloading label-lens-test\/tiny-encoder: [\d.]+ of [\d.]+ MB$/.test(p.message ?? ''));
  assert.ok(progress.length > 0, `download progress among ${seen.map((p) => p.message).join(' | ')}`);
  assert.ok(progress.every((p) => p.phase === 'featurize'), 'download progress is in the featurize phase');
  const afterCancel = filesUnder(cache);
  assert.ok(!afterCancel.some((f) => f.endsWith('model.onnx') || /\.tmp\b/.test(f)), `no partial model file in the cache: ${afterCancel.join(', ')}`);
  assert.ok(!existsSync(join(dir, 'out-cancel', 'summary.json')), 'no results from a cancelled run');

  // 2. The full download: the model lands in the cache, byte for byte, and the run finishes.
  hub.stall = false;
  const res = await analyze(c, first.file, join(dir, 'out-1'), { encoder: MODEL }).done;
  const files = filesUnder(cache).map((f) => relative(MODEL, f));
  for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) assert.ok(files.includes(f), `${f} cached: ${files.join(', ')}`);
  assert.deepEqual(readFileSync(join(cache, MODEL, 'onnx', 'model.onnx')), readFileSync(join(model.dir, 'onnx', 'model.onnx')));
  const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8'));
  assert.equal(summary.probabilities.embeddings.encoder, MODEL);
  assert.equal(summary.probabilities.embeddings.dim, 32);

  // 3. No network any more: another file (so the embeddings cache cannot answer) still encodes,
  //    the model coming from the model cache.
  await hub.close();
  const before = hub.requests.length;
  const second = agNews(dir, 'b.csv', 300);
  const offline: string[] = [];
  const res2 = await analyze(c, second.file, join(dir, 'out-2'), { encoder: MODEL }, (p) => offline.push(p.message ?? '')).done;
  assert.ok(offline.some((m) => /^loading label-lens-test\/tiny-encoder from the model cache: [\d.]+ of [\d.]+ MB$/.test(m)), 'says it reads the cache');
  assert.ok(!offline.some((m) => m.startsWith('downloading')), 'says nothing of a download');
  assert.equal(JSON.parse(readFileSync(res2.summaryPath, 'utf8')).probabilities.embeddings.cached, false, 'encoded, not read from the embeddings cache');
  assert.equal(hub.requests.length, before, 'no request once the model is cached');

  // 4. No network and nothing cached (another model cache, another file): a clear error that says what to do.
  const third = agNews(dir, 'c.csv', 600);
  const c2 = new EngineClient({ enginePath: ENGINE, env: { ...env, LABEL_LENS_MODEL_CACHE: join(dir, 'empty-cache') } });
  t.after(() => c2.dispose());
  await assert.rejects(analyze(c2, third.file, join(dir, 'out-3'), { encoder: MODEL }).done, (e: unknown) => {
    assert.ok(e instanceof EngineError, String(e));
    assert.match((e as Error).message, /encoder "label-lens-test\/tiny-encoder": cannot download it from http:\/\/127\.0\.0\.1:\d+ \(HF_ENDPOINT\) \(no network here: ECONNREFUSED\)\. Download the model folder on a machine with network/);
    return true;
  });
});
