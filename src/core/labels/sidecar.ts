/**
 * The sidecar `<file>.labels.json`: what does not belong in the user's file — soft targets from
 * smoothing and rows accepted as correct — keyed by row id. Never a new column in the data file.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isDatasetFolder, stateDir } from '../formats/stateDir';
import { atomicWrite } from './atomicWrite';

export interface SidecarRow {
  /** Soft target: class → probability, summing to 1. */
  soft?: Record<string, number>;
  /** How the soft target was made, e.g. "smooth ε=0.1" or "mix 0.5 with ensemble". */
  softHow?: string;
  /** The row was reviewed and its label confirmed. */
  accepted?: boolean;
  time: string;
  reason?: string;
}

export interface Sidecar {
  format: 'label-lens-sidecar';
  version: 1;
  file: string;
  rows: Record<string, SidecarRow>;
}

export function sidecarPath(dataFile: string): string {
  // An image folder keeps it inside, in its .label-lens folder.
  return isDatasetFolder(dataFile) ? join(stateDir(dataFile), 'labels.json') : `${dataFile}.labels.json`;
}

export function emptySidecar(dataFile: string): Sidecar {
  return { format: 'label-lens-sidecar', version: 1, file: basename(dataFile), rows: {} };
}

export function readSidecar(dataFile: string): Sidecar {
  const path = sidecarPath(dataFile);
  if (!existsSync(path)) return emptySidecar(dataFile);
  const text = readFileSync(path, 'utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message}): expected a Label Lens sidecar; fix or move it away`);
  }
  const s = v as Partial<Sidecar>;
  if (!s || s.format !== 'label-lens-sidecar' || s.version !== 1 || typeof s.rows !== 'object' || s.rows === null) {
    throw new Error(`${path}: expected {"format": "label-lens-sidecar", "version": 1, "rows": {...}}`);
  }
  return s as Sidecar;
}

/** Writes the sidecar atomically; `readText` is what was read, so a concurrent change is not lost. */
export function writeSidecar(dataFile: string, sidecar: Sidecar, expected?: Uint8Array): void {
  mkdirSync(dirname(sidecarPath(dataFile)), { recursive: true });
  atomicWrite(sidecarPath(dataFile), Buffer.from(JSON.stringify(sidecar, null, 1) + '\n', 'utf8'), { expected });
}

/** (1−ε)·onehot(given) + ε/K over the classes. */
export function smoothTarget(classes: readonly string[], given: string, epsilon: number): Record<string, number> {
  const k = classes.length;
  const out: Record<string, number> = {};
  for (const c of classes) out[c] = epsilon / k + (c === given ? 1 - epsilon : 0);
  return out;
}
