// Shared helpers for the data tests: where the repo and the shared data are, temp folders, and
// writers for real image files (sharp for JPEG/PNG/WebP/TIFF; BMP and 16-bit PNG encoded here,
// independently of the decoders under test).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { RgbImage } from '../../src/ts/data/image.js';
import { Rng } from '../../src/ts/data/rng.js';

/** The repository root: the nearest folder above this file with cefm-native's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'cefm-native') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** `../shared/data` from the repo root; the real-data tests need it. */
export function sharedData(): string {
  const dir = join(repoRoot(), '..', 'shared', 'data');
  if (!existsSync(dir)) throw new Error(`shared data not found at ${dir} (see the task notes: ../shared/data from the repo root)`);
  return dir;
}

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the system temp dir, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cefm-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

export function randomRgb(rng: Rng, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { width, height, data };
}

/** A smooth image (so JPEG keeps it close) with a random offset: gradients plus a disc. */
export function smoothRgb(rng: Rng, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const [ox, oy, r] = [rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height, rng.uniform(0.15, 0.3) * Math.min(width, height)];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = (x - ox) ** 2 + (y - oy) ** 2 < r * r;
      const i = (y * width + x) * 3;
      data[i] = inside ? 60 : Math.round((200 * x) / width + 30);
      data[i + 1] = inside ? 40 : Math.round((150 * y) / height + 60);
      data[i + 2] = inside ? 30 : 170;
    }
  }
  return { width, height, data };
}

export async function writeFileMkdir(path: string, bytes: Uint8Array | string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return path;
}

/** Write RGB (3 channels), RGBA (4) or grey (1) pixels with sharp. */
export async function writeSharp(path: string, pixels: Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4, format: 'jpeg' | 'png' | 'webp' | 'tiff', opts: { orientation?: number } = {}): Promise<string> {
  let s = sharp(Buffer.from(pixels), { raw: { width, height, channels } });
  if (channels <= 2) s = s.toColourspace('b-w');
  s = format === 'jpeg' ? s.jpeg({ quality: 95 }) : format === 'png' ? s.png() : format === 'webp' ? s.webp({ lossless: true }) : s.tiff({ compression: 'lzw' });
  if (opts.orientation) s = s.withMetadata({ orientation: opts.orientation });
  await mkdir(dirname(path), { recursive: true });
  await s.toFile(path);
  return path;
}

export async function writeRgb(path: string, img: RgbImage, format: 'jpeg' | 'png' | 'webp' | 'tiff' = 'png'): Promise<string> {
  return writeSharp(path, img.data, img.width, img.height, 3, format);
}

/** A 0/1 mask as an 8-bit grey PNG of 0/255. */
export async function writeMaskPng(path: string, mask: Uint8Array, width: number, height: number): Promise<string> {
  return writeSharp(path, mask.map((v) => (v ? 255 : 0)), width, height, 1, 'png');
}

interface BmpOptions {
  topDown?: boolean;
  /** 40 (BITMAPINFOHEADER, default), 124 (V5) or 12 (BITMAPCOREHEADER). */
  headerSize?: 12 | 40 | 124;
}

/** Assemble a BMP: file header, DIB header, palette (B,G,R,0 or B,G,R for core), rows padded to 4 bytes. */
function assembleBmp(width: number, height: number, bpp: number, palette: number[][], rowBytes: (y: number) => Uint8Array, opts: BmpOptions): Buffer {
  const headerSize = opts.headerSize ?? 40;
  const entry = headerSize === 12 ? 3 : 4;
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const offset = 14 + headerSize + palette.length * entry;
  const buf = Buffer.alloc(offset + stride * height);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(offset, 10);
  buf.writeUInt32LE(headerSize, 14);
  if (headerSize === 12) {
    buf.writeUInt16LE(width, 18);
    buf.writeInt16LE(opts.topDown ? -height : height, 20);
    buf.writeUInt16LE(1, 22);
    buf.writeUInt16LE(bpp, 24);
  } else {
    buf.writeInt32LE(width, 18);
    buf.writeInt32LE(opts.topDown ? -height : height, 22);
    buf.writeUInt16LE(1, 26);
    buf.writeUInt16LE(bpp, 28);
    buf.writeUInt32LE(0, 30); // BI_RGB
    buf.writeUInt32LE(stride * height, 34);
    buf.writeUInt32LE(palette.length, 46);
  }
  palette.forEach(([r, g, b], i) => buf.set(entry === 4 ? [b, g, r, 0] : [b, g, r], 14 + headerSize + i * entry));
  for (let y = 0; y < height; y++) buf.set(rowBytes(y), offset + stride * (opts.topDown ? y : height - 1 - y));
  return buf;
}

export function encodeBmp24(img: RgbImage, opts: BmpOptions = {}): Buffer {
  return assembleBmp(img.width, img.height, 24, [], (y) => {
    const row = new Uint8Array(img.width * 3);
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 3;
      row.set([img.data[i + 2], img.data[i + 1], img.data[i]], x * 3);
    }
    return row;
  }, opts);
}

/** 1, 4 or 8 bits per pixel: `indices` one palette index per pixel, packed most significant bits first. */
export function encodeBmpIndexed(indices: Uint8Array, width: number, height: number, bpp: 1 | 4 | 8, palette: number[][], opts: BmpOptions = {}): Buffer {
  return assembleBmp(width, height, bpp, palette, (y) => {
    const row = new Uint8Array(Math.ceil((width * bpp) / 8));
    for (let x = 0; x < width; x++) {
      const bit = x * bpp;
      row[bit >> 3] |= indices[y * width + x] << (8 - bpp - (bit % 8));
    }
    return row;
  }, opts);
}

/** An 8- or 16-bit PNG written byte by byte (grey, grey+alpha, RGB or RGBA), independent of sharp. */
export function encodePng(values: ArrayLike<number>, width: number, height: number, channels: 1 | 2 | 3 | 4, depth: 8 | 16): Buffer {
  const colourType = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels];
  const bytesPer = depth / 8;
  const raw = Buffer.alloc(height * (1 + width * channels * bytesPer));
  let at = 0;
  for (let y = 0; y < height; y++) {
    raw[at++] = 0; // filter: none
    for (let i = 0; i < width * channels; i++) {
      const v = values[y * width * channels + i];
      if (depth === 16) raw.writeUInt16BE(v, at);
      else raw[at] = v;
      at += bytesPer;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([depth, colourType, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(buf: Uint8Array): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A PNG whose header claims width x height, with almost no data: a decompression bomb's signature. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const full = encodePng([0, 0, 0], 1, 1, 3, 8);
  full.writeUInt32BE(width, 16);
  full.writeUInt32BE(height, 20);
  full.writeUInt32BE(crc32(full.subarray(12, 29)), 29); // keep the IHDR checksum valid
  return full;
}

/** Number of positions where two byte arrays differ by more than `tol`. */
export function countDiff(a: ArrayLike<number>, b: ArrayLike<number>, tol = 0): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > tol) n++;
  return n;
}

export { Rng };
