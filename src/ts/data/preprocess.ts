import { CefmError } from '../errors.js';
import type { HostTensor } from '../tensor.js';
import { type AugmentOptions, type AugmentPlan, applyAugment, planAugment, type Size } from './augment.js';
import { PreprocessCache, type CachedSample } from './cache.js';
import { clampByte, decodeMask, decodeRgb, IMAGENET_NORMALIZATION, maskToTensor, type Normalization, readImageFile, resizeMask, resizeRgb, type RgbImage, toTensor } from './image.js';
import { mixSeed, Rng } from './rng.js';
import type { Sample } from './spec.js';

export interface PreprocessOptions {
  /** Output size: a number for square images. */
  size: number | Size;
  /** Default: ImageNet mean/std. Use the model's stored values. */
  normalization?: Normalization;
  /** Random augmentation (training); absent or null: resize only. */
  augment?: AugmentOptions | null;
  /** Load masks where samples have them (default true). */
  masks?: boolean;
  /** Decompression-bomb cap in pixels (default 100 megapixels). */
  maxPixels?: number;
  /** Seed of the augmentation; with the epoch and sample index it fixes every random choice. */
  seed?: number;
  /**
   * With augmentation: shrink the decoded image so its shorter side is at most this many pixels
   * before the random crop (this is the stage the cache stores). Default: keep full resolution.
   */
  baseShortSide?: number;
  /**
   * Colour constancy applied to every image before augmentation, in training and at inference (the
   * model stores it with its preprocessing). Default null: none.
   */
  colorConstancy?: ColorConstancy | null;
}

export type ColorConstancy = 'shades_of_gray';

/**
 * Shades-of-Gray colour constancy (Finlayson & Trezzi 2004; Barata et al. 2015 for dermoscopy): the
 * illuminant per channel is the Minkowski p-mean of that channel, and each channel is scaled so the
 * illuminant becomes grey of the same length (the ISIC challenge formulation). p = 1 is grey world,
 * p = infinity is max-RGB.
 */
export function shadesOfGray(img: RgbImage, p = 6): RgbImage {
  if (!(p >= 1)) throw new CefmError(`shadesOfGray: p must be >= 1, got ${p}`);
  const pow = new Float64Array(256);
  for (let v = 0; v < 256; v++) pow[v] = Math.pow(v / 255, p); // table: no pow per pixel
  const n = img.width * img.height;
  const d = img.data;
  let r = 0;
  let g = 0;
  let b = 0;
  for (let i = 0; i < n * 3; i += 3) {
    r += pow[d[i]];
    g += pow[d[i + 1]];
    b += pow[d[i + 2]];
  }
  const e = [r, g, b].map((s) => Math.pow(s / Math.max(1, n), 1 / p));
  const norm = Math.hypot(e[0], e[1], e[2]);
  const gain = e.map((x) => (x > 0 ? norm / (x * Math.sqrt(3)) : 1));
  const lut = [0, 1, 2].map((c) => {
    const t = new Uint8Array(256);
    for (let v = 0; v < 256; v++) t[v] = clampByte(v * gain[c]);
    return t;
  });
  const out = new Uint8Array(n * 3);
  const [lr, lg, lb] = lut;
  for (let i = 0; i < n * 3; i += 3) {
    out[i] = lr[d[i]];
    out[i + 1] = lg[d[i + 1]];
    out[i + 2] = lb[d[i + 2]];
  }
  return { width: img.width, height: img.height, data: out };
}

/** The deterministic colour step of `opts` (identity when none): reuse it in predict / explain. */
export function applyColorConstancy(img: RgbImage, method: ColorConstancy | null | undefined): RgbImage {
  if (!method) return img;
  if (method === 'shades_of_gray') return shadesOfGray(img);
  throw new CefmError(`preprocess: unknown colorConstancy ${JSON.stringify(method)} (expected 'shades_of_gray' or null)`);
}

export interface PreparedSample {
  /** [3, H, W] normalised. */
  image: HostTensor;
  /** [1, H, W] of 0/1, when the sample has a mask and masks are on. */
  mask?: HostTensor;
  plan?: AugmentPlan;
}

/** Where a sample sits: its index in the loader's list and the epoch (they seed its augmentation). */
export interface SamplePosition {
  index: number;
  epoch: number;
  /** The how-many-th repeat of this index in the epoch (sampling with replacement); 0 or absent: first. */
  repeat?: number;
}

export function outputSize(opts: PreprocessOptions): Size {
  const size = typeof opts.size === 'number' ? { width: opts.size, height: opts.size } : opts.size;
  if (!Number.isInteger(size.width) || !Number.isInteger(size.height) || size.width < 1 || size.height < 1) {
    throw new CefmError(`preprocess: size must be positive integers, got ${JSON.stringify(opts.size)}`);
  }
  return size;
}

/** Decode, check and (when deterministic) resize: the stage the cache holds. */
async function loadBase(sample: Sample, opts: PreprocessOptions, cache?: PreprocessCache): Promise<CachedSample> {
  const out = outputSize(opts);
  const imageBytes = await readImageFile(sample.image);
  const maskFile = opts.masks !== false ? sample.mask : undefined;
  const maskBytes = maskFile ? await readImageFile(maskFile) : undefined;
  const stage = opts.augment ? { stage: 'base', shortSide: opts.baseShortSide ?? null } : { stage: 'resized', ...out };
  const key = cache ? PreprocessCache.key([imageBytes, maskBytes ?? '', JSON.stringify({ v: 1, ...stage })]) : '';
  if (cache) {
    const hit = await cache.get(key);
    if (hit) return hit;
  }
  let image: RgbImage = await decodeRgb(imageBytes, sample.image, { maxPixels: opts.maxPixels });
  let mask = maskFile && maskBytes ? await decodeMask(maskBytes, maskFile, image, { maxPixels: opts.maxPixels }) : undefined;
  let target: Size | undefined = opts.augment ? undefined : out;
  const short = Math.min(image.width, image.height);
  if (opts.augment && opts.baseShortSide && short > opts.baseShortSide) {
    const scale = opts.baseShortSide / short;
    target = { width: Math.max(1, Math.round(image.width * scale)), height: Math.max(1, Math.round(image.height * scale)) };
  }
  if (target) {
    image = resizeRgb(image, target.width, target.height);
    if (mask) mask = resizeMask(mask, target.width, target.height);
  }
  const entry: CachedSample = mask ? { image, mask } : { image };
  if (cache) await cache.put(key, entry);
  return entry;
}

/** One sample as tensors: the same function runs in process and in the prefetch workers. */
export async function prepareSample(sample: Sample, opts: PreprocessOptions, at: SamplePosition, cache?: PreprocessCache): Promise<PreparedSample> {
  const norm = opts.normalization ?? IMAGENET_NORMALIZATION;
  const loaded = await loadBase(sample, opts, cache);
  const base: CachedSample = { ...loaded, image: applyColorConstancy(loaded.image, opts.colorConstancy) };
  if (!opts.augment) {
    return base.mask ? { image: toTensor(base.image, norm), mask: maskToTensor(base.mask) } : { image: toTensor(base.image, norm) };
  }
  // A repeat gets its own draw; the first occurrence keeps the seeding it always had.
  const rng = new Rng(at.repeat ? mixSeed(opts.seed ?? 0, at.epoch, at.index, at.repeat) : mixSeed(opts.seed ?? 0, at.epoch, at.index));
  const plan = planAugment(opts.augment, base.image, outputSize(opts), rng);
  const aug = applyAugment(plan, base.image, base.mask, outputSize(opts));
  const prepared: PreparedSample = { image: toTensor(aug.image, norm), plan };
  if (aug.mask) prepared.mask = maskToTensor(aug.mask);
  return prepared;
}

/** A sample that could not be used: one line naming the file and the problem. */
export interface SkippedSample {
  index: number;
  id: string;
  file: string;
  problem: string;
}

export type PrepareOutcome = { ok: true; sample: PreparedSample } | { ok: false; skipped: SkippedSample };

/** prepareSample that never throws: bad files come back as a SkippedSample. */
export async function tryPrepareSample(sample: Sample, opts: PreprocessOptions, at: SamplePosition, cache?: PreprocessCache): Promise<PrepareOutcome> {
  try {
    return { ok: true, sample: await prepareSample(sample, opts, at, cache) };
  } catch (e) {
    return { ok: false, skipped: skippedFrom(e, sample, at.index) };
  }
}

export function skippedFrom(e: unknown, sample: Sample, index: number): SkippedSample {
  if (e instanceof CefmError && e.file) {
    const prefix = `${e.file}: `;
    return { index, id: sample.id, file: e.file, problem: e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message };
  }
  const message = String((e as Error)?.message ?? e).split('\n')[0];
  return { index, id: sample.id, file: sample.image, problem: e instanceof CefmError ? message : `unexpected error: ${message}` };
}

export function formatSkipped(s: SkippedSample): string {
  return `${s.file}: ${s.problem}`;
}
