import { CefmError } from '../errors.js';
import type { RgbImage } from './image.js';

/** What the BMP header says, read before any pixel is decoded (to refuse oversized files). */
export interface BmpHeader {
  width: number;
  height: number;
  /** Rows stored top row first (negative height in the file). */
  topDown: boolean;
  bitsPerPixel: number;
  compression: number;
  dataOffset: number;
  /** Palette as RGB triples (1, 4 and 8 bit images). */
  palette: Uint8Array;
  /** Channel bit masks for 16 and 32 bit images: red, green, blue. */
  masks: [number, number, number];
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;
const COMPRESSION_NAMES: Record<number, string> = { 1: 'RLE8', 2: 'RLE4', 4: 'JPEG', 5: 'PNG' };

export function isBmp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d;
}

/** Parse the file and DIB headers (BITMAPCOREHEADER, BITMAPINFOHEADER and its V2-V5 extensions). */
export function readBmpHeader(buf: Uint8Array, file: string): BmpHeader {
  const fail = (problem: string) => new CefmError(`bad BMP: ${problem}`, { file });
  if (!isBmp(buf)) throw fail('no BM signature');
  if (buf.length < 26) throw fail(`truncated header (${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dataOffset = view.getUint32(10, true);
  const dibSize = view.getUint32(14, true);
  if (14 + dibSize > buf.length) throw fail(`truncated header (DIB header of ${dibSize} bytes, file has ${buf.length})`);
  let width: number;
  let rawHeight: number;
  let bitsPerPixel: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  let paletteEntrySize = 4;
  if (dibSize === 12) {
    width = view.getUint16(18, true);
    rawHeight = view.getInt16(20, true);
    bitsPerPixel = view.getUint16(24, true);
    paletteEntrySize = 3;
  } else if (dibSize >= 40) {
    width = view.getInt32(18, true);
    rawHeight = view.getInt32(22, true);
    bitsPerPixel = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    colorsUsed = view.getUint32(46, true);
  } else {
    throw fail(`unknown DIB header size ${dibSize}`);
  }
  if (width <= 0 || rawHeight === 0) throw fail(`invalid size ${width}x${rawHeight}`);
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw fail(`unsupported compression ${COMPRESSION_NAMES[compression] ?? compression} (only uncompressed BMP is read)`);
  }
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) throw fail(`unsupported ${bitsPerPixel} bits per pixel`);

  // Channel masks: in the header from V2 (52 bytes) on, else right after a 40-byte header.
  let masks: [number, number, number] =
    bitsPerPixel === 16 ? [0x7c00, 0x03e0, 0x001f] : [0x00ff0000, 0x0000ff00, 0x000000ff];
  let afterHeader = 14 + dibSize;
  if (compression !== BI_RGB) {
    if (bitsPerPixel !== 16 && bitsPerPixel !== 32) throw fail(`bit-field compression with ${bitsPerPixel} bits per pixel`);
    const maskAt = dibSize >= 52 ? 54 : afterHeader;
    if (maskAt + 12 > buf.length) throw fail('truncated bit-field masks');
    masks = [view.getUint32(maskAt, true), view.getUint32(maskAt + 4, true), view.getUint32(maskAt + 8, true)];
    if (dibSize < 52) afterHeader += compression === BI_ALPHABITFIELDS ? 16 : 12;
  }

  let palette = new Uint8Array(0);
  if (bitsPerPixel <= 8) {
    const count = colorsUsed > 0 ? Math.min(colorsUsed, 1 << bitsPerPixel) : 1 << bitsPerPixel;
    if (afterHeader + count * paletteEntrySize > buf.length) throw fail('truncated palette');
    palette = new Uint8Array(count * 3);
    for (let i = 0; i < count; i++) {
      const at = afterHeader + i * paletteEntrySize; // stored as B, G, R(, reserved)
      palette[i * 3] = buf[at + 2];
      palette[i * 3 + 1] = buf[at + 1];
      palette[i * 3 + 2] = buf[at];
    }
  }
  return { width, height: Math.abs(rawHeight), topDown: rawHeight < 0, bitsPerPixel, compression, dataOffset, palette, masks };
}

/** Bytes per stored row: rows are padded to a multiple of 4 bytes. */
function rowStride(width: number, bitsPerPixel: number): number {
  return Math.ceil((width * bitsPerPixel) / 32) * 4;
}

/** Decode an uncompressed BMP (1, 4, 8 bit palette; 16, 24, 32 bit direct colour) to RGB. */
export function decodeBmp(buf: Uint8Array, file: string, header: BmpHeader = readBmpHeader(buf, file)): RgbImage {
  const { width, height, bitsPerPixel: bpp, palette, topDown } = header;
  const stride = rowStride(width, bpp);
  const needed = header.dataOffset + stride * height;
  if (needed > buf.length) {
    throw new CefmError(`truncated BMP: pixel data needs ${needed} bytes, file has ${buf.length}`, { file });
  }
  const out = new Uint8Array(width * height * 3);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const channel = header.masks.map(maskShift);
  const paletteSize = palette.length / 3;
  for (let y = 0; y < height; y++) {
    const rowAt = header.dataOffset + stride * (topDown ? y : height - 1 - y);
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      if (bpp <= 8) {
        const bitAt = x * bpp;
        const byte = buf[rowAt + (bitAt >> 3)];
        const index = (byte >> (8 - bpp - (bitAt & 7))) & ((1 << bpp) - 1);
        // An index past a short palette is black (as most readers do).
        if (index < paletteSize) out.set(palette.subarray(index * 3, index * 3 + 3), o);
      } else if (bpp === 24) {
        const at = rowAt + x * 3;
        out[o] = buf[at + 2];
        out[o + 1] = buf[at + 1];
        out[o + 2] = buf[at];
      } else {
        const v = bpp === 16 ? view.getUint16(rowAt + x * 2, true) : view.getUint32(rowAt + x * 4, true);
        for (let c = 0; c < 3; c++) out[o + c] = channel[c](v);
      }
    }
  }
  return { width, height, data: out };
}

/** A function extracting one channel under `mask` and scaling it to 0..255. */
function maskShift(mask: number): (v: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (v) => Math.round((((v & mask) >>> shift) * 255) / max);
}
