/**
 * Which format adapter reads a path: a .parquet file, or a folder of images (root/<class>/<file>).
 * Anything else is a delimited text or JSON Lines file, read by Table.
 */
import { isDatasetFolder } from './stateDir';
import type { Roles } from '../table/roles';
import type { FormatTable } from './formatTable';
import { isParquetPath } from './parquetFile';
import { openParquet } from './parquetTable';
import { ImageFolderTable } from './imageFolder';
import { folderRoles } from './images';

export function openFormatTable(path: string): FormatTable | undefined {
  if (isParquetPath(path)) return openParquet(path);
  if (isDatasetFolder(path)) return new ImageFolderTable(path);
  return undefined;
}

/**
 * Roles of a format table: fixed for an image folder; inferred from the cells as for CSV otherwise
 * (a Parquet list of floats shows as "[0.1, 0.2, …]", which inference takes for an embedding).
 */
export function formatRoles(table: FormatTable, infer: () => Roles): Roles {
  return table instanceof ImageFolderTable ? folderRoles(table) : infer();
}

