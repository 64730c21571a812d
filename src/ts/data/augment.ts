import { clampByte, type Mask, type Rect, resizeMask, resizeRgb, type RgbImage } from './image.js';
import type { Rng } from './rng.js';

export interface ColorJitter {
  /** Each factor is drawn from [1 - x, 1 + x]; hue shift from [-hue, hue] turns (0.5 = half a turn). */
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
}

export interface AugmentOptions {
  /** Probability of a horizontal / vertical flip. */
  hflip?: number;
  vflip?: number;
  /** Rotate by a random multiple of 90 degrees. */
  rot90?: boolean;
  /** Random resized crop (torchvision semantics: area fraction `scale`, aspect ratio `ratio` relative to the output's); null: whole image. */
  crop?: { scale: [number, number]; ratio: [number, number] } | null;
  /** Largest small rotation, in degrees either way (0: none). Corners outside the image are black. */
  rotate?: number;
  /** Colour jitter on the image only; null: none. */
  jitter?: ColorJitter | null;
  /**
   * Random white balance (other cameras' illuminant), image only: with probability p each channel is
   * multiplied by exp(u), u uniform in [-strength, strength]. null: none.
   */
  illuminant?: { p: number; strength: number } | null;
  /** Random gamma, image only: with probability p, v -> 255 (v / 255)^g with g log-uniform in range. null: none. */
  gamma?: { p: number; range: [number, number] } | null;
  /** Gaussian blur (another camera's focus), image only: with probability p, sigma uniform in `sigma` output pixels. null: none. */
  blur?: { p: number; sigma: [number, number] } | null;
  /** Hair-like artefacts, image only: with probability p, a count in `count` of thin dark curves drawn over the lesion. null: none. */
  hair?: { p: number; count: [number, number] } | null;
}

export const DEFAULT_AUGMENT: Required<AugmentOptions> = {
  hflip: 0.5,
  vflip: 0.5,
  rot90: true,
  crop: { scale: [0.5, 1], ratio: [3 / 4, 4 / 3] },
  rotate: 15,
  jitter: { brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 0.02 },
  illuminant: null,
  gamma: null,
  blur: null,
  hair: null,
};

/**
 * For models that must hold up on other clinics' cameras, lighting and patients: the default
 * geometry plus stronger colour jitter, white balance, gamma, focus blur and hair.
 */
export const STRONG_AUGMENT: Required<AugmentOptions> = {
  ...DEFAULT_AUGMENT,
  crop: { scale: [0.4, 1], ratio: [3 / 4, 4 / 3] },
  rotate: 30,
  jitter: { brightness: 0.25, contrast: 0.25, saturation: 0.25, hue: 0.03 },
  illuminant: { p: 0.5, strength: 0.15 },
  gamma: { p: 0.3, range: [0.7, 1.4] },
  blur: { p: 0.3, sigma: [0.3, 1.2] },
  hair: { p: 0.3, count: [1, 8] },
};

/** One hair: a quadratic Bezier curve in output-relative coordinates (0..1), its width in pixels, colour and opacity. */
export interface HairStroke {
  points: [number, number, number, number, number, number];
  width: number;
  color: [number, number, number];
  alpha: number;
}

/** Every random choice for one sample: plain data, so it can be logged, compared or sent to a worker. */
export interface AugmentPlan {
  crop: Rect;
  hflip: boolean;
  vflip: boolean;
  /** Counter-clockwise quarter turns. */
  rot90: 0 | 1 | 2 | 3;
  /** Small rotation in degrees, counter-clockwise. */
  angle: number;
  jitter: ColorJitter | null;
  /** Per-channel gains of the illuminant shift; absent: none. */
  gains?: [number, number, number];
  /** Gamma exponent; absent: none. */
  gamma?: number;
  /** Gaussian blur sigma in output pixels; absent: none. */
  blur?: number;
  /** Hairs drawn before the blur and colour changes (they are in the scene); absent: none. */
  hairs?: HairStroke[];
}

export interface Size {
  width: number;
  height: number;
}

/** Named presets for `train --augment`: `standard` is the first shipped models' (round two's) recipe. */
export const AUGMENT_PRESETS = { strong: STRONG_AUGMENT, standard: DEFAULT_AUGMENT, none: null } as const;

/** Draw one sample's plan (in a fixed order, so equal seeds give equal plans). */
export function planAugment(options: AugmentOptions, source: Size, out: Size, rng: Rng): AugmentPlan {
  const o = { ...DEFAULT_AUGMENT, ...options };
  const hflip = o.hflip > 0 && rng.chance(o.hflip);
  const vflip = o.vflip > 0 && rng.chance(o.vflip);
  const rot90 = (o.rot90 ? rng.int(4) : 0) as AugmentPlan['rot90'];
  // After an odd number of quarter turns the crop's width becomes the output's height.
  const aspect = rot90 % 2 ? out.height / out.width : out.width / out.height;
  const crop = o.crop ? randomCrop(source, o.crop.scale, o.crop.ratio, aspect, rng) : { x: 0, y: 0, width: source.width, height: source.height };
  const angle = o.rotate > 0 ? rng.uniform(-o.rotate, o.rotate) : 0;
  let jitter: ColorJitter | null = null;
  if (o.jitter) {
    const j = o.jitter;
    jitter = {
      brightness: rng.uniform(1 - j.brightness, 1 + j.brightness),
      contrast: rng.uniform(1 - j.contrast, 1 + j.contrast),
      saturation: rng.uniform(1 - j.saturation, 1 + j.saturation),
      hue: rng.uniform(-j.hue, j.hue),
    };
  }
  const plan: AugmentPlan = { crop, hflip, vflip, rot90, angle, jitter };
  // Newer options draw after the older ones, so plans without them are unchanged.
  if (o.illuminant && rng.chance(o.illuminant.p)) {
    const s = o.illuminant.strength;
    plan.gains = [Math.exp(rng.uniform(-s, s)), Math.exp(rng.uniform(-s, s)), Math.exp(rng.uniform(-s, s))];
  }
  if (o.gamma && rng.chance(o.gamma.p)) plan.gamma = Math.exp(rng.uniform(Math.log(o.gamma.range[0]), Math.log(o.gamma.range[1])));
  if (o.blur && rng.chance(o.blur.p)) plan.blur = rng.uniform(o.blur.sigma[0], o.blur.sigma[1]);
  if (o.hair && rng.chance(o.hair.p)) {
    const n = o.hair.count[0] + rng.int(o.hair.count[1] - o.hair.count[0] + 1);
    plan.hairs = Array.from({ length: n }, () => randomHair(rng));
  }
  return plan;
}

/** A hair crossing part of the image: a start, a bend and an end, dark brown to black, about 1 px wide at the models' sizes. */
function randomHair(rng: Rng): HairStroke {
  const x0 = rng.uniform(0, 1);
  const y0 = rng.uniform(0, 1);
  const angle = rng.uniform(0, 2 * Math.PI);
  const length = rng.uniform(0.2, 0.9);
  const x2 = x0 + length * Math.cos(angle);
  const y2 = y0 + length * Math.sin(angle);
  const bend = rng.uniform(-0.25, 0.25) * length;
  const x1 = (x0 + x2) / 2 - bend * Math.sin(angle);
  const y1 = (y0 + y2) / 2 + bend * Math.cos(angle);
  const v = rng.uniform(10, 70);
  return { points: [x0, y0, x1, y1, x2, y2], width: rng.uniform(0.6, 1.8), color: [v * 1.15, v, v * 0.8], alpha: rng.uniform(0.6, 0.95) };
}

/** torchvision RandomResizedCrop.get_params, with the ratio taken relative to `aspect`. */
function randomCrop(source: Size, scale: [number, number], ratio: [number, number], aspect: number, rng: Rng): Rect {
  const { width: W, height: H } = source;
  const area = W * H;
  const [logLo, logHi] = [Math.log(ratio[0] * aspect), Math.log(ratio[1] * aspect)];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const r = Math.exp(rng.uniform(logLo, logHi));
    const w = Math.round(Math.sqrt(target * r));
    const h = Math.round(Math.sqrt(target / r));
    if (w > 0 && h > 0 && w <= W && h <= H) return { x: rng.int(W - w + 1), y: rng.int(H - h + 1), width: w, height: h };
  }
  // Fallback: the largest centred crop with the ratio clamped to the allowed range.
  const inRatio = W / H;
  let w = W;
  let h = H;
  if (inRatio < ratio[0] * aspect) h = Math.min(H, Math.max(1, Math.round(W / (ratio[0] * aspect))));
  else if (inRatio > ratio[1] * aspect) w = Math.min(W, Math.max(1, Math.round(H * ratio[1] * aspect)));
  return { x: Math.floor((W - w) / 2), y: Math.floor((H - h) / 2), width: w, height: h };
}

/**
 * Apply a plan: crop and resize (antialiased for the image, nearest for the mask), flips, quarter
 * turns, small rotation (bilinear / nearest through the same coordinate map), then colour jitter on
 * the image (hairs, blur, white balance and gamma, jitter). The mask goes through exactly the same
 * geometry as the image; hairs do not change it.
 */
export function applyAugment(plan: AugmentPlan, image: RgbImage, mask: Mask | undefined, out: Size): { image: RgbImage; mask?: Mask } {
  const turned = plan.rot90 % 2 === 1;
  const cropW = turned ? out.height : out.width;
  const cropH = turned ? out.width : out.height;
  let img = orient(resizeRgb(image, cropW, cropH, plan.crop), 3, plan);
  let msk = mask ? orient(resizeMask(mask, cropW, cropH, plan.crop), 1, plan) : undefined;
  if (plan.angle !== 0) {
    img = rotate(img, 3, plan.angle, sampleBilinear);
    if (msk) msk = rotate(msk, 1, plan.angle, sampleNearest);
  }
  if (plan.hairs?.length) img = drawHairs(img, plan.hairs);
  if (plan.blur !== undefined) img = gaussianBlur(img, plan.blur);
  if (plan.gains || plan.gamma !== undefined) img = channelCurves(img, plan.gains ?? [1, 1, 1], plan.gamma ?? 1);
  if (plan.jitter) img = colorJitter(img, plan.jitter);
  return msk ? { image: img, mask: msk } : { image: img };
}

interface Planar {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Flip, then turn counter-clockwise by quarter turns; a pure permutation of pixels. */
function orient<T extends Planar>(img: T, channels: number, plan: AugmentPlan): T {
  const { width: w, height: h } = img;
  const k = plan.rot90;
  const outW = k % 2 ? h : w;
  const outH = k % 2 ? w : h;
  if (!plan.hflip && !plan.vflip && k === 0) return img;
  const data = new Uint8Array(img.data.length);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      // Undo the turn (np.rot90 semantics), then undo the flips.
      let sx = k === 0 ? ox : k === 1 ? w - 1 - oy : k === 2 ? w - 1 - ox : oy;
      let sy = k === 0 ? oy : k === 1 ? ox : k === 2 ? h - 1 - oy : h - 1 - ox;
      if (plan.hflip) sx = w - 1 - sx;
      if (plan.vflip) sy = h - 1 - sy;
      const from = (sy * w + sx) * channels;
      const to = (oy * outW + ox) * channels;
      for (let c = 0; c < channels; c++) data[to + c] = img.data[from + c];
    }
  }
  return { ...img, width: outW, height: outH, data };
}

type Sampler = (img: Planar, channels: number, sx: number, sy: number, out: Uint8Array, at: number) => void;

/** Rotate about the centre by `degrees` counter-clockwise: each output pixel centre maps back into the source. */
function rotate<T extends Planar>(img: T, channels: number, degrees: number, sample: Sampler): T {
  const { width: w, height: h } = img;
  const theta = (degrees * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const data = new Uint8Array(img.data.length);
  for (let oy = 0; oy < h; oy++) {
    const dy = oy + 0.5 - h / 2;
    for (let ox = 0; ox < w; ox++) {
      const dx = ox + 0.5 - w / 2;
      // Screen y points down, so a counter-clockwise turn maps source (x, y) to (x cos + y sin, -x sin + y cos).
      const sx = w / 2 + dx * cos - dy * sin;
      const sy = h / 2 + dx * sin + dy * cos;
      sample(img, channels, sx, sy, data, (oy * w + ox) * channels);
    }
  }
  return { ...img, data };
}

/** Bilinear at a continuous position (pixel centres at +0.5); outside pixels count as 0. */
const sampleBilinear: Sampler = (img, channels, sx, sy, out, at) => {
  const x = sx - 0.5;
  const y = sy - 0.5;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  for (let c = 0; c < channels; c++) {
    let v = 0;
    for (let j = 0; j < 2; j++) {
      const yy = y0 + j;
      if (yy < 0 || yy >= img.height) continue;
      const wy = j ? fy : 1 - fy;
      for (let i = 0; i < 2; i++) {
        const xx = x0 + i;
        if (xx < 0 || xx >= img.width) continue;
        v += wy * (i ? fx : 1 - fx) * img.data[(yy * img.width + xx) * channels + c];
      }
    }
    out[at + c] = clampByte(v);
  }
};

/** The pixel whose square contains the position; outside is 0. */
const sampleNearest: Sampler = (img, channels, sx, sy, out, at) => {
  const x = Math.floor(sx);
  const y = Math.floor(sy);
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  for (let c = 0; c < channels; c++) out[at + c] = img.data[(y * img.width + x) * channels + c];
};

/** Per-channel gain then gamma, v -> 255 (clamp(v g_c) / 255)^gamma, through one 256-entry table per channel. */
export function channelCurves(img: RgbImage, gains: [number, number, number], gamma: number): RgbImage {
  const luts = gains.map((g) => {
    const t = new Uint8Array(256);
    for (let v = 0; v < 256; v++) t[v] = clampByte(255 * Math.pow(Math.min(255, v * g) / 255, gamma));
    return t;
  });
  const [lr, lg, lb] = luts;
  const d = img.data;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i += 3) {
    out[i] = lr[d[i]];
    out[i + 1] = lg[d[i + 1]];
    out[i + 2] = lb[d[i + 2]];
  }
  return { width: img.width, height: img.height, data: out };
}

const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;
const clamp255 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** Brightness, contrast (towards the mean luma), saturation (towards each pixel's luma), hue (YIQ turn), in that order. */
export function colorJitter(img: RgbImage, j: ColorJitter): RgbImage {
  const n = img.width * img.height;
  const px = new Float32Array(n * 3);
  let sum = 0;
  for (let i = 0; i < n * 3; i++) px[i] = clamp255(img.data[i] * j.brightness);
  for (let i = 0; i < n; i++) sum += luma(px[3 * i], px[3 * i + 1], px[3 * i + 2]);
  const mean = sum / n;
  const cosH = Math.cos(2 * Math.PI * j.hue);
  const sinH = Math.sin(2 * Math.PI * j.hue);
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    let r = clamp255((px[3 * i] - mean) * j.contrast + mean);
    let g = clamp255((px[3 * i + 1] - mean) * j.contrast + mean);
    let b = clamp255((px[3 * i + 2] - mean) * j.contrast + mean);
    const l = luma(r, g, b);
    r = clamp255((r - l) * j.saturation + l);
    g = clamp255((g - l) * j.saturation + l);
    b = clamp255((b - l) * j.saturation + l);
    if (j.hue !== 0) {
      const y = luma(r, g, b);
      const iq = 0.596 * r - 0.274 * g - 0.322 * b;
      const q = 0.211 * r - 0.523 * g + 0.312 * b;
      const i2 = iq * cosH - q * sinH;
      const q2 = iq * sinH + q * cosH;
      r = y + 0.956 * i2 + 0.621 * q2;
      g = y - 0.272 * i2 - 0.647 * q2;
      b = y - 1.106 * i2 + 1.703 * q2;
    }
    data[3 * i] = clampByte(r);
    data[3 * i + 1] = clampByte(g);
    data[3 * i + 2] = clampByte(b);
  }
  return { width: img.width, height: img.height, data };
}

/**
 * Hairs over the image: each stroke's coverage (distance to the sampled curve within half its width,
 * antialiased over one pixel) is blended once towards the stroke's colour, so overlapping samples of
 * one stroke do not darken it twice.
 */
export function drawHairs(img: RgbImage, strokes: HairStroke[]): RgbImage {
  const { width: w, height: h } = img;
  const data = new Uint8Array(img.data);
  const coverage = new Float32Array(w * h);
  for (const s of strokes) {
    coverage.fill(0);
    const [ax, ay, bx, by, cx, cy] = s.points.map((v, i) => v * (i % 2 ? h : w));
    const steps = Math.max(2, Math.ceil((Math.hypot(bx - ax, by - ay) + Math.hypot(cx - bx, cy - by)) * 2));
    const r = s.width / 2;
    for (let k = 0; k <= steps; k++) {
      const t = k / steps;
      const px = (1 - t) * (1 - t) * ax + 2 * t * (1 - t) * bx + t * t * cx;
      const py = (1 - t) * (1 - t) * ay + 2 * t * (1 - t) * by + t * t * cy;
      const x0 = Math.max(0, Math.floor(px - r - 1));
      const x1 = Math.min(w - 1, Math.ceil(px + r + 1));
      const y0 = Math.max(0, Math.floor(py - r - 1));
      const y1 = Math.min(h - 1, Math.ceil(py + r + 1));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const c = Math.min(1, Math.max(0, r + 0.5 - Math.hypot(x + 0.5 - px, y + 0.5 - py)));
          if (c > coverage[y * w + x]) coverage[y * w + x] = c;
        }
      }
    }
    for (let i = 0; i < w * h; i++) {
      const a = coverage[i] * s.alpha;
      if (a === 0) continue;
      for (let c = 0; c < 3; c++) data[3 * i + c] = clampByte(data[3 * i + c] * (1 - a) + s.color[c] * a);
    }
  }
  return { width: w, height: h, data };
}

/** Separable Gaussian blur (radius 3 sigma, edges clamped); weights sum to 1, so flat areas stay flat. */
export function gaussianBlur(img: RgbImage, sigma: number): RgbImage {
  const { width: w, height: h } = img;
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let total = 0;
  for (let i = -radius; i <= radius; i++) total += kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i] /= total;
  const pass = (src: Float32Array | Uint8Array, horizontal: boolean): Float32Array => {
    const out = new Float32Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) {
          let v = 0;
          for (let k = -radius; k <= radius; k++) {
            const sx = horizontal ? Math.min(w - 1, Math.max(0, x + k)) : x;
            const sy = horizontal ? y : Math.min(h - 1, Math.max(0, y + k));
            v += kernel[k + radius] * src[(sy * w + sx) * 3 + c];
          }
          out[(y * w + x) * 3 + c] = v;
        }
      }
    }
    return out;
  };
  const blurred = pass(pass(img.data, true), false);
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = clampByte(blurred[i]);
  return { width: w, height: h, data };
}
