/** A Parquet file opened for review: read as ParquetFile, label edits saved as a new verified file. */
import { readFileSync, statSync } from 'node:fs';
import type { FormatTable } from './formatTable';
import { ParquetFile } from './parquetFile';
import { writeParquetLabels } from './parquetWrite';

export class ParquetTable extends ParquetFile implements FormatTable {
  writeLabels(labelCol: number, changes: ReadonlyMap<number, string>): void {
    writeParquetLabels(this, this.path, labelCol, changes, true);
  }

  writeLabelsTo(target: string, labelCol: number, changes: ReadonlyMap<number, string>): void {
    writeParquetLabels(this, target, labelCol, changes, false);
  }
}

export function openParquet(path: string): ParquetTable {
  const st = statSync(path);
  return new ParquetTable(path, readFileSync(path), { stat: { size: st.size, mtimeMs: st.mtimeMs } });
}
