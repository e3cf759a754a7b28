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
let sharpModule: Sharp | null | undefined;

/** sharp, when the user has it; never bundled (esbuild marks it external). */
export function loadSharp(): Sharp | undefined {
  if (sharpModule === undefined) {
    try {
      // The CommonJS build of sharp exports the function itself.
      sharpModule = require('sharp') as Sharp;
    } catch {
      sharpModule = null;
    }
  }
  return sharpModule ?? undefined;
}

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
        if (!sharp) throw new Error('WebP images need the optional sharp package (npm install sharp); PNG and JPEG need nothing');
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
  return { width, height, pixels, ok, failed, decoder: usedSharp ? 'pngjs + jpeg-js + sharp (WebP)' : 'pngjs + jpeg-js' };
}
