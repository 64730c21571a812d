// Synthetic lesions with known geometry for the ABC tests: a shape and its colours given in the
// lesion's own frame (u along its first axis), placed at a centre and angle in an RGB image.
import type { Mask, RgbImage } from '../../src/ts/data/image.js';
import type { Rng } from '../util/rng.js';

export type Colour = [number, number, number];

export interface Scene {
  image: RgbImage;
  mask: Mask;
}

export interface LesionSpec {
  width: number;
  height: number;
  cx: number;
  cy: number;
  /** Rotation of the lesion frame, radians (counter-clockwise on screen is negative y, as usual for images). */
  angle?: number;
  inside: (u: number, v: number) => boolean;
  /** Lesion colour at (u, v); default a uniform mid brown. */
  colour?: (u: number, v: number) => Colour;
  background?: Colour;
}

export const SKIN: Colour = [216, 170, 166];
export const BROWN: Colour = [150, 95, 60];

export function renderLesion(spec: LesionSpec): Scene {
  const { width, height, cx, cy } = spec;
  const cos = Math.cos(spec.angle ?? 0), sin = Math.sin(spec.angle ?? 0);
  const colour = spec.colour ?? (() => BROWN);
  const background = spec.background ?? SKIN;
  const rgb = new Uint8Array(width * height * 3);
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = x - cx, dy = y - cy;
      const u = dx * cos + dy * sin, v = -dx * sin + dy * cos;
      const p = y * width + x;
      const inside = spec.inside(u, v);
      mask[p] = inside ? 1 : 0;
      rgb.set(inside ? colour(u, v) : background, 3 * p);
    }
  }
  return { image: { width, height, data: rgb }, mask: { width, height, data: mask } };
}

export const disc = (r: number) => (u: number, v: number) => u * u + v * v <= r * r;
export const ellipse = (a: number, b: number) => (u: number, v: number) => (u * u) / (a * a) + (v * v) / (b * b) <= 1;

/** A disc of radius r with a smaller disc (radius rb) centred on its rim at +u. */
export const discWithBump = (r: number, rb: number) => (u: number, v: number) => u * u + v * v <= r * r || (u - r) ** 2 + v * v <= rb * rb;

/** A random smooth blob: radius R (1 + sum of a few random harmonics), seeded. */
export function randomBlob(rng: Rng, radius: number): (u: number, v: number) => boolean {
  const harmonics = [2, 3, 5, 7].map((k) => ({ k, a: rng.uniform(0.03, 0.12), phase: rng.uniform(0, 2 * Math.PI) }));
  return (u, v) => {
    const theta = Math.atan2(v, u);
    const r = radius * (1 + harmonics.reduce((s, h) => s + h.a * Math.cos(h.k * theta + h.phase), 0));
    return u * u + v * v <= r * r;
  };
}

/** Piecewise colours fixed to the lesion frame: light brown, a dark-brown patch, a few blue-grey dots, with seeded noise. */
export function patchyColour(rng: Rng, radius: number): (u: number, v: number) => Colour {
  const patch = { u: rng.uniform(-0.4, 0.4) * radius, v: rng.uniform(-0.4, 0.4) * radius, r: 0.35 * radius };
  const dots = Array.from({ length: 5 }, () => ({ u: rng.uniform(-0.6, 0.6) * radius, v: rng.uniform(-0.6, 0.6) * radius, r: 0.08 * radius }));
  return (u, v) => {
    // Deterministic per-position noise so a rotated copy sees the same colours at the same (u, v).
    const noise = Math.round(6 * Math.sin(12.9898 * Math.round(u) + 78.233 * Math.round(v)));
    const base: Colour = dots.some((d) => (u - d.u) ** 2 + (v - d.v) ** 2 <= d.r * d.r)
      ? [110, 112, 140]
      : (u - patch.u) ** 2 + (v - patch.v) ** 2 <= patch.r ** 2
        ? [120, 58, 20]
        : [178, 112, 70];
    return base.map((c) => Math.min(255, Math.max(0, c + noise))) as Colour;
  };
}

/** The scene rotated by 90 degrees clockwise, pixel for pixel. */
export function rotate90(s: Scene): Scene {
  const { width: w, height: h } = s.image;
  const rgb = new Uint8Array(w * h * 3), mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const nx = h - 1 - y, ny = x; // new image is h wide, w high
      const q = ny * h + nx, p = y * w + x;
      mask[q] = s.mask.data[p];
      rgb.set(s.image.data.subarray(3 * p, 3 * p + 3), 3 * q);
    }
  }
  return { image: { width: h, height: w, data: rgb }, mask: { width: h, height: w, data: mask } };
}

/** The scene shifted by whole pixels; uncovered pixels take the background colour and no lesion. */
export function translate(s: Scene, dx: number, dy: number, background: Colour = SKIN): Scene {
  const { width: w, height: h } = s.image;
  const rgb = new Uint8Array(w * h * 3), mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = x - dx, sy = y - dy, q = y * w + x;
      if (sx < 0 || sy < 0 || sx >= w || sy >= h) {
        rgb.set(background, 3 * q);
        continue;
      }
      const p = sy * w + sx;
      mask[q] = s.mask.data[p];
      rgb.set(s.image.data.subarray(3 * p, 3 * p + 3), 3 * q);
    }
  }
  return { image: { width: w, height: h, data: rgb }, mask: { width: w, height: h, data: mask } };
}
