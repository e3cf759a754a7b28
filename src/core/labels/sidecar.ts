/**
 * The sidecar `<file>.labels.json`: what does not belong in the user's file — soft targets from
 * smoothing, rows accepted as correct or excluded, reviewers' notes — keyed by row id. Never a new column in the data file.
 */
import { basename } from 'node:path';
import { UserError } from '../errors';
import { readOwnFile, sidecarPath } from './writeProtocol';

export { sidecarPath };

export interface SidecarRow {
  /** Soft target: class → probability, summing to 1. */
  soft?: Record<string, number>;
  /** How the soft target was made, e.g. "smooth ε=0.1" or "mix 0.5 with ensemble". */
  softHow?: string;
  /** The row was reviewed and its label confirmed. */
  accepted?: boolean;
  /** Left out of analyses and retrains (an outlier, boilerplate, a copy): not trained on, not scored. */
  excluded?: boolean;
  /** The reviewer's note on the row (plain text; the editor caps it at MAX_NOTE of src/protocol/webview.ts). */
  note?: string;
  time: string;
  reason?: string;
}

export interface Sidecar {
  format: 'label-lens-sidecar';
  version: 1;
  file: string;
  rows: Record<string, SidecarRow>;
}

export function emptySidecar(dataFile: string): Sidecar {
  return { format: 'label-lens-sidecar', version: 1, file: basename(dataFile), rows: {} };
}

/** The sidecar as read (a symlink in its place is refused), or an empty one when there is none. */
export function readSidecar(dataFile: string, bytes: Buffer | undefined = readOwnFile(sidecarPath(dataFile))): Sidecar {
  const path = sidecarPath(dataFile);
  if (!bytes) return emptySidecar(dataFile);
  const text = bytes.toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new UserError('data', `${path}: not valid JSON (${(err as Error).message}): expected a Label Lens sidecar; fix or move it away`);
  }
  const s = v as Partial<Sidecar>;
  if (!s || s.format !== 'label-lens-sidecar' || s.version !== 1 || typeof s.rows !== 'object' || s.rows === null) {
    throw new UserError('data', `${path}: expected {"format": "label-lens-sidecar", "version": 1, "rows": {...}}`);
  }
  return s as Sidecar;
}

/** The sidecar's bytes as written (through the write protocol, by DocumentState). */
export function sidecarBytes(sidecar: Sidecar): Buffer {
  return Buffer.from(JSON.stringify(sidecar, null, 1) + '\n', 'utf8');
}

/** (1−ε)·onehot(given) + ε/K over the classes. */
export function smoothTarget(classes: readonly string[], given: string, epsilon: number): Record<string, number> {
  const k = classes.length;
  const out: Record<string, number> = {};
  for (const c of classes) out[c] = epsilon / k + (c === given ? 1 - epsilon : 0);
  return out;
}
