/**
 * Image files: what kind a file really is (from its first bytes, not its name), a cheap check that
 * it is whole (header and end marker, without decoding), a full decode of PNG and JPEG in pure JS
 * (pngjs, jpeg-js: no native code, so they run in the engine, the extension host and the packaged
 * extension alike), grey levels and an area-average resize to the model's input size.
 * WebP needs a native decoder (sharp, optional): see src/engine/images.ts.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';

export type ImageKind = 'png' | 'jpeg' | 'webp';

export const IMAGE_EXTENSIONS: Record<string, ImageKind> = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.webp': 'webp' };

export function kindOfName(path: string): ImageKind | undefined {
  return IMAGE_EXTENSIONS[extname(path).toLowerCase()];
}

/** The kind of image the bytes hold, from their signature. */
export function sniff(head: Uint8Array): ImageKind | undefined {
  if (head.length >= 8 && head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47 && head[4] === 0x0d && head[5] === 0x0a && head[6] === 0x1a && head[7] === 0x0a) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 12 && String.fromCharCode(...head.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...head.subarray(8, 12)) === 'WEBP') return 'webp';
  return undefined;
}

const NAMES: Record<ImageKind, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP' };

/**
 * Why the file is not a whole image of the kind its name says, or undefined when it looks whole.
 * Reads only its first and last bytes; a file that passes can still fail to decode.
 */
export function checkImageFile(path: string): string | undefined {
  const named = kindOfName(path);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 'is empty (0 bytes)';
    const head = Buffer.alloc(Math.min(64, size));
    readSync(fd, head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(64, size));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    const kind = sniff(head);
    if (!kind) return `is not a PNG, JPEG or WebP image (its first bytes are no image signature)`;
    if (named && kind !== named) return `holds ${NAMES[kind]} data but is named ${extname(path)} (wrong extension): rename it to .${kind === 'jpeg' ? 'jpg' : kind}`;
    if (kind === 'png') {
      if (head.length < 33 || head.toString('latin1', 12, 16) !== 'IHDR') return 'is a damaged PNG: no IHDR header chunk';
      if (head.readUInt32BE(16) === 0 || head.readUInt32BE(20) === 0) return 'is a damaged PNG: width or height 0';
      if (tail.toString('latin1', tail.length - 8, tail.length - 4) !== 'IEND') return 'is a damaged PNG: it has no IEND end chunk (truncated?)';
    } else if (kind === 'jpeg') {
      // The end-of-image marker, allowing for padding some cameras write after it.
      if (tail.indexOf(Buffer.from([0xff, 0xd9])) < 0) return 'is a damaged JPEG: no end-of-image marker (truncated?)';
    } else if (head.readUInt32LE(4) + 8 !== size && head.readUInt32LE(4) + 9 !== size) {
      return `is a damaged WebP: its header says ${head.readUInt32LE(4) + 8} bytes, the file has ${size} (truncated?)`;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Decoded pixels: one grey level 0..255 per pixel, row-major. */
export interface GreyImage {
  width: number;
  height: number;
  data: Uint8Array;
}

function greyOf(rgba: Uint8Array, width: number, height: number): GreyImage {
  const n = width * height;
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = rgba[4 * i + 3] / 255;
    // Rec. 601 luma; transparent pixels count as black (the background of most digit and icon sets).
    data[i] = Math.round((0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) * a);
  }
  return { width, height, data };
}

/** Decodes a PNG or JPEG; throws with the decoder's reason for a broken file. WebP throws (needs sharp). */
export function decodeGrey(bytes: Uint8Array, kind: ImageKind): GreyImage {
  if (kind === 'png') {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return greyOf(png.data, png.width, png.height);
  }
  if (kind === 'jpeg') {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 200, maxMemoryUsageInMB: 1024 });
    return greyOf(img.data, img.width, img.height);
  }
  throw new Error('WebP images need the optional sharp package (npm install sharp)');
}

/** Area-average resize (each output pixel is the mean of the source pixels it covers). */
export function resizeGrey(img: GreyImage, width: number, height: number): Uint8Array {
  if (img.width === width && img.height === height) return img.data;
  const out = new Uint8Array(width * height);
  const sx = img.width / width;
  const sy = img.height / height;
  for (let y = 0; y < height; y++) {
    const y0 = y * sy, y1 = (y + 1) * sy;
    for (let x = 0; x < width; x++) {
      const x0 = x * sx, x1 = (x + 1) * sx;
      let sum = 0, area = 0;
      for (let yy = Math.floor(y0); yy < Math.min(img.height, Math.ceil(y1)); yy++) {
        const wy = Math.min(y1, yy + 1) - Math.max(y0, yy);
        for (let xx = Math.floor(x0); xx < Math.min(img.width, Math.ceil(x1)); xx++) {
          const w = wy * (Math.min(x1, xx + 1) - Math.max(x0, xx));
          sum += w * img.data[yy * img.width + xx];
          area += w;
        }
      }
      out[y * width + x] = area ? Math.round(sum / area) : 0;
    }
  }
  return out;
}

/** Largest side of the model's input: small CNN/MLP inputs keep training to seconds per fold. */
export const MODEL_SIDE = 32;

/** The model's input size for images of this size: as they are up to 32×32, else scaled to fit 32×32. */
/**
 * The width and height a WebP file's header gives (lossy VP8, lossless VP8L, extended VP8X), read
 * without decoding it: the model's input size is known before the engine decodes WebP with sharp.
 */
export function webpSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 30 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WEBP') return undefined;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  return undefined;
}

export function modelSize(width: number, height: number): { width: number; height: number } {
  if (width <= MODEL_SIDE && height <= MODEL_SIDE) return { width, height };
  const s = MODEL_SIDE / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}
