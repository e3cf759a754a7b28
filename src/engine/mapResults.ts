/**
 * The embedding map after the results: once a run's summary, arrays and rows.csv are written (and
 * reported, so the user reads the suspects at once), its representation is projected
 * (./projection) and written as the results folder's map file (core/results: packMapFile), through
 * the write protocol like every result file. The map is a picture for the eye, not part of the
 * detection: nothing in the summary or the arrays waits for it.
 */
import { basename } from 'node:path';
import { writeResultFile } from '../core/labels/writeProtocol';
import { packMapFile, resultFiles, type RunKind, type Summary } from '../core/results';
import { mapMethodFor, projectMap, type MapOption, type MapProgress } from './projection';
import type { Representation } from './representation';

/** The summary's `mapFile` when a map is to follow for `rows` rows with this option, else {}. */
export function mapFileEntry(kind: RunKind, option: MapOption, rows: number): Pick<Summary, 'mapFile'> {
  return mapMethodFor(option, rows) && rows >= 3 ? { mapFile: basename(resultFiles('.', kind).map) } : {};
}

export interface MapWritten {
  path: string;
  method: 'umap' | 'pca';
  sample: number;
  rows: number;
  seconds: number;
}

/** Makes the map of the run `summary` (written in `outDir`) and writes its file; undefined when the summary names no map file. */
export async function writeMapAfter(outDir: string, kind: RunKind, summary: Summary, representation: Representation, option: MapOption, seed: number, onProgress: MapProgress = () => {}, check: () => void = () => {}): Promise<MapWritten | undefined> {
  if (!summary.mapFile) return undefined;
  const map = await projectMap(representation, option, seed, onProgress, check);
  if (!map) return undefined;
  check();
  const path = resultFiles(outDir, kind).map;
  const { source, description, dim } = representation;
  writeResultFile(path, packMapFile({ run: summary.createdAt, rows: summary.rows, map: { method: map.method, sample: map.sample, seconds: map.seconds, representation: { source, description, dim } } }, map.x, map.y));
  return { path, method: map.method, sample: map.sample, rows: summary.rows, seconds: map.seconds };
}
