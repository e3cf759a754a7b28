/**
 * WebP images, on MNIST digits: with sharp (installed here as the optional dependency) a folder of
 * lossless WebP files is opened, checked and decoded in the engine to the very pixels written; as a
 * user without sharp sees it, each WebP file is reported by its path with what to install, PNGs
 * beside them still decode, and a folder of WebP files only is a clear error naming the files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDataset } from '../../src/core/table/dataset';
import { decodeImages, loadSharp, sharpLoader } from '../../src/engine/images';
import { webpSize } from '../../src/core/formats/imageDecode';
import { UserError } from '../../src/core/errors';
import { tempDir } from '../helpers';
import { mnistDigits, pngOf, type Digit } from '../fixtures/imageFixtures';

const sharp = loadSharp();
const noSharp = sharp ? false : 'sharp (the optional dependency) does not load on this machine';

async function webpOf(d: Digit): Promise<Buffer> {
  return sharp!(Buffer.from(d.pixels), { raw: { width: 28, height: 28, channels: 1 } }).webp({ lossless: true }).toBuffer();
}

async function writeWebpFolder(root: string, digits: Digit[]): Promise<string[]> {
  const out: string[] = [];
  for (const [k, d] of digits.entries()) {
    mkdirSync(join(root, d.label), { recursive: true });
    const name = `img_${String(k).padStart(5, '0')}.webp`;
    writeFileSync(join(root, d.label, name), await webpOf(d));
    out.push(`${d.label}/${name}`);
  }
  return out;
}

const quiet = () => undefined;

test('webpSize: the size in a lossy, a lossless and an extended WebP header, as sharp wrote it', { skip: noSharp }, async () => {
  const grey = Buffer.alloc(45 * 17, 128);
  const input = () => sharp!(grey, { raw: { width: 45, height: 17, channels: 1 } });
  for (const [kind, bytes] of [
    ['lossy', await input().webp({ quality: 80 }).toBuffer()],
    ['lossless', await input().webp({ lossless: true }).toBuffer()],
    ['extended (alpha)', await input().ensureAlpha(0.5).webp({ quality: 80 }).toBuffer()],
  ] as const) assert.deepEqual(webpSize(bytes), { width: 45, height: 17 }, kind);
  assert.equal(webpSize(Buffer.from('RIFF\0\0\0\0WEBPJUNK'.padEnd(40, '\0'))), undefined);
});

test('WebP with sharp: a folder of WebP digits is decoded in the engine to the pixels written', { skip: noSharp }, async (t) => {
  const root = join(tempDir(t), 'digits');
  const digits = mnistDigits(120);
  const paths = await writeWebpFolder(root, digits);
  const ds = openDataset(root);
  assert.equal(ds.rowCount, digits.length);
  assert.deepEqual(ds.problems.filter((p) => p.severity === 'error'), [], 'every WebP file passes the open-time check');
  const img = await decodeImages(ds, quiet, quiet);
  assert.deepEqual(img.failed, []);
  assert.match(img.decoder, /sharp/);
  assert.deepEqual([img.width, img.height], [28, 28], 'the size comes from the WebP header: digits train at their own size (up to 32×32)');
  for (const [k, rel] of paths.entries()) {
    const row = ds.rowOf(rel)!;
    assert.ok(row !== undefined, rel);
    assert.deepEqual(img.pixels.subarray(row * 784, row * 784 + 784), digits[k].pixels, `${rel}: lossless WebP decodes to the digit`);
    assert.equal(ds.labelName(row), digits[k].label);
  }
});

test('WebP without sharp: each WebP file is named with what to install, PNGs still decode; WebP only is a clear error', { skip: noSharp }, async (t) => {
  const dir = tempDir(t);
  const digits = mnistDigits(40);
  const mixed = join(dir, 'mixed');
  const webps = await writeWebpFolder(mixed, digits.slice(0, 10));
  for (const d of digits.slice(10)) { mkdirSync(join(mixed, d.label), { recursive: true }); writeFileSync(join(mixed, d.label, `png_${d.id}.png`), pngOf(d)); }
  const only = join(dir, 'only');
  await writeWebpFolder(only, digits.slice(0, 10));

  const was = sharpLoader.loaded;
  sharpLoader.loaded = null;
  t.after(() => { sharpLoader.loaded = was; });

  const ds = openDataset(mixed);
  const img = await decodeImages(ds, quiet, quiet);
  assert.deepEqual(img.failed.map((f) => f.id).sort(), [...webps].sort(), 'exactly the WebP files failed, each by its path');
  assert.ok(img.failed.every((f) => /WebP needs the optional sharp package \(npm install sharp/.test(f.message)));
  assert.equal([...img.ok].filter((v) => v === 1).length, 30, 'the PNG files decode');

  await assert.rejects(decodeImages(openDataset(only), quiet, quiet), (e: unknown) => e instanceof UserError
    && /none of the 10 images could be decoded: .*only\/\d\/img_\d{5}\.webp \(a WebP image: WebP needs the optional sharp package/.test(e.message));
});
