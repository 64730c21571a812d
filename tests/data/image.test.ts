import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addonStatus } from '../../src/ts/addon.js';
import { IMAGENET_NORMALIZATION, maskToTensor, readMask, readRgb, resizeMask, resizeRgb, resizeRgbReference, toTensor, type RgbImage } from '../../src/ts/data/image.js';
import { CefmError } from '../../src/ts/errors.js';
import { countDiff, encodeBmp24, encodeBmpIndexed, encodePng, pngHeaderOnly, randomRgb, repoRoot, Rng, sharedData, smoothRgb, tempDir, writeFileMkdir, writeRgb, writeSharp } from './fixtures.js';

const dir = tempDir('image');
const rng = new Rng(101);

/** Mean absolute difference per byte. */
function meanAbs(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

test('lossless formats decode exactly: PNG, WebP, TIFF, BMP (odd sizes)', async () => {
  const img = randomRgb(rng, 37, 23);
  for (const format of ['png', 'webp', 'tiff'] as const) {
    const got = await readRgb(await writeRgb(join(dir, `lossless.${format}`), img, format));
    assert.equal([got.width, got.height], [37, 23], format);
    assert.is(countDiff(got.data, img.data), 0, format);
  }
  const bmp = await readRgb(await writeFileMkdir(join(dir, 'lossless.bmp'), encodeBmp24(img)));
  assert.is(countDiff(bmp.data, img.data), 0, 'bmp');
});

test('JPEG decodes close to its source', async () => {
  const img = smoothRgb(rng, 61, 45);
  const got = await readRgb(await writeRgb(join(dir, 'smooth.jpg'), img, 'jpeg'));
  assert.equal([got.width, got.height], [61, 45]);
  assert.ok(meanAbs(got.data, img.data) < 3, `mean abs ${meanAbs(got.data, img.data)}`);
});

test('alpha dropped (RGBA PNG, grey+alpha), grey replicated to RGB', async () => {
  const w = 9;
  const h = 7;
  const rgba = Uint8Array.from({ length: w * h * 4 }, () => rng.int(256));
  const got = await readRgb(await writeSharp(join(dir, 'rgba.png'), rgba, w, h, 4, 'png'));
  const expected = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) expected.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
  assert.is(countDiff(got.data, expected), 0);

  const grey = Uint8Array.from({ length: w * h }, () => rng.int(256));
  const ga = new Uint8Array(w * h * 2);
  grey.forEach((v, i) => ga.set([v, rng.int(256)], i * 2));
  for (const [name, bytes] of [['grey.png', encodePng(grey, w, h, 1, 8)], ['grey-alpha.png', encodePng(ga, w, h, 2, 8)]] as const) {
    const g = await readRgb(await writeFileMkdir(join(dir, name), bytes));
    const rep = new Uint8Array(w * h * 3);
    grey.forEach((v, i) => rep.set([v, v, v], i * 3));
    assert.is(countDiff(g.data, rep), 0, name);
  }
});

test('16-bit PNG (RGB, RGBA, grey) scaled to 8 bits', async () => {
  const w = 11;
  const h = 5;
  for (const channels of [1, 3, 4] as const) {
    const values = Uint16Array.from({ length: w * h * channels }, () => rng.int(65536));
    const got = await readRgb(await writeFileMkdir(join(dir, `deep${channels}.png`), encodePng(values, w, h, channels, 16)));
    const expected = new Float64Array(w * h * 3);
    for (let i = 0; i < w * h; i++) {
      for (let c = 0; c < 3; c++) expected[i * 3 + c] = values[i * channels + (channels === 1 ? 0 : c)] / 257;
    }
    assert.is(countDiff(got.data, expected, 1), 0, `${channels} channels`);
  }
});

test('EXIF orientation is applied (JPEG, orientation 6 = turned 90 degrees clockwise)', async () => {
  // A 40x20 image, left half red, right half blue; stored with orientation 6 it displays as 20x40,
  // red on top.
  const w = 40;
  const h = 20;
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(x < w / 2 ? [220, 20, 20] : [20, 20, 220], (y * w + x) * 3);
  const file = await writeSharp(join(dir, 'exif.jpg'), px, w, h, 3, 'jpeg', { orientation: 6 });
  assert.is((await sharp(file).metadata()).orientation, 6);
  const got = await readRgb(file);
  assert.equal([got.width, got.height], [20, 40]);
  const at = (x: number, y: number) => [...got.data.subarray((y * got.width + x) * 3, (y * got.width + x) * 3 + 3)];
  assert.ok(at(10, 5)[0] > 180 && at(10, 5)[2] < 60, `top ${at(10, 5)}`);
  assert.ok(at(10, 34)[2] > 180 && at(10, 34)[0] < 60, `bottom ${at(10, 34)}`);
});

test('maxSide decodes straight to a smaller size (aspect kept, EXIF turn applied) and reports the original size', async () => {
  const w = 90, h = 40;
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(x < w / 2 ? [220, 20, 20] : [20, 20, 220], (y * w + x) * 3);
  const jpeg = await writeSharp(join(dir, 'big-turned.jpg'), px, w, h, 3, 'jpeg', { orientation: 6 });
  const small = await readRgb(jpeg, { maxSide: 30 });
  assert.equal(small.original, { width: 40, height: 90 });
  assert.equal([small.width, small.height], [13, 30]);
  const full = await readRgb(jpeg);
  assert.equal([full.width, full.height, full.original.width, full.original.height], [40, 90, 40, 90]);
  // the reduced picture is the full one, resized: red on top, blue below
  const at = (x: number, y: number) => [...small.data.subarray((y * small.width + x) * 3, (y * small.width + x) * 3 + 3)];
  assert.ok(at(6, 4)[0] > 170 && at(6, 25)[2] > 170, `top ${at(6, 4)} bottom ${at(6, 25)}`);
  // BMP takes the same path through resizeRgb; an image already small enough is left as it is
  const bmp = await writeFileMkdir(join(dir, 'big.bmp'), encodeBmp24({ width: w, height: h, data: px }));
  const b = await readRgb(bmp, { maxSide: 45 });
  assert.equal([b.width, b.height, b.original.width, b.original.height], [45, 20, 90, 40]);
  const same = await readRgb(bmp, { maxSide: 500 });
  assert.equal([same.width, same.height], [90, 40]);
  assert.is(countDiff(same.data, Float64Array.from(px), 0), 0);
});

test('masks: thresholded at 128 (grey PNG, 1-bit BMP, 24-bit BMP), size checked against the image', async () => {
  const w = 13;
  const h = 6;
  const grey = Uint8Array.from({ length: w * h }, () => rng.int(256));
  grey[0] = 127;
  grey[1] = 128;
  const png = await writeFileMkdir(join(dir, 'mask.png'), encodePng(grey, w, h, 1, 8));
  const m = await readMask(png);
  assert.equal([...m.data], [...grey].map((v) => (v >= 128 ? 1 : 0)));
  const bits = Uint8Array.from({ length: w * h }, () => rng.int(2));
  const bmp1 = await writeFileMkdir(join(dir, 'mask1.bmp'), encodeBmpIndexed(bits, w, h, 1, [[0, 0, 0], [255, 255, 255]]));
  assert.equal([...(await readMask(bmp1, { width: w, height: h })).data], [...bits]);
  const rgb: RgbImage = { width: w, height: h, data: new Uint8Array(w * h * 3) };
  bits.forEach((b, i) => rgb.data.set(b ? [255, 255, 255] : [0, 0, 0], i * 3));
  const bmp24 = await writeFileMkdir(join(dir, 'mask24.bmp'), encodeBmp24(rgb));
  assert.equal([...(await readMask(bmp24)).data], [...bits]);
  try {
    await readMask(png, { width: w + 1, height: h });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, CefmError);
    assert.is((e as CefmError).file, png);
    assert.is((e as Error).message, `${png}: mask is ${w}x${h} but its image is ${w + 1}x${h}`);
  }
});

/** Expect readRgb to fail with one line naming the file and matching `pattern`. */
async function expectBad(file: string, pattern: RegExp, opts?: { maxPixels?: number }): Promise<void> {
  try {
    await readRgb(file, opts);
    assert.unreachable(`${file} decoded`);
  } catch (e) {
    assert.instance(e, CefmError, String(e));
    const msg = (e as Error).message;
    assert.is((e as CefmError).file, file);
    assert.ok(msg.startsWith(`${file}: `), msg);
    assert.not.match(msg, /\n/);
    assert.match(msg, pattern);
  }
}

test('bad files: zero bytes, text named .jpg, truncated JPEG/PNG, missing file', async () => {
  await expectBad(await writeFileMkdir(join(dir, 'bad', 'empty.jpg'), new Uint8Array(0)), /empty file \(0 bytes\)/);
  await expectBad(await writeFileMkdir(join(dir, 'bad', 'text.jpg'), 'hello, I am not a JPEG\n'), /not an image: .*starts with "hello, I"/);
  const jpeg = readFileSync(await writeRgb(join(dir, 'bad', 'whole.jpg'), randomRgb(rng, 64, 48), 'jpeg'));
  await expectBad(await writeFileMkdir(join(dir, 'bad', 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.6))), /truncated JPEG/);
  const png = readFileSync(await writeRgb(join(dir, 'bad', 'whole.png'), randomRgb(rng, 64, 48), 'png'));
  await expectBad(await writeFileMkdir(join(dir, 'bad', 'truncated.png'), png.subarray(0, Math.floor(png.length * 0.6))), /(truncated|corrupt) PNG/);
  await expectBad(join(dir, 'bad', 'absent.jpg'), /file not found/);
});

test('decompression bombs are refused from the header, before decoding', async () => {
  await expectBad(await writeFileMkdir(join(dir, 'bomb', 'huge.png'), pngHeaderOnly(20000, 20000)), /20000x20000 \(400 megapixels\), above the 100 megapixels limit/);
  const bmp = encodeBmp24(randomRgb(rng, 2, 2));
  bmp.writeInt32LE(30000, 18);
  bmp.writeInt32LE(30000, 22);
  await expectBad(await writeFileMkdir(join(dir, 'bomb', 'huge.bmp'), bmp), /30000x30000 .* above the 100 megapixels limit/);
  const jpg = await writeRgb(join(dir, 'bomb', 'small.jpg'), randomRgb(rng, 64, 48), 'jpeg');
  await expectBad(jpg, /64x48 .* above the 0\.001 megapixels limit/, { maxPixels: 1000 });
  assert.is((await readRgb(jpg, { maxPixels: 64 * 48 })).width, 64);
});

const fixture = JSON.parse(readFileSync(join(repoRoot(), 'tests', 'data', 'torch-resize.fixture.json'), 'utf8')) as {
  width: number;
  height: number;
  rgb: string;
  mask: string;
  cases: { rect: [number, number, number, number]; width: number; height: number; rgb: number[]; mask: string }[];
};

test('resizeRgb matches torch interpolate(bilinear, antialias=True) within rounding; resizeMask matches nearest-exact', () => {
  const src: RgbImage = { width: fixture.width, height: fixture.height, data: new Uint8Array(Buffer.from(fixture.rgb, 'base64')) };
  const mask = { width: fixture.width, height: fixture.height, data: Uint8Array.from(fixture.mask, Number) };
  for (const c of fixture.cases) {
    const rect = { x: c.rect[0], y: c.rect[1], width: c.rect[2], height: c.rect[3] };
    const got = resizeRgb(src, c.width, c.height, rect);
    const worst = Math.max(...c.rgb.map((v, i) => Math.abs(v - got.data[i])));
    assert.ok(worst <= 0.5 + 1e-3, `${JSON.stringify(c.rect)} -> ${c.width}x${c.height}: worst ${worst}`);
    assert.equal([...resizeMask(mask, c.width, c.height, rect).data].join(''), c.mask);
  }
});

test('the addon resize gives the same bytes as the JS reference (shrink, enlarge, crops, odd sizes)', () => {
  const addon = addonStatus();
  if (!addon.ok || typeof (addon.addon as { resizeRgb?: unknown }).resizeRgb !== 'function') throw new Error('native resize missing from the addon');
  let compared = 0;
  for (const [w, h] of [[256, 192], [37, 53], [600, 450], [5, 3]]) {
    const img = randomRgb(rng, w, h);
    for (const [ow, oh] of [[96, 96], [112, 112], [13, 29], [w * 2 + 1, h + 3], [1, 1]]) {
      for (const rect of [undefined, { x: 1, y: Math.floor(h / 3), width: Math.max(1, w - 3), height: Math.max(1, Math.floor(h / 2)) }]) {
        const want = resizeRgbReference(img, ow, oh, rect);
        const got = resizeRgb(img, ow, oh, rect);
        assert.is(countDiff(got.data, want.data), 0, `${w}x${h} ${JSON.stringify(rect)} -> ${ow}x${oh}`);
        compared++;
      }
    }
  }
  assert.is(compared, 40);
});

test('resize to the same size is the identity; bad crops are refused', () => {
  const img = randomRgb(rng, 7, 5);
  assert.is(countDiff(resizeRgb(img, 7, 5).data, img.data), 0);
  assert.throws(() => resizeRgb(img, 3, 3, { x: 5, y: 0, width: 3, height: 5 }), /bad crop/);
});

test('toTensor: [3, H, W] planes normalised with mean/std; maskToTensor [1, H, W]', () => {
  const img = randomRgb(rng, 5, 3);
  const t = toTensor(img);
  assert.equal(t.shape, [3, 3, 5]);
  const { mean, std } = IMAGENET_NORMALIZATION;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 15; i++) {
      const want = (img.data[i * 3 + c] / 255 - mean[c]) / std[c];
      assert.ok(Math.abs(t.data[c * 15 + i] - want) < 1e-6);
    }
  }
  const custom = toTensor(img, { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
  assert.ok(Math.abs(custom.data[0] - (img.data[0] / 127.5 - 1)) < 1e-6);
  const m = maskToTensor({ width: 2, height: 1, data: Uint8Array.from([1, 0]) });
  assert.equal(m, { shape: [1, 1, 2], data: Float32Array.from([1, 0]) });
});

test('real ISIC image and mask: 800x500, mask agrees in size, lesion pixels darker on average', async () => {
  const root = join(sharedData(), 'isic2017-sample');
  const img = await readRgb(join(root, 'ISIC-2017_Training_Data', 'ISIC_0014628.jpg'));
  assert.equal([img.width, img.height], [800, 500]);
  const mask = await readMask(join(root, 'ISIC-2017_Training_Part1_GroundTruth', 'ISIC_0014628_segmentation.png'), img);
  let inside = 0;
  let insideSum = 0;
  let outsideSum = 0;
  for (let i = 0; i < mask.data.length; i++) {
    const l = img.data[i * 3] + img.data[i * 3 + 1] + img.data[i * 3 + 2];
    if (mask.data[i]) {
      inside++;
      insideSum += l;
    } else outsideSum += l;
  }
  assert.ok(inside > 1000 && inside < mask.data.length - 1000, `lesion pixels ${inside}`);
  assert.ok(insideSum / inside < outsideSum / (mask.data.length - inside), 'lesion darker than skin');
  assert.ok(mask.data.every((v) => v === 0 || v === 1));
});

test.run();
