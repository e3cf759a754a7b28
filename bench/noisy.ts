/**
 * The peer's noisy labels applied to a copy of a shared dataset, through Label Lens's own write path,
 * so that both tools see exactly the same rows and labels. Truth: which rows were flipped.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDataset } from '../src/core/table/dataset';
import { patchLabels } from '../src/core/labels/patch';
import { Table } from '../src/core/table/table';
import { SHARED } from '../test/helpers';

export { SHARED };
export const OUT = join(__dirname, 'out');

export interface NoisyCopy {
  path: string;
  /** 1 where the noisy label differs from the dataset's label, by row. */
  truth: Uint8Array;
}

export function noisyCopy(datasetName: string, run: string): NoisyCopy {
  mkdirSync(OUT, { recursive: true });
  const src = openDataset(join(SHARED, 'data', datasetName, 'data.csv'));
  const noise = new Table('noise.csv', readFileSync(join(SHARED, 'peer', 'noise', `${run}.csv`)));
  const changes = new Map<number, string>();
  const truth = new Uint8Array(src.rowCount);
  for (let i = 0; i < noise.rowCount; i++) {
    const [id, noisy, isError] = noise.row(i);
    const row = src.rowOf(id);
    if (row === undefined) throw new Error(`${run}: id ${id} not in ${datasetName}`);
    if (isError === '1') { truth[row] = 1; changes.set(row, noisy); }
  }
  const path = join(OUT, `${run}.csv`);
  if (!existsSync(path)) writeFileSync(path, patchLabels(src.textTable, src.roles.label!, changes));
  return { path, truth };
}
