import { readFile } from 'node:fs/promises';
import { isMainThread } from 'node:worker_threads';
import sharp, { type Metadata } from 'sharp';
import { addonStatus, type NativeAddon } from '../addon.js';
import { CefmError } from '../errors.js';
import type { HostTensor } from '../tensor.js';
import { decodeBmp, isBmp, readBmpHeader } from './bmp.js';

export interface RgbImage {
  width: number;
  height: number;
  /** RGB interleaved, 3 bytes per pixel, rows top to bottom. */
  data: Uint8Array;
}

export interface Mask {
  width: number;
  height: number;
  /** 0 or 1 per pixel. */
  data: Uint8Array;
}

/** Per-channel mean and std on the 0..1 scale, as stored with a model. */
export interface Normalization {
  mean: [number, number, number];
  std: [number, number, number];
}

export const IMAGENET_NORMALIZATION: Normalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** Decompression-bomb cap: images above this many pixels are refused before decoding. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export interface DecodeOptions {
  maxPixels?: number;
  /**
   * Decode straight to at most this many pixels on the longer side (aspect kept, never enlarged):
   * JPEG's DCT scaling then skips most of the work. The full size is in the result's `original`.
   */
  maxSide?: number;
}

/** A decoded image with the size of the file's (oriented) picture, which `maxSide` may have reduced. */
export type DecodedRgb = RgbImage & { original: { width: number; height: number } };

type Format = 'jpeg' | 'png' | 'webp' | 'tiff' | 'bmp';

/** The format from the file's first bytes (never from its name: a text file named .jpg is not a JPEG). */
export function sniffFormat(buf: Uint8Array): Format | undefined {
  const at = (i: number, ...bytes: number[]) => bytes.every((b, k) => buf[i + k] === b);
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'webp';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a) || at(0, 0x49, 0x49, 0x2b, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2b)) return 'tiff';
  if (isBmp(buf)) return 'bmp';
  return undefined;
}

export async function readImageFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CefmError(code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(e)})`, { file, cause: e });
  }
}

/** Read an image file as 8-bit RGB (see decodeRgb). */
export async function readRgb(file: string, opts: DecodeOptions = {}): Promise<DecodedRgb> {
  return decodeRgb(await readImageFile(file), file, opts);
}

/**
 * Decode JPEG, PNG, WebP or TIFF (sharp) or BMP (bmp.ts) to 8-bit RGB: EXIF orientation applied,
 * alpha dropped, grey replicated to RGB, 16-bit scaled to 8-bit. `file` names the image in errors.
 */
export async function decodeRgb(buf: Uint8Array, file: string, opts: DecodeOptions = {}): Promise<DecodedRgb> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (buf.length === 0) throw new CefmError('empty file (0 bytes)', { file });
  const format = sniffFormat(buf);
  if (!format) throw new CefmError(`not an image: content is not JPEG, PNG, WebP, TIFF or BMP (starts with ${describeStart(buf)})`, { file });
  if (format === 'bmp') {
    const header = readBmpHeader(buf, file);
    checkPixelCount(header.width, header.height, maxPixels, file);
    const full = decodeBmp(buf, file, header);
    const original = { width: full.width, height: full.height };
    const side = opts.maxSide ?? Infinity;
    if (Math.max(full.width, full.height) <= side) return { ...full, original };
    const scale = side / Math.max(full.width, full.height);
    return { ...resizeRgb(full, Math.max(1, Math.round(full.width * scale)), Math.max(1, Math.round(full.height * scale))), original };
  }
  const input = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let meta: Metadata;
  try {
    // Header only: no pixel limit here, the size is checked just below with a clear message.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw sharpError(e, format, file, input);
  }
  if (!meta.width || !meta.height) throw new CefmError(`bad ${format.toUpperCase()}: no image size in header`, { file });
  checkPixelCount(meta.width, meta.height, maxPixels, file);
  // EXIF orientations 5-8 turn the picture a quarter: width and height swap.
  const turned = (meta.orientation ?? 1) >= 5;
  const original = turned ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
  try {
    let pipeline = sharp(input, { limitInputPixels: maxPixels, failOn: 'truncated' }).autoOrient();
    if (opts.maxSide && Math.max(original.width, original.height) > opts.maxSide) {
      pipeline = pipeline.resize({ width: opts.maxSide, height: opts.maxSide, fit: 'inside', withoutEnlargement: true });
    }
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new CefmError(`decoded to ${info.channels} channels, expected 3`, { file });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length), original };
  } catch (e) {
    if (e instanceof CefmError) throw e;
    throw sharpError(e, format, file, input);
  }
}

function checkPixelCount(width: number, height: number, maxPixels: number, file: string): void {
  if (width * height > maxPixels) {
    const mp = (n: number) => `${n >= 1e8 ? Math.round(n / 1e6) : +(n / 1e6).toPrecision(3)} megapixels`;
    throw new CefmError(`image is ${width}x${height} (${mp(width * height)}), above the ${mp(maxPixels)} limit (decompression bomb?)`, { file });
  }
}

/** Whether the file stops before its format's end marker (JPEG EOI, PNG IEND). */
function endsEarly(format: Format, buf: Uint8Array): boolean {
  const n = buf.length;
  if (format === 'jpeg') return !(n >= 2 && buf[n - 2] === 0xff && buf[n - 1] === 0xd9);
  if (format === 'png') return Buffer.from(buf.subarray(Math.max(0, n - 12))).indexOf('IEND') < 0;
  return false;
}

function sharpError(e: unknown, format: Format, file: string, buf: Uint8Array): CefmError {
  const message = String((e as Error)?.message ?? e).split('\n').map((s) => s.trim()).filter(Boolean).join('; ');
  // libvips keeps one error buffer for all threads, so concurrent decodes can mix their messages:
  // decide 'truncated' from the bytes where the format allows it.
  const kind = endsEarly(format, buf) || /premature end|truncated|unexpected end/i.test(message) ? 'truncated' : 'corrupt';
  return new CefmError(`${kind} ${format.toUpperCase()} (${message})`, { file, cause: e });
}

function describeStart(buf: Uint8Array): string {
  const head = buf.subarray(0, 8);
  const printable = head.every((b) => b >= 0x20 && b < 0x7f);
  return printable ? JSON.stringify(Buffer.from(head).toString('latin1')) : Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Read a mask file (see decodeMask). */
export async function readMask(file: string, expect?: { width: number; height: number }, opts: DecodeOptions = {}): Promise<Mask> {
  return decodeMask(await readImageFile(file), file, expect, opts);
}

/**
 * Decode a mask: any image format decodeRgb reads, luma (Rec. 601; the grey value itself for grey
 * masks) thresholded at 128. When `expect` is given, a different size is an error naming the file.
 */
export async function decodeMask(buf: Uint8Array, file: string, expect?: { width: number; height: number }, opts: DecodeOptions = {}): Promise<Mask> {
  const rgb = await decodeRgb(buf, file, opts);
  if (expect && (rgb.width !== expect.width || rgb.height !== expect.height)) {
    throw new CefmError(`mask is ${rgb.width}x${rgb.height} but its image is ${expect.width}x${expect.height}`, { file });
  }
  const n = rgb.width * rgb.height;
  const data = new Uint8Array(n);
  const src = rgb.data;
  for (let i = 0; i < n; i++) {
    // Integer luma x1000 avoids rounding doubts at the threshold: grey g gives exactly 1000 g.
    const luma1000 = 299 * src[3 * i] + 587 * src[3 * i + 1] + 114 * src[3 * i + 2];
    data[i] = luma1000 >= 128_000 ? 1 : 0;
  }
  return { width: rgb.width, height: rgb.height, data };
}

/** A rectangle in source pixels (integers). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Resize (optionally a crop `rect` of) an RGB image with bilinear interpolation that widens its
 * filter when shrinking (antialiasing), as PIL and torch `interpolate(..., antialias=True)` do, so
 * tensors match a PyTorch pipeline's. Rounded back to 8 bits.
 */
export function resizeRgb(img: RgbImage, width: number, height: number, rect: Rect = fullRect(img)): RgbImage {
  checkRect(img, rect, width, height);
  if (rect.x === 0 && rect.y === 0 && rect.width === img.width && rect.height === img.height && width === img.width && height === img.height) {
    return { width, height, data: img.data.slice() };
  }
  const native = nativeResize();
  if (native && img.data instanceof Uint8Array) {
    return { width, height, data: native(img.data, img.width, img.height, rect.x, rect.y, rect.width, rect.height, width, height) };
  }
  return resizeRgbReference(img, width, height, rect);
}

type NativeResize = NonNullable<NativeAddon['resizeRgb']>;
let nativeResizeFn: NativeResize | null | undefined;

/**
 * The addon's copy of resizeRgbReference (native/image/resize.cc, same bytes, ~10x faster), on the
 * main thread only: an addon loaded again in a worker thread would re-register its classes.
 */
function nativeResize(): NativeResize | null {
  if (nativeResizeFn === undefined) {
    const status = isMainThread ? addonStatus() : null;
    const fn = status?.ok ? status.addon.resizeRgb : undefined;
    nativeResizeFn = typeof fn === 'function' ? fn : null;
  }
  return nativeResizeFn;
}

/** resizeRgb in JS: the reference the native resize is tested against, and its fallback. */
export function resizeRgbReference(img: RgbImage, width: number, height: number, rect: Rect = fullRect(img)): RgbImage {
  checkRect(img, rect, width, height);
  const horizontal = filterTaps(rect.width, width);
  const vertical = filterTaps(rect.height, height);
  // Pass 1: horizontal, over the source rows of the crop, kept in float.
  const src = img.data;
  const mid = new Float32Array(rect.height * width * 3);
  const { start: hStart, count: hCount, weights: hWeights, maxTaps: hMax } = horizontal;
  for (let y = 0; y < rect.height; y++) {
    const rowAt = ((rect.y + y) * img.width + rect.x) * 3;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      const taps = hCount[x];
      const wAt = x * hMax;
      let at = rowAt + hStart[x] * 3;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < taps; k++, at += 3) {
        const w = hWeights[wAt + k];
        r += w * src[at];
        g += w * src[at + 1];
        b += w * src[at + 2];
      }
      mid[o] = r;
      mid[o + 1] = g;
      mid[o + 2] = b;
    }
  }
  // Pass 2: vertical, accumulating whole rows (sequential memory access).
  const out = new Uint8Array(width * height * 3);
  const rowLen = width * 3;
  const acc = new Float64Array(rowLen);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    for (let k = 0; k < vertical.count[y]; k++) {
      const w = vertical.weights[y * vertical.maxTaps + k];
      const rowAt = (vertical.start[y] + k) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += w * mid[rowAt + i];
    }
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) out[o + i] = clampByte(acc[i]);
  }
  return { width, height, data: out };
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  maxTaps: number;
}

/** PIL's triangle-filter taps for one axis: support widened by the shrink factor, weights normalised. */
function filterTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle filter has support 1
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    let total = 0;
    for (let x = lo; x < hi; x++) {
      const w = Math.max(0, 1 - Math.abs((x - center + 0.5) / filterScale));
      weights[i * maxTaps + x - lo] = w;
      total += w;
    }
    for (let k = 0; k < hi - lo; k++) weights[i * maxTaps + k] /= total;
    start[i] = lo;
    count[i] = hi - lo;
  }
  return { start, count, weights, maxTaps };
}

/** A mask from a model's logits (a width × height plane): 255 where the logit is above 0. */
export function maskFromLogits(width: number, height: number, logits: Float32Array): Mask {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = logits[i] > 0 ? 255 : 0;
  return { width, height, data };
}

/**
 * Nearest-neighbour resize of (a crop of) a mask, pixel centres aligned with resizeRgb's:
 * source = floor((dst + 0.5) * in / out), as PIL's NEAREST and torch 'nearest-exact' (torch's plain
 * 'nearest' shifts the mask by up to half a source pixel against the image).
 */
export function resizeMask(mask: Mask, width: number, height: number, rect: Rect = fullRect(mask)): Mask {
  checkRect(mask, rect, width, height);
  const out = new Uint8Array(width * height);
  const xs = new Int32Array(width);
  for (let x = 0; x < width; x++) xs[x] = rect.x + Math.min(Math.floor(((x + 0.5) * rect.width) / width), rect.width - 1);
  for (let y = 0; y < height; y++) {
    const sy = rect.y + Math.min(Math.floor(((y + 0.5) * rect.height) / height), rect.height - 1);
    const rowAt = sy * mask.width;
    for (let x = 0; x < width; x++) out[y * width + x] = mask.data[rowAt + xs[x]];
  }
  return { width, height, data: out };
}

function fullRect(img: { width: number; height: number }): Rect {
  return { x: 0, y: 0, width: img.width, height: img.height };
}

function checkRect(img: { width: number; height: number }, rect: Rect, width: number, height: number): void {
  const ints = [rect.x, rect.y, rect.width, rect.height, width, height].every(Number.isInteger);
  if (!ints || width < 1 || height < 1 || rect.width < 1 || rect.height < 1 || rect.x < 0 || rect.y < 0 || rect.x + rect.width > img.width || rect.y + rect.height > img.height) {
    throw new CefmError(`resize: bad crop ${JSON.stringify(rect)} of a ${img.width}x${img.height} image to ${width}x${height}`);
  }
}

export function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** [3, H, W] float32: (value / 255 - mean) / std per channel. */
export function toTensor(img: RgbImage, norm: Normalization = IMAGENET_NORMALIZATION): HostTensor {
  const n = img.width * img.height;
  const data = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    // A lookup table per channel: 256 values, so every pixel costs one read.
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v / 255 - norm.mean[c]) / norm.std[c];
    const plane = c * n;
    for (let i = 0; i < n; i++) data[plane + i] = table[img.data[3 * i + c]];
  }
  return { shape: [3, img.height, img.width], data };
}

/** [1, H, W] float32 of 0/1. */
export function maskToTensor(mask: Mask): HostTensor {
  return { shape: [1, mask.height, mask.width], data: Float32Array.from(mask.data) };
}
