/**
 * Text embeddings from a pretrained sentence encoder (--encoder NAME_OR_PATH), in the engine child.
 * transformers.js (@huggingface/transformers, on ONNX Runtime) is an optional part: it is never
 * bundled and is loaded only when an encoder is asked for, from node_modules (the CLI installed with
 * npm) or from a runtime folder (the extension's global storage; see README "Bring your own model").
 * A model is a local folder (config.json, tokenizer.json, onnx/model.onnx) or a Hugging Face id,
 * downloaded once into the model cache, with progress and cancel. Texts are encoded in batches,
 * mean-pooled over the attention mask and L2-normalised (what sentence-transformers models such as
 * paraphrase-multilingual-MiniLM-L12-v2 and all-MiniLM-L6-v2 prescribe), and the matrix is cached
 * per file content hash and model, so a second analysis of the same file does not re-encode.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { UserError } from '../../core/errors';
import { atomicWrite } from '../../core/labels/atomicWrite';
import { readNpy, writeNpy } from '../../core/predictions/npy';

export interface EncodeOptions {
  /** A local folder or a Hugging Face model id. */
  model: string;
  /** Where downloaded models go (default: $LABEL_LENS_MODEL_CACHE or ~/.cache/label-lens/models). */
  modelCache?: string;
  /** Folder with node_modules/@huggingface/transformers, when it is not installed beside Label Lens. */
  runtimeDir?: string;
  /** Where encoded matrices are cached (the dataset's .label-lens folder). */
  cacheDir: string;
  /** Content hash of the data file (with the text column), the cache key. */
  contentKey: string;
  batch?: number;
  onProgress?: (fraction: number, message: string) => void;
  cancelled?: () => boolean;
}

export interface Encoded {
  x: Float32Array;
  dim: number;
  /** The model as named by the user. */
  model: string;
  /** True when read from the cache. */
  cached: boolean;
  cachePath: string;
  seconds: number;
}

/** The parts of transformers.js used here (typed loosely: the package is optional). */
interface Transformers {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; remoteHost: string; cacheDir: string; fetch: typeof fetch; logLevel: number };
  pipeline: (task: string, model: string, opts: Record<string, unknown>) => Promise<FeatureExtractor>;
}
type FeatureExtractor = ((texts: string[], opts: Record<string, unknown>) => Promise<{ dims: number[]; data: Float32Array }>) & { dispose?: () => Promise<void> };

export function defaultModelCache(): string {
  return process.env.LABEL_LENS_MODEL_CACHE ?? join(homedir(), '.cache', 'label-lens', 'models');
}

const INSTALL_HINT = 'install it where Label Lens is installed with `ONNXRUNTIME_NODE_INSTALL=skip npm install @huggingface/transformers`, or into a folder of its own (`npm install --prefix DIR @huggingface/transformers`, the same variable set) named by LABEL_LENS_ENCODER_RUNTIME=DIR; the extension looks in its global storage folder, under encoder-runtime';

/** Loads transformers.js from node_modules or from `runtimeDir`; a clear error when it is absent. */
export function loadTransformers(runtimeDir?: string): Transformers {
  const tries: (() => unknown)[] = [];
  if (runtimeDir) tries.push(() => createRequire(join(resolve(runtimeDir), 'package.json'))('@huggingface/transformers'));
  if (process.env.LABEL_LENS_ENCODER_RUNTIME) tries.push(() => createRequire(join(resolve(process.env.LABEL_LENS_ENCODER_RUNTIME!), 'package.json'))('@huggingface/transformers'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  tries.push(() => require('@huggingface/transformers'));
  let last: unknown;
  for (const t of tries) {
    try { return t() as Transformers; } catch (err) { last = err; }
  }
  const code = (last as NodeJS.ErrnoException | undefined)?.code;
  // Not found = the package itself; a missing dependency of it is a broken install, said as such.
  const absent = code === 'MODULE_NOT_FOUND' && /Cannot find module '@huggingface\/transformers'/.test((last as Error).message);
  throw new UserError('usage', absent
    ? `the text encoder needs @huggingface/transformers, which is not installed (it is an optional part, left out of the default install to keep it small): ${INSTALL_HINT}`
    : `the text encoder runtime (@huggingface/transformers) failed to load: ${(last as Error).message}`);
}

/** A local model folder (absolute, ./relative or ~) rather than a Hugging Face id. */
export function isLocalModel(name: string): boolean {
  return isAbsolute(name) || name.startsWith('.') || name.startsWith('~') || /^[A-Za-z]:[\\/]/.test(name) || (existsSync(name) && statSync(name).isDirectory());
}

function checkLocalFolder(dir: string, name: string): void {
  if (!existsSync(dir)) throw new UserError('not-found', `encoder "${name}": no such folder ${dir} (expected a folder with config.json, tokenizer.json and onnx/model.onnx, or a Hugging Face model id such as Xenova/paraphrase-multilingual-MiniLM-L12-v2)`, { file: dir });
  if (!statSync(dir).isDirectory()) throw new UserError('not-found', `encoder "${name}": ${dir} is a file: expected a model folder (config.json, tokenizer.json, onnx/model.onnx)`, { file: dir });
  const missing = ['config.json', 'tokenizer.json', join('onnx', 'model.onnx')].filter((f) => !existsSync(join(dir, f)));
  if (missing.length) throw new UserError('not-found', `encoder "${name}": ${dir} has no ${missing.join(', ')}: expected a transformers.js model folder (an ONNX export, e.g. from the Xenova/ models on the Hub)`, { file: dir });
  let config: { architectures?: string[] };
  try { config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as typeof config; } catch (err) {
    throw new UserError('data', `encoder "${name}": ${join(dir, 'config.json')} is not valid JSON (${(err as Error).message})`, { file: join(dir, 'config.json') });
  }
  const head = config.architectures?.find((a) => /For(SequenceClassification|TokenClassification|QuestionAnswering|CausalLM|MaskedLM|ConditionalGeneration)$/.test(a));
  if (head) throw new UserError('usage', `encoder "${name}" is a ${head} model, not a feature-extraction (sentence embedding) model: use its base encoder or a sentence encoder`);
}

/** The system error code (ECONNREFUSED, ENOTFOUND…) somewhere in a fetch error's causes. */
function networkCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown; errors?: unknown[] } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) return e.code;
    const next = e.cause ?? e.errors?.[0];
    e = next as typeof e;
  }
  return undefined;
}

/** The error to show for a failure while loading or running the model. */
function loaderError(err: unknown, name: string, local: boolean): unknown {
  if (err instanceof UserError) return err;
  const e = err as Error;
  const msg = e?.message ?? String(err);
  if (e?.name === 'AbortError') return new UserError('cancelled', 'cancelled while downloading the encoder');
  const code = networkCode(err);
  if (!local && (/fetch failed|network/i.test(msg) || code)) {
    const host = process.env.HF_ENDPOINT ? `${process.env.HF_ENDPOINT} (HF_ENDPOINT)` : 'huggingface.co';
    return new UserError('usage', `encoder "${name}": cannot download it from ${host} (no network here: ${code ?? msg}). Download the model folder on a machine with network (config.json, tokenizer.json, onnx/model.onnx) and pass its path to --encoder, or copy it into the model cache ${defaultModelCache()}`);
  }
  if (/Could not locate file|404|not found|Unauthorized|401/i.test(msg)) {
    return new UserError('not-found', `encoder "${name}": no such model on the Hugging Face Hub, or it has no ONNX weights for transformers.js (${msg}). Models meant: Xenova/paraphrase-multilingual-MiniLM-L12-v2 (Chinese + English), Xenova/all-MiniLM-L6-v2 (English)`);
  }
  return new UserError('usage', `encoder "${name}" could not be loaded as a feature-extraction model: ${msg}`);
}

/**
 * Removes partly downloaded files of a model (transformers.js streams each file into
 * `FILE.tmp.PID.RANDOM` and renames it when complete): this process's after a cancel or a failed
 * download (a parallel file's cleanup may not have run when the load rejects), and those of processes
 * no longer running (an engine killed mid-download). Complete files are never touched.
 */
export function sweepPartialDownloads(dir: string, ownPid?: number): number {
  if (!existsSync(dir)) return 0;
  let removed = 0;
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const m = /\.tmp\.(\d+)\.[a-z0-9]+$/.exec(f);
    if (!m) continue;
    const pid = Number(m[1]);
    let gone = false;
    if (pid !== ownPid) { try { process.kill(pid, 0); } catch (err) { gone = (err as NodeJS.ErrnoException).code === 'ESRCH'; } }
    if (pid === ownPid || gone) { rmSync(join(dir, f), { force: true }); removed++; }
  }
  return removed;
}

/**
 * After a download failed or was cancelled: this process's partial files, swept until none has
 * appeared for two looks in a row (at most `limitMs`). The load rejects as soon as one file's
 * fetch does, while the library's other files are still opening their `.tmp` streams or unlinking
 * them; one sweep at that moment left such a file behind under load (a tokenizer_config.json.tmp
 * seen at load 13). A file completed meanwhile is renamed whole by the library, never partial.
 */
export async function settlePartialDownloads(dir: string, limitMs = 1000): Promise<void> {
  const until = performance.now() + limitMs;
  for (let quiet = 0; quiet < 2 && performance.now() < until;) {
    quiet = sweepPartialDownloads(dir, process.pid) === 0 ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** transformers.js's fetch before the first job replaced it, per loaded copy of the library. */
const baseFetches = new WeakMap<object, typeof fetch>();

const cacheSlug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-60);

/** Embeds `count` texts; the result is cached under `cacheDir`. */
export async function encodeTexts(textOf: (i: number) => string, count: number, opts: EncodeOptions): Promise<Encoded> {
  const t0 = performance.now();
  const local = isLocalModel(opts.model);
  const modelPath = local ? resolve(opts.model.replace(/^~(?=$|[\\/])/, homedir())) : opts.model;
  // The key names the model by what it is: a local folder by its weights' hash, an id by its name.
  const modelKey = local ? (checkLocalFolder(modelPath, opts.model), createHash('sha256').update(readFileSync(join(modelPath, 'onnx', 'model.onnx'))).update(readFileSync(join(modelPath, 'tokenizer.json'))).digest('hex').slice(0, 16)) : opts.model;
  const key = createHash('sha256').update(opts.contentKey).update('\0').update(modelKey).update('\0mean-normalized').digest('hex').slice(0, 24);
  const cachePath = join(opts.cacheDir, `${cacheSlug(local ? modelPath.split(/[\\/]/).pop()! : opts.model)}-${key}.npy`);
  if (existsSync(cachePath)) {
    try {
      const arr = readNpy(readFileSync(cachePath), cachePath);
      if (arr.shape[0] === count) {
        opts.onProgress?.(1, `embeddings read from the cache (${cachePath})`);
        return { x: Float32Array.from(arr.data), dim: arr.shape[1], model: opts.model, cached: true, cachePath, seconds: (performance.now() - t0) / 1000 };
      }
    } catch {
      // A damaged cache file is re-encoded below and replaced.
    }
  }

  const tf = loadTransformers(opts.runtimeDir);
  const abort = new AbortController();
  const timer = setInterval(() => { if (opts.cancelled?.()) abort.abort(); }, 200);
  // The library's own fetch, kept from the first job: wrapping the previous job's wrapper would
  // carry its (perhaps aborted) signal into this one.
  if (!baseFetches.has(tf.env)) baseFetches.set(tf.env, tf.env.fetch ?? fetch);
  const baseFetch = baseFetches.get(tf.env)!;
  tf.env.fetch = ((url: string | URL | Request, init?: RequestInit) => baseFetch(url, { ...init, signal: abort.signal })) as typeof fetch;
  tf.env.allowLocalModels = true;
  tf.env.allowRemoteModels = !local;
  // HF_ENDPOINT: a mirror of the Hub, as the Python libraries read it.
  if (process.env.HF_ENDPOINT) tf.env.remoteHost = process.env.HF_ENDPOINT.replace(/\/?$/, '/');
  tf.env.cacheDir = opts.modelCache ?? defaultModelCache();
  tf.env.logLevel = 40; // errors only: warnings would go to the engine's stderr
  let extractor: FeatureExtractor;
  const modelCacheDir = local ? undefined : join(tf.env.cacheDir, opts.model);
  try {
    mkdirSync(tf.env.cacheDir, { recursive: true });
    if (modelCacheDir) sweepPartialDownloads(modelCacheDir);
    const files = new Map<string, { loaded: number; total: number; cached: boolean }>();
    extractor = await tf.pipeline('feature-extraction', modelPath, {
      dtype: 'fp32',
      progress_callback: (p: { status: string; file?: string; loaded?: number; total?: number }) => {
        if (p.status !== 'progress' || !p.file || !p.total) return;
        // transformers.js reports reading a cached file as it reports a download: whether the file
        // was in the model cache when first seen says which it is (a download lands there at its end).
        const seen = files.get(p.file);
        const cached = seen ? seen.cached : !local && existsSync(join(modelCacheDir!, p.file));
        files.set(p.file, { loaded: p.loaded ?? 0, total: p.total, cached });
        const loaded = [...files.values()].reduce((a, f) => a + f.loaded, 0);
        const total = [...files.values()].reduce((a, f) => a + f.total, 0);
        const what = local ? `loading ${opts.model}` : [...files.values()].every((f) => f.cached) ? `loading ${opts.model} from the model cache` : `downloading ${opts.model}`;
        opts.onProgress?.(0, `${what}: ${(loaded / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`);
      },
    });
  } catch (err) {
    clearInterval(timer);
    if (modelCacheDir) await settlePartialDownloads(modelCacheDir);
    throw loaderError(err, opts.model, local);
  }
  try {
    const batch = opts.batch ?? 32;
    let dim = 0;
    let x = new Float32Array(0);
    for (let from = 0; from < count; from += batch) {
      if (opts.cancelled?.()) throw new UserError('cancelled', 'cancelled while encoding');
      const texts = Array.from({ length: Math.min(batch, count - from) }, (_, j) => textOf(from + j) || ' ');
      let out;
      try { out = await extractor(texts, { pooling: 'mean', normalize: true }); } catch (err) {
        throw new UserError('usage', `encoder "${opts.model}" is not a feature-extraction model: running it failed (${(err as Error).message}); expected a sentence encoder whose output is last_hidden_state [batch, tokens, hidden]`);
      }
      if (out.dims.length !== 2 || out.dims[0] !== texts.length) {
        throw new UserError('usage', `encoder "${opts.model}" is not a feature-extraction model: its pooled output has shape [${out.dims.join(', ')}], expected [${texts.length}, hidden]`);
      }
      if (!dim) { dim = out.dims[1]; x = new Float32Array(count * dim); }
      x.set(out.data.subarray(0, texts.length * dim), from * dim);
      const done = from + texts.length;
      opts.onProgress?.(done / count, `encoding texts with ${opts.model}: ${done} of ${count}`);
    }
    mkdirSync(opts.cacheDir, { recursive: true });
    atomicWrite(cachePath, writeNpy([count, dim], x));
    return { x, dim, model: opts.model, cached: false, cachePath, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    throw loaderError(err, opts.model, local);
  } finally {
    clearInterval(timer);
    await extractor.dispose?.();
  }
}
