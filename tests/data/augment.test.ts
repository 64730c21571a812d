import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyAugment, channelCurves, colorJitter, DEFAULT_AUGMENT, drawHairs, gaussianBlur, planAugment, STRONG_AUGMENT, type AugmentPlan } from '../../src/ts/data/augment.js';
import type { Mask, RgbImage } from '../../src/ts/data/image.js';
import { countDiff, randomRgb, Rng } from './fixtures.js';

/**
 * A blocky image whose mask is derived from it: 6x6-pixel cells, each either bright (mask 1) or dark
 * (mask 0), with noise that never crosses the threshold.
 */
function blockyPair(rng: Rng, width: number, height: number): { image: RgbImage; mask: Mask } {
  const cell = 6;
  const cols = Math.ceil(width / cell);
  const bright = Array.from({ length: cols * Math.ceil(height / cell) }, () => rng.chance(0.45));
  const image = { width, height, data: new Uint8Array(width * height * 3) };
  const mask = { width, height, data: new Uint8Array(width * height) };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const on = bright[Math.floor(y / cell) * cols + Math.floor(x / cell)];
      mask.data[y * width + x] = on ? 1 : 0;
      for (let c = 0; c < 3; c++) image.data[(y * width + x) * 3 + c] = on ? 200 + rng.int(50) : 10 + rng.int(50);
    }
  }
  return { image, mask };
}

/** Fraction of pixels where (image brighter than 128) disagrees with the mask. */
function disagreement(image: RgbImage, mask: Mask): number {
  let bad = 0;
  for (let i = 0; i < mask.data.length; i++) if ((image.data[i * 3] >= 128 ? 1 : 0) !== mask.data[i]) bad++;
  return bad / mask.data.length;
}

/**
 * Disagreements away from edges: pixels whose 5x5 neighbourhood lies inside the picture and has one
 * mask value, but whose image brightness says otherwise. Edges may blur (antialiased, bilinear image vs
 * nearest mask; black corners of a rotation blend in); interiors may not. `valid`: 1 where the output
 * shows the source (the plan applied to an all-ones mask).
 */
function interiorDisagreements(image: RgbImage, mask: Mask, valid: Mask): number {
  const { width: w, height: h } = mask;
  let bad = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const m = mask.data[y * w + x];
      if ((image.data[(y * w + x) * 3] >= 128 ? 1 : 0) === m) continue;
      let uniform = true;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || yy >= h || xx < 0 || xx >= w || !valid.data[yy * w + xx] || mask.data[yy * w + xx] !== m) uniform = false;
        }
      }
      if (uniform) bad++;
    }
  }
  return bad;
}

const GEOMETRY_ONLY = { ...DEFAULT_AUGMENT, jitter: null };

test('the mask follows the image through every geometric augmentation', () => {
  const rng = new Rng(201);
  const { image, mask } = blockyPair(rng, 157, 101);
  const out = { width: 63, height: 47 };
  const allOnes = { ...mask, data: new Uint8Array(mask.data.length).fill(1) };
  let worst = 0;
  let turned = 0;
  let rotated = 0;
  for (let seed = 0; seed < 40; seed++) {
    const plan = planAugment(GEOMETRY_ONLY, image, out, new Rng(seed));
    if (plan.rot90 % 2) turned++;
    if (Math.abs(plan.angle) > 3) rotated++;
    const aug = applyAugment(plan, image, mask, out);
    const valid = applyAugment(plan, image, allOnes, out).mask!;
    assert.equal([aug.image.width, aug.image.height, aug.mask!.width, aug.mask!.height], [63, 47, 63, 47]);
    worst = Math.max(worst, interiorDisagreements(aug.image, aug.mask!, valid));
    assert.ok(disagreement(aug.image, aug.mask!) < 0.15, `seed ${seed}: ${disagreement(aug.image, aug.mask!)}`);
  }
  assert.is(worst, 0, 'pixels inside a cell disagree with the mask');
  assert.ok(turned > 5 && rotated > 20, `turned ${turned}, rotated ${rotated}`);
  // The test can fail: pairing the image with another seed's mask disagrees a lot.
  const a = applyAugment(planAugment(GEOMETRY_ONLY, image, out, new Rng(1)), image, mask, out);
  const b = applyAugment(planAugment(GEOMETRY_ONLY, image, out, new Rng(2)), image, mask, out);
  assert.ok(disagreement(a.image, b.mask!) > 0.25, `mismatched pair ${disagreement(a.image, b.mask!)}`);
  const bothValid = { ...a.mask!, data: new Uint8Array(a.mask!.data.length).fill(1) };
  assert.ok(interiorDisagreements(a.image, b.mask!, bothValid) > 30, `mismatched pair interior ${interiorDisagreements(a.image, b.mask!, bothValid)}`);
});

test('colour jitter leaves the mask alone and keeps bright cells bright', () => {
  const { image, mask } = blockyPair(new Rng(202), 90, 66);
  const out = { width: 45, height: 45 };
  const plan = planAugment({ ...DEFAULT_AUGMENT, jitter: { brightness: 0.1, contrast: 0.1, saturation: 0.1, hue: 0 } }, image, out, new Rng(5));
  const aug = applyAugment(plan, image, mask, out);
  const plain = applyAugment({ ...plan, jitter: null }, image, mask, out);
  assert.is(countDiff(aug.mask!.data, plain.mask!.data), 0);
  assert.ok(countDiff(aug.image.data, plain.image.data) > 0);
  const valid = applyAugment({ ...plan, jitter: null }, image, { ...mask, data: mask.data.map(() => 1) }, out).mask!;
  assert.is(interiorDisagreements(aug.image, aug.mask!, valid), 0);
});

/** Independent reference for flips and quarter turns: explicit coordinate formulas per case. */
function reference(img: RgbImage, plan: AugmentPlan): RgbImage {
  let cur = img;
  const map = (w: number, h: number, f: (x: number, y: number) => [number, number]) => {
    const out = { width: w, height: h, data: new Uint8Array(w * h * 3) };
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const [sx, sy] = f(x, y);
      out.data.set(cur.data.subarray((sy * cur.width + sx) * 3, (sy * cur.width + sx) * 3 + 3), (y * w + x) * 3);
    }
    cur = out;
  };
  if (plan.hflip) map(cur.width, cur.height, (x, y) => [cur.width - 1 - x, y]);
  if (plan.vflip) map(cur.width, cur.height, (x, y) => [x, cur.height - 1 - y]);
  // One counter-clockwise quarter turn at a time: the new top row is the old right column.
  for (let k = 0; k < plan.rot90; k++) map(cur.height, cur.width, (x, y) => [cur.width - 1 - y, x]);
  return cur;
}

test('flips and quarter turns are exact pixel permutations (no crop, no rotation)', () => {
  const img = randomRgb(new Rng(203), 17, 11);
  const crop = { x: 0, y: 0, width: 17, height: 11 };
  for (let k = 0; k < 4; k++) {
    for (const [hflip, vflip] of [[false, false], [true, false], [false, true], [true, true]]) {
      const plan: AugmentPlan = { crop, hflip, vflip, rot90: k as AugmentPlan['rot90'], angle: 0, jitter: null };
      const out = k % 2 ? { width: 11, height: 17 } : { width: 17, height: 11 };
      const got = applyAugment(plan, img, undefined, out).image;
      const want = reference(img, plan);
      assert.equal([got.width, got.height], [want.width, want.height]);
      assert.is(countDiff(got.data, want.data), 0, `k=${k} h=${hflip} v=${vflip}`);
    }
  }
});

test('seeded: equal seeds give equal output, different seeds differ', () => {
  const img = randomRgb(new Rng(204), 41, 29);
  const out = { width: 24, height: 24 };
  const run = (seed: number) => applyAugment(planAugment({}, img, out, new Rng(seed)), img, undefined, out).image.data;
  assert.is(countDiff(run(9), run(9)), 0);
  assert.ok(countDiff(run(9), run(10)) > 100);
});

test('random crops stay inside the image with area and aspect in range', () => {
  const src = { width: 800, height: 500 };
  const out = { width: 224, height: 224 };
  const rng = new Rng(205);
  for (let i = 0; i < 300; i++) {
    const { crop } = planAugment({ crop: { scale: [0.3, 0.9], ratio: [3 / 4, 4 / 3] } }, src, out, rng);
    assert.ok(crop.x >= 0 && crop.y >= 0 && crop.x + crop.width <= 800 && crop.y + crop.height <= 500, JSON.stringify(crop));
    const area = (crop.width * crop.height) / (800 * 500);
    const ratio = crop.width / crop.height;
    assert.ok(area > 0.29 && area < 0.91, `area ${area}`);
    assert.ok(ratio > 0.74 && ratio < 1.35, `ratio ${ratio}`);
  }
});

test('colour jitter: brightness scales, saturation 0 gives grey, neutral factors are the identity', () => {
  const img = randomRgb(new Rng(206), 9, 7);
  const neutral = colorJitter(img, { brightness: 1, contrast: 1, saturation: 1, hue: 0 });
  assert.is(countDiff(neutral.data, img.data), 0);
  const dim = colorJitter(img, { brightness: 0.5, contrast: 1, saturation: 1, hue: 0 });
  assert.is(countDiff(dim.data, img.data.map((v) => Math.round(v * 0.5)), 0), 0);
  const grey = colorJitter(img, { brightness: 1, contrast: 1, saturation: 0, hue: 0 });
  for (let i = 0; i < 63; i++) {
    const l = 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2];
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(grey.data[i * 3 + c] - l) <= 0.5 + 1e-9);
  }
  const flat = colorJitter(img, { brightness: 1, contrast: 0, saturation: 1, hue: 0 });
  assert.ok(new Set(flat.data).size === 1, 'contrast 0 gives one grey level');
});

test('illuminant shift and gamma: off by default (old plans unchanged), seeded, image only, match the formula', () => {
  const { image, mask } = blockyPair(new Rng(207), 80, 60);
  const out = { width: 40, height: 40 };
  const opts = { illuminant: { p: 1, strength: 0.3 }, gamma: { p: 1, range: [0.7, 1.4] as [number, number] } };
  const old = planAugment({}, image, out, new Rng(3));
  assert.equal(old.gains, undefined);
  assert.equal(old.gamma, undefined);
  const plan = planAugment(opts, image, out, new Rng(3));
  assert.equal({ ...plan, gains: undefined, gamma: undefined }, { ...old, gains: undefined, gamma: undefined }, 'older draws unchanged');
  assert.equal(planAugment(opts, image, out, new Rng(3)), plan, 'seeded');
  assert.ok(plan.gains!.every((g) => g >= Math.exp(-0.3) && g <= Math.exp(0.3)) && plan.gamma! >= 0.7 && plan.gamma! <= 1.4);
  assert.ok(new Set(plan.gains).size === 3, 'independent gains per channel');
  const aug = applyAugment(plan, image, mask, out);
  const plain = applyAugment({ ...plan, gains: undefined, gamma: undefined }, image, mask, out);
  assert.is(countDiff(aug.mask!.data, plain.mask!.data), 0, 'mask untouched');
  // Reference: jitter is applied after the curves, so compare with jitter off.
  const noJitter = { ...plan, jitter: null };
  const got = applyAugment(noJitter, image, undefined, out).image;
  const base = applyAugment({ ...noJitter, gains: undefined, gamma: undefined }, image, undefined, out).image;
  let worst = 0;
  for (let i = 0; i < base.data.length; i++) {
    const want = Math.round(255 * (Math.min(255, base.data[i] * plan.gains![i % 3]) / 255) ** plan.gamma!);
    worst = Math.max(worst, Math.abs(got.data[i] - want));
  }
  assert.is(worst, 0);
  assert.ok(countDiff(got.data, base.data) > base.data.length / 2, 'the shift changes the image');
  assert.is(countDiff(channelCurves(base, [1, 1, 1], 1).data, base.data), 0, 'neutral curves are the identity');
  assert.is(planAugment({ illuminant: { p: 0, strength: 0.3 } }, image, out, new Rng(3)).gains, undefined, 'p = 0: never');
});

test('gaussian blur: flat stays flat, mean kept, a 1-pixel line spreads as the float64 kernel says', () => {
  const flat = { width: 13, height: 9, data: new Uint8Array(13 * 9 * 3).fill(137) };
  assert.is(countDiff(gaussianBlur(flat, 1.1).data, flat.data), 0);
  const img = randomRgb(new Rng(5), 31, 23);
  const blurred = gaussianBlur(img, 0.9);
  const mean = (d: Uint8Array) => d.reduce((a, v) => a + v, 0) / d.length;
  assert.ok(Math.abs(mean(blurred.data) - mean(img.data)) < 1.5, 'mean kept (edges clamped)');
  const variance = (d: Uint8Array) => { const m = mean(d); return d.reduce((a, v) => a + (v - m) ** 2, 0) / d.length; };
  assert.ok(variance(blurred.data) < variance(img.data) * 0.6, 'noise smoothed');
  // A vertical white line on black, far from the edges: each column gets the normalised Gaussian weight.
  const line = { width: 21, height: 7, data: new Uint8Array(21 * 7 * 3) };
  for (let y = 0; y < 7; y++) for (let c = 0; c < 3; c++) line.data[(y * 21 + 10) * 3 + c] = 200;
  const sigma = 1.3;
  const r = Math.ceil(3 * sigma);
  let total = 0;
  for (let i = -r; i <= r; i++) total += Math.exp(-(i * i) / (2 * sigma * sigma));
  const got = gaussianBlur(line, sigma);
  for (let dx = -r; dx <= r; dx++) {
    const want = Math.round((200 * Math.exp(-(dx * dx) / (2 * sigma * sigma))) / total);
    assert.ok(Math.abs(got.data[(3 * 21 + 10 + dx) * 3] - want) <= 1, `column ${dx}: ${got.data[(3 * 21 + 10 + dx) * 3]} vs ${want}`);
  }
});

test('hairs: dark thin curves on the image only, seeded, off in the default preset', () => {
  const { image, mask } = blockyPair(new Rng(11), 90, 70);
  const out = { width: 48, height: 48 };
  assert.equal(planAugment({}, image, out, new Rng(4)).hairs, undefined, 'default: no hairs');
  const opts = { ...STRONG_AUGMENT, hair: { p: 1, count: [3, 5] as [number, number] }, blur: null };
  const plan = planAugment(opts, image, out, new Rng(4));
  assert.equal(planAugment(opts, image, out, new Rng(4)), plan, 'seeded');
  assert.ok(plan.hairs!.length >= 3 && plan.hairs!.length <= 5);
  const withHair = applyAugment(plan, image, mask, out);
  const without = applyAugment({ ...plan, hairs: undefined }, image, mask, out);
  assert.is(countDiff(withHair.mask!.data, without.mask!.data), 0, 'mask untouched');
  // Compared before the colour steps: hairs only darken towards their colour and cover a thin share.
  const base = { ...plan, jitter: null, gains: undefined, gamma: undefined, blur: undefined };
  const a = applyAugment(base, image, undefined, out).image;
  const b = applyAugment({ ...base, hairs: undefined }, image, undefined, out).image;
  const changed = countDiff(a.data, b.data) / a.data.length;
  assert.ok(changed > 0.01 && changed < 0.35, `share of changed values ${changed}`);
  const bright = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 3).fill(230) };
  const drawn = drawHairs(bright, plan.hairs!);
  assert.ok(drawn.data.every((v) => v <= 230), 'never brighter on a bright background');
  assert.ok(Math.min(...drawn.data) < 120, 'a hair is dark where it is drawn');
});

test.run();
