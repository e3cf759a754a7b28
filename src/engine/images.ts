/**
 * Decoding a dataset's images for training, in the engine child: every file read, decoded to grey
 * levels (pngjs and jpeg-js; WebP with sharp when it is installed — optional, native, loaded at run
 * time only), resized to the model's input size. The same decode gives the thumbnails the review
 * editor shows (written beside the results as thumbs.bin). Yields to the event loop between
 * batches, so progress is reported and a cancel is heard; an image that fails to decode is
 * reported by its path and left out of training.
 */
import { readFileSync } from 'node:fs';
import type { Dataset } from '../core/table/dataset';
import { decodeGrey, kindOfName, resizeGrey } from '../core/formats/imageDecode';
import { imageSourceOf } from '../core/formats/images';
import { SKIPPED } from '../core/labelCodes';
import { UserError } from '../core/errors';

export interface DecodedImages {
  width: number;
  height: number;
  /** Grey levels 0..255 at the model's input size, N × width × height (0 for rows not decoded). */
  pixels: Uint8Array;
  /** 1 where the row's image was decoded. */
  ok: Uint8Array;
  failed: { row: number; id: string; message: string }[];
  decoder: string;
}

type Sharp = typeof import('sharp').default;

/**
 * How sharp is found: `loaded` is the module once looked for (null: not installed). A test sets
 * `loaded` to null to see the engine as a user without sharp does.
 */
export const sharpLoader: { loaded: Sharp | null | undefined; require: () => Sharp } = {
  loaded: undefined,
  // The CommonJS build of sharp exports the function itself.
  require: () => require('sharp') as Sharp,
};

/** sharp, when the user has it; never bundled (esbuild marks it external). */
export function loadSharp(): Sharp | undefined {
  if (sharpLoader.loaded === undefined) {
    try {
      sharpLoader.loaded = sharpLoader.require();
    } catch {
      sharpLoader.loaded = null;
    }
  }
  return sharpLoader.loaded ?? undefined;
}

/** What a WebP image without sharp is told. */
export const WEBP_NEEDS_SHARP = 'a WebP image: WebP needs the optional sharp package (npm install sharp in the folder Label Lens runs from); PNG and JPEG need nothing';

const BATCH = 200;

export async function decodeImages(ds: Dataset, onProgress: (done: number, total: number) => void, check: () => void): Promise<DecodedImages> {
  const source = imageSourceOf(ds.table, ds.roles);
  const shape = ds.roles.pixels;
  if (!source || !shape) throw new Error('decodeImages: not an image dataset');
  const { width, height } = shape;
  const D = width * height;
  const N = ds.rowCount;
  const pixels = new Uint8Array(N * D);
  const ok = new Uint8Array(N);
  const failed: DecodedImages['failed'] = [];
  let usedSharp = false;
  for (let i = 0; i < N; i++) {
    if (i % BATCH === 0) {
      onProgress(i, N);
      await new Promise((r) => setImmediate(r));
      check();
    }
    if (ds.labels[i] === SKIPPED) continue;
    const path = source.imagePath(i);
    try {
      const kind = kindOfName(path);
      if (!kind) throw new Error('not a .png, .jpg, .jpeg or .webp file');
      const bytes = readFileSync(path);
      if (kind === 'webp') {
        const sharp = loadSharp();
        if (!sharp) throw new Error(WEBP_NEEDS_SHARP);
        const raw = await sharp(bytes).flatten({ background: '#000000' }).greyscale().resize(width, height, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
        pixels.set(raw.subarray(0, D), i * D);
        usedSharp = true;
      } else {
        pixels.set(resizeGrey(decodeGrey(bytes, kind), width, height), i * D);
      }
      ok[i] = 1;
    } catch (err) {
      failed.push({ row: i, id: ds.rowId(i), message: (err as Error).message });
    }
  }
  onProgress(N, N);
  // Nothing to train on: say why, by file, rather than train on blank images.
  if (failed.length > 0 && !ok.includes(1)) {
    const list = failed.slice(0, 3).map((f) => `${source.imagePath(f.row)} (${f.message})`).join('; ');
    throw new UserError('data', `none of the ${failed.length} images could be decoded: ${list}${failed.length > 3 ? '; …' : ''}`, { file: source.imagePath(failed[0].row) });
  }
  return { width, height, pixels, ok, failed, decoder: usedSharp ? 'pngjs + jpeg-js + sharp (WebP)' : 'pngjs + jpeg-js' };
}
