/**
 * Which format adapter reads a path: a .parquet file, or a folder of images (root/<class>/<file>).
 * Anything else is a delimited text or JSON Lines file, read by Table.
 */
import { statSync } from 'node:fs';
import type { RoleOverrides, Roles } from '../table/roles';
import type { FormatTable } from './formatTable';
import { isParquetPath } from './parquetFile';
import { openParquet } from './parquetTable';

export function openFormatTable(path: string): FormatTable | undefined {
  if (isParquetPath(path)) return openParquet(path);
  return undefined;
}

/** A row as role inference should see it: vector columns blank, so they are never taken for text, ids or labels. */
export function sampleRow(table: FormatTable, i: number): string[] {
  return table.header.map((_, c) => (table.vectorDim?.(c) !== undefined ? '' : table.cell(i, c)));
}

/** Roles after inference: embeddings become the features when there is no text to learn from. */
export function finishRoles(table: FormatTable, roles: Roles, overrides: RoleOverrides): Roles {
  if (overrides.features || roles.text !== undefined) return roles;
  const vectors = table.header.map((_, c) => c).filter((c) => c !== roles.id && c !== roles.label && table.vectorDim?.(c) !== undefined);
  if (!vectors.length) return roles;
  const dims = vectors.map((c) => table.vectorDim!(c)!);
  return {
    ...roles,
    features: [...vectors, ...roles.features],
    why: { ...roles.why, features: `${vectors.map((c, k) => `"${table.header[c]}" (vectors of ${dims[k]} numbers)`).join(', ')}${roles.features.length ? ` and ${roles.features.length} numeric columns` : ''}` },
  };
}

export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
