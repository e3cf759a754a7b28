/**
 * Datasets of image files: a folder (root/<class>/<file>) or a CSV/JSONL whose column holds image
 * paths relative to the file. Both give every row an image path; roles say so with `images`, and
 * the pixels come from decoding the files (src/engine/images.ts for training, `thumbnail` here for
 * the review editor).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { RoleOverrides, Roles } from '../table/roles';
import type { Table } from '../table/table';
import type { FormatTable } from './formatTable';
import { checkImageFile, decodeGrey, kindOfName, modelSize, resizeGrey, webpSize, type GreyImage } from './imageDecode';
import { ImageFolderTable, isImageSource, type ImageSource } from './imageFolder';

const IMAGE_PATH = /\.(png|jpe?g|webp)$/i;

/** Model input size from the first image that decodes (others are resized to it); 32×32 when none does. */
function inputSize(source: ImageSource, n: number, damaged: Uint8Array): { width: number; height: number } {
  for (let i = 0; i < Math.min(n, 50); i++) {
    if (damaged[i]) continue;
    const p = source.imagePath(i);
    const kind = kindOfName(p);
    if (!kind) continue;
    try {
      const bytes = readFileSync(p);
      // WebP is decoded in the engine (sharp); its header gives the size.
      const img = kind === 'webp' ? webpSize(bytes) : decodeGrey(bytes, kind);
      if (!img) continue;
      return modelSize(img.width, img.height);
    } catch {
      continue;
    }
  }
  return { width: 32, height: 32 };
}

/** Roles of an image folder: path = id, label = class folder, pixels from the files. */
export function folderRoles(t: ImageFolderTable): Roles {
  const { width, height } = inputSize(t, t.rowCount, t.index.damaged);
  return {
    id: 0, label: 1, features: [], pixels: { columns: [], width, height }, images: { column: 0 },
    why: {
      id: 'an image\'s id is its path relative to the folder', label: 'the class is the sub-folder each image is in',
      text: 'an image folder has no text', features: 'pixels are decoded from the image files',
      pixels: `images decoded and resized to ${width}×${height} grey levels for the model`, embedding: 'an image folder has no embedding column',
    },
  };
}

/** A column of a text table holding image paths relative to the table's file. */
class PathColumn implements ImageSource {
  private readonly base: string;
  constructor(private readonly table: Table, private readonly column: number) {
    this.base = dirname(resolve(table.path));
  }

  imagePath(i: number): string {
    return join(this.base, this.table.cell(i, this.column).trim());
  }

  /** Why the path of row `i` is refused (outside the dataset's folder), else undefined. */
  unsafe(i: number): string | undefined {
    const cell = this.table.cell(i, this.column).trim();
    if (cell === '') return 'has no image path';
    const rel = relative(this.base, join(this.base, cell));
    if (isAbsolute(cell) || rel.startsWith('..') || isAbsolute(rel)) return `image path "${cell}" leads outside the dataset's folder; expected a path relative to the file`;
    return undefined;
  }
}

/**
 * For a CSV or JSON Lines file: when a column holds image paths (nine in ten sampled values end in
 * .png, .jpg, .jpeg or .webp), the rows are images. Checks every image (header and end) and
 * reports the broken ones on their line, so they are skipped.
 */
export function withPathColumnImages(table: Table, sample: string[][], roles: Roles, overrides: RoleOverrides): Roles {
  if (overrides.features) return roles;
  let column = -1;
  for (let c = 0; c < table.header.length && column < 0; c++) {
    if (c === roles.label || c === roles.id) continue;
    const values = sample.map((r) => (r[c] ?? '').trim()).filter((v) => v !== '');
    if (values.length && values.filter((v) => IMAGE_PATH.test(v)).length >= 0.9 * values.length) column = c;
  }
  if (column < 0 || (overrides.text && roles.text !== column)) return roles;
  const source = new PathColumn(table, column);
  for (let i = 0; i < table.rowCount; i++) {
    if (table.index.damaged[i]) continue;
    const why = source.unsafe(i) ?? checkImageFile(source.imagePath(i));
    if (why) table.report({ severity: 'error', code: 'unreadable-image', file: table.name, line: table.index.line[i], column: 1, row: i, message: `${table.cell(i, column).trim() || 'the image'} ${why}; the row is skipped` });
  }
  const { width, height } = inputSize(source, table.rowCount, table.index.damaged);
  return {
    ...roles, text: roles.text === column ? undefined : roles.text, features: roles.features.filter((c) => c !== column),
    pixels: { columns: [], width, height }, images: { column },
    why: { ...roles.why, text: roles.text === column ? `"${table.header[column]}" holds image paths, not text` : roles.why.text, pixels: `"${table.header[column]}" holds image paths relative to the file; decoded and resized to ${width}×${height} grey levels` },
  };
}

/** Where each row's image is, for a dataset whose roles have `images`. */
export function imageSourceOf(table: Table | FormatTable, roles: Roles): ImageSource | undefined {
  if (!roles.images) return undefined;
  if (isImageSource(table)) return table;
  return new PathColumn(table as Table, roles.images.column);
}

const THUMB_SIDE = 64;
const THUMB_CACHE = 256;
const thumbs = new Map<string, GreyImage | string>();

/**
 * A small grey thumbnail of an image (at most 64×64, aspect kept), decoded on demand and cached,
 * or the reason it cannot be shown. WebP thumbnails come from the engine's decode (thumbs.bin).
 */
export function thumbnail(path: string): GreyImage | string {
  const hit = thumbs.get(path);
  if (hit) return hit;
  let out: GreyImage | string;
  const kind = kindOfName(path);
  try {
    if (!kind) throw new Error('not an image');
    const img = decodeGrey(readFileSync(path), kind);
    const s = Math.min(1, THUMB_SIDE / Math.max(img.width, img.height));
    const width = Math.max(1, Math.round(img.width * s)), height = Math.max(1, Math.round(img.height * s));
    out = { width, height, data: resizeGrey(img, width, height) };
  } catch (err) {
    out = (err as Error).message;
  }
  thumbs.set(path, out);
  if (thumbs.size > THUMB_CACHE) thumbs.delete(thumbs.keys().next().value!);
  return out;
}
