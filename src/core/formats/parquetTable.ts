/** A Parquet file opened for review: read as ParquetFile, label edits saved as a new verified file. */
import { basename } from 'node:path';
import type { FormatTable } from './formatTable';
import { fileSource, ParquetFile } from './parquetFile';
import { writeParquetLabels } from './parquetWrite';

export class ParquetTable extends ParquetFile implements FormatTable {
  writeLabels(labelCol: number, changes: ReadonlyMap<number, string>): void {
    writeParquetLabels(this, this.path, labelCol, changes, true);
  }

  reopened(): ParquetTable {
    return openParquet(this.path);
  }

  writeLabelsTo(target: string, labelCol: number, changes: ReadonlyMap<number, string>): void {
    writeParquetLabels(this, target, labelCol, changes, false);
  }
}

export function openParquet(path: string): ParquetTable {
  const source = fileSource(path, basename(path));
  return new ParquetTable(path, source, { stat: source.stat });
}
