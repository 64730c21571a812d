import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBmp, readBmpHeader } from '../../src/ts/data/bmp.js';
import { countDiff, encodeBmp24, encodeBmpIndexed, randomRgb, Rng } from './fixtures.js';

function randomIndices(rng: Rng, n: number, levels: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.int(levels));
}

function expand(indices: Uint8Array, palette: number[][]): Uint8Array {
  const out = new Uint8Array(indices.length * 3);
  indices.forEach((k, i) => out.set(palette[k], i * 3));
  return out;
}

test('24-bit, odd widths (row padding), bottom-up and top-down, V5 header', () => {
  const rng = new Rng(11);
  for (const [w, h] of [[1, 1], [5, 3], [7, 9], [13, 2]]) {
    const img = randomRgb(rng, w, h);
    for (const opts of [{}, { topDown: true }, { headerSize: 124 as const }, { headerSize: 12 as const }]) {
      const got = decodeBmp(encodeBmp24(img, opts), 'x.bmp');
      assert.equal([got.width, got.height], [w, h]);
      assert.is(countDiff(got.data, img.data), 0, `${w}x${h} ${JSON.stringify(opts)}`);
    }
  }
});

test('1-bit masks use their palette (including an inverted one), any width', () => {
  const rng = new Rng(12);
  for (const [w, h] of [[1, 3], [9, 5], [17, 4], [33, 7]]) {
    const bits = randomIndices(rng, w * h, 2);
    for (const palette of [[[0, 0, 0], [255, 255, 255]], [[255, 255, 255], [0, 0, 0]]]) {
      const got = decodeBmp(encodeBmpIndexed(bits, w, h, 1, palette), 'm.bmp');
      assert.is(countDiff(got.data, expand(bits, palette)), 0, `${w}x${h}`);
    }
  }
});

test('4- and 8-bit palettes, short palette (colours used < 2^bpp)', () => {
  const rng = new Rng(13);
  for (const bpp of [4, 8] as const) {
    const levels = bpp === 4 ? 11 : 200;
    const palette = Array.from({ length: levels }, () => [rng.int(256), rng.int(256), rng.int(256)]);
    const idx = randomIndices(rng, 15 * 7, levels);
    const got = decodeBmp(encodeBmpIndexed(idx, 15, 7, bpp, palette, { topDown: bpp === 8 }), 'p.bmp');
    assert.is(countDiff(got.data, expand(idx, palette)), 0);
  }
});

test('32-bit with bit-field masks and 16-bit 5-5-5', () => {
  // Hand-built 2x1 images: header 40 + 12 bytes of masks (BI_BITFIELDS).
  const build = (bpp: number, masks: number[], pixels: number[]) => {
    const stride = Math.ceil((2 * bpp) / 32) * 4;
    const offset = 14 + 40 + 12;
    const buf = Buffer.alloc(offset + stride);
    buf.write('BM', 0, 'latin1');
    buf.writeUInt32LE(offset, 10);
    buf.writeUInt32LE(40, 14);
    buf.writeInt32LE(2, 18);
    buf.writeInt32LE(1, 22);
    buf.writeUInt16LE(1, 26);
    buf.writeUInt16LE(bpp, 28);
    buf.writeUInt32LE(3, 30);
    masks.forEach((m, i) => buf.writeUInt32LE(m, 54 + 4 * i));
    pixels.forEach((p, i) => (bpp === 32 ? buf.writeUInt32LE(p, offset + 4 * i) : buf.writeUInt16LE(p, offset + 2 * i)));
    return buf;
  };
  // Red in the top byte: 0xRRGGBBAA.
  const rgba = decodeBmp(build(32, [0xff000000, 0x00ff0000, 0x0000ff00], [0x11223344, 0xa0b0c0d0]), 'b.bmp');
  assert.equal([...rgba.data], [0x11, 0x22, 0x33, 0xa0, 0xb0, 0xc0]);
  // 5-6-5: 31 -> 255, 63 -> 255, 0 -> 0, 16/31 -> 132.
  const rgb565 = decodeBmp(build(16, [0xf800, 0x07e0, 0x001f], [0xffff, (16 << 11) | (0 << 5) | 31]), 'c.bmp');
  assert.equal([...rgb565.data], [255, 255, 255, 132, 0, 255]);
});

test('bad BMPs: truncated pixels, RLE, huge header; one line naming the file', () => {
  const img = randomRgb(new Rng(14), 6, 5);
  const good = encodeBmp24(img);
  const expectError = (buf: Uint8Array, pattern: RegExp) => {
    try {
      decodeBmp(buf, '/data/IMD001.bmp');
      assert.unreachable();
    } catch (e) {
      const msg = (e as Error).message;
      assert.match(msg, /^\/data\/IMD001\.bmp: /);
      assert.match(msg, pattern);
      assert.not.match(msg, /\n/);
    }
  };
  expectError(good.subarray(0, good.length - 7), /truncated BMP/);
  expectError(good.subarray(0, 20), /truncated header/);
  const rle = Buffer.from(good);
  rle.writeUInt32LE(1, 30);
  expectError(rle, /unsupported compression RLE8/);
  const header = readBmpHeader(good, 'x');
  assert.equal([header.width, header.height, header.bitsPerPixel, header.topDown], [6, 5, 24, false]);
});

test.run();
