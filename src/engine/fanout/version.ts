/**
 * Which build of Label Lens is running. Bit-identical results need the same code in the plan, every
 * job and the merge: the package version plus a hash of the running bundle (dist/cli.js) and of the
 * fold worker beside it (dist/foldWorker.js, which trains), so two images built from the same
 * sources agree and a rebuilt one is told apart.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { version } from '../../../package.json';

let cached: string | undefined;

export function codeVersion(): string {
  if (cached) return cached;
  // From sources (unit tests under tsx) there is no bundle to hash.
  if (!__filename.endsWith('.js')) return (cached = `${version}+source`);
  const h = createHash('sha256').update(readFileSync(__filename));
  const worker = join(dirname(__filename), 'foldWorker.js');
  if (existsSync(worker)) h.update(readFileSync(worker));
  cached = `${version}+${h.digest('hex').slice(0, 16)}`;
  return cached;
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with sorted keys: the same object always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/**
 * sha256 of a dataset as stored: the bytes already read (a CSV, TSV or JSON Lines table), else the
 * file's bytes (Parquet), else every file of the folder (images) with its relative path, in order.
 */
export function dataSha256(path: string, bytes?: Uint8Array): string {
  if (bytes) return sha256(bytes);
  const h = createHash('sha256');
  const addFile = (p: string) => {
    const fd = openSync(p, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) h.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  };
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name.startsWith('.')) continue; // .label-lens/ and other hidden files are not data
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(dir, e.name), r);
      else if (e.isFile()) { h.update(`${r}\0`); addFile(join(dir, e.name)); h.update('\0'); }
    }
  };
  if (statSync(path).isDirectory()) walk(path, ''); else addFile(path);
  return h.digest('hex');
}
