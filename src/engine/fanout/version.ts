/**
 * Which build of Label Lens is running. Bit-identical results need the same code in the plan, every
 * job and the merge: the package version plus a hash of the running bundle (dist/cli.js), so two
 * images built from the same sources agree and a rebuilt one is told apart.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { version } from '../../../package.json';

let cached: string | undefined;

export function codeVersion(): string {
  if (cached) return cached;
  // From sources (unit tests under tsx) there is no bundle to hash.
  cached = __filename.endsWith('.js') ? `${version}+${sha256(readFileSync(__filename)).slice(0, 16)}` : `${version}+source`;
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
