/**
 * The model's input size rule for image files, on MNIST digits: images up to 32×32 train at their
 * own size; larger ones are scaled so the longer side is 32, keeping the aspect (here digits blown
 * up to 56×84 RGBA PNGs train as 21×32 grey levels close to the digit itself at that size).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { openDataset } from '../../src/core/table/dataset';
import { resizeGrey } from '../../src/core/formats/imageDecode';
import { decodeImages } from '../../src/engine/images';
import { tempDir } from '../helpers';
import { mnistDigits } from '../fixtures/imageFixtures';

const quiet = () => undefined;

test('images larger than 32×32 are scaled to a longer side of 32 with their aspect', async (t) => {
  const root = join(tempDir(t), 'big');
  const digits = mnistDigits(60);
  const W = 56, H = 84; // 2× wide, 3× high
  for (const [k, d] of digits.entries()) {
    const png = new PNG({ width: W, height: H });
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const v = d.pixels[Math.floor(y / 3) * 28 + Math.floor(x / 2)];
      const o = 4 * (y * W + x);
      // An RGBA PNG (as most tools write them) holding the digit's grey level.
      png.data[o] = v; png.data[o + 1] = v; png.data[o + 2] = v; png.data[o + 3] = 255;
    }
    mkdirSync(join(root, d.label), { recursive: true });
    writeFileSync(join(root, d.label, `img_${k}.png`), PNG.sync.write(png));
  }
  const ds = openDataset(root);
  assert.deepEqual([ds.roles.pixels!.width, ds.roles.pixels!.height], [21, 32], '56×84 → 21×32');
  assert.match(ds.roles.why.pixels, /21×32/);
  const img = await decodeImages(ds, quiet, quiet);
  assert.deepEqual(img.failed, []);
  const D = 21 * 32;
  for (const [k, d] of digits.entries()) {
    const row = ds.rowOf(`${d.label}/img_${k}.png`)!;
    const got = img.pixels.subarray(row * D, row * D + D);
    const want = resizeGrey({ width: 28, height: 28, data: d.pixels }, 21, 32);
    let diff = 0;
    for (let i = 0; i < D; i++) diff += Math.abs(got[i] - want[i]);
    assert.ok(diff / D < 12, `image ${k}: mean difference ${(diff / D).toFixed(1)} grey levels from the digit at 21×32`);
  }
});
