/**
 * Where Label Lens keeps its own files for a dataset (journal, sidecar, results): `.label-lens/`
 * beside a data file, or inside an image folder (the dataset's own folder: nothing is written
 * outside it). The folder listing skips dot-folders, so these never count as images.
 */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function isDatasetFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function stateDir(dataPath: string): string {
  return isDatasetFolder(dataPath) ? join(dataPath, '.label-lens') : join(dirname(dataPath), '.label-lens');
}
