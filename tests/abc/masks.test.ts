// Masks as they come: holes, several components, lesions cut by the frame, empty or tiny masks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type AbcMeasurement, measureAbc } from '../../src/ts/concepts/abc.js';
import type { Mask } from '../../src/ts/data/image.js';
import { CefmError } from '../../src/ts/errors.js';
import { Rng } from '../util/rng.js';
import { disc, ellipse, patchyColour, randomBlob, renderLesion } from './synth.js';

const W = 311, H = 257;
const lesion = () => renderLesion({ width: W, height: H, cx: 150.4, cy: 128.7, angle: 0.4, inside: randomBlob(new Rng(5), 70), colour: patchyColour(new Rng(6), 70) });

function withMask(mask: Mask, edit: (x: number, y: number, v: number) => number): Mask {
  const data = new Uint8Array(mask.data.length);
  for (let y = 0; y < mask.height; y++) for (let x = 0; x < mask.width; x++) data[y * mask.width + x] = edit(x, y, mask.data[y * mask.width + x]);
  return { width: mask.width, height: mask.height, data };
}

function assertSame(a: AbcMeasurement, b: AbcMeasurement, what: string) {
  for (const k of ['A', 'B2', 'sigma_h', 'sigma_s', 'sigma_v', 'compactness', 'fractal_dimension', 'area_px', 'perimeter_px', 'border_score', 'color_count'] as const) {
    assert.ok(Math.abs(a[k] - b[k]) <= 1e-9 * Math.max(1, Math.abs(a[k])), `${what}: ${k} ${a[k]} vs ${b[k]}`);
  }
  assert.equal(a.asymmetry_index, b.asymmetry_index, `${what}: asymmetry index`);
  assert.equal(a.color_fractions, b.color_fractions, `${what}: colour fractions`);
}

test('holes in the mask are filled: same features as the solid mask', async () => {
  const { image, mask } = lesion();
  const solid = await measureAbc(image, mask);
  // A ring-shaped hole, a single-pixel hole and a hole closed only diagonally.
  const holed = withMask(mask, (x, y, v) => {
    const d = Math.hypot(x - 150, y - 128);
    if ((d > 12 && d < 17) || (x === 170 && y === 140)) return 0;
    return v;
  });
  assert.ok(holed.data.reduce((s, v) => s + v, 0) < mask.data.reduce((s, v) => s + v, 0) - 300, 'the holes were cut');
  assertSame(await measureAbc(image, holed), solid, 'holes');
});

test('several components: only the largest is measured', async () => {
  const { image, mask } = lesion();
  const alone = await measureAbc(image, mask);
  const rng = new Rng(9);
  const specks = new Set(Array.from({ length: 40 }, () => rng.int(0, 30) * W + rng.int(0, W)));
  const noisy = withMask(mask, (x, y, v) => (v || (x - 280) ** 2 + (y - 230) ** 2 <= 15 * 15 || specks.has(y * W + x) ? 1 : 0));
  assertSame(await measureAbc(image, noisy), alone, 'extra components');
});

test('equal components: the first in raster order is measured', async () => {
  const { image } = lesion();
  const two = renderLesion({ width: W, height: H, cx: 0, cy: 0, inside: () => false }).mask;
  const square = (x0: number, y0: number) => (x: number, y: number) => x >= x0 && x < x0 + 40 && y >= y0 && y < y0 + 40;
  const top = square(200, 20), bottom = square(30, 150);
  const mask = withMask(two, (x, y) => (top(x, y) || bottom(x, y) ? 1 : 0));
  const m = await measureAbc(image, mask, { geometry: true });
  assert.equal(m.area_px, 1600);
  assert.equal(m.geometry!.centroid, [219.5, 39.5]);
});

test('mask values: any nonzero byte is lesion', async () => {
  const { image, mask } = lesion();
  const ones = await measureAbc(image, mask);
  assertSame(await measureAbc(image, withMask(mask, (_x, _y, v) => v * 255)), ones, '255 for lesion');
});

test('a lesion cut by the image edge is measured on the part inside', async () => {
  for (const [cx, cy] of [[-20.5, 128.3], [150.2, 250.6], [300.7, -10.1]]) {
    const { image, mask } = renderLesion({ width: W, height: H, cx, cy, inside: ellipse(80, 60) });
    const m = await measureAbc(image, mask, { geometry: true });
    const inside = mask.data.reduce((s, v) => s + v, 0);
    assert.equal(m.area_px, inside, `centre ${cx},${cy}`);
    for (const [k, v] of Object.entries(m)) if (typeof v === 'number') assert.ok(Number.isFinite(v), `centre ${cx},${cy}: ${k} = ${v}`);
    // The contour runs along the frame where the lesion is cut.
    const xs = m.geometry!.contour.filter((_, i) => i % 2 === 0), ys = m.geometry!.contour.filter((_, i) => i % 2 === 1);
    assert.ok(Math.min(...xs) < 1 || Math.min(...ys) < 1 || Math.max(...xs) > W - 2 || Math.max(...ys) > H - 2, `centre ${cx},${cy}: contour away from the edge`);
    // Sectors whose border is the frame are not judged abrupt from clamped samples; the rest are.
    assert.ok(m.border_score >= 3 && m.border_score < 8, `centre ${cx},${cy}: border score ${m.border_score}`);
  }
});

test('a mask covering the whole image is measured', async () => {
  const { image } = lesion();
  const m = await measureAbc(image, { width: W, height: H, data: new Uint8Array(W * H).fill(1) });
  assert.equal(m.area_px, W * H);
  assert.equal(m.asymmetry_shape, [0, 0]);
  assert.ok(Math.abs(m.compactness - (2 * (W + H)) ** 2 / (4 * Math.PI * W * H)) < 0.05 * m.compactness, `compactness ${m.compactness}`);
});

async function rejects(p: Promise<unknown>, pattern: RegExp, what: string) {
  try {
    await p;
  } catch (e) {
    assert.instance(e, CefmError, what);
    assert.match((e as Error).message, pattern, what);
    return;
  }
  assert.unreachable(`${what}: did not fail`);
}

test('empty, tiny and mismatched masks fail with one line naming the file', async () => {
  const { image } = lesion();
  const empty = { width: W, height: H, data: new Uint8Array(W * H) };
  await rejects(measureAbc(image, empty, { file: 'm.png' }), /^m\.png: .*no lesion/, 'empty');
  const tiny = withMask(empty, (x, y) => (x >= 10 && x < 13 && y >= 10 && y < 13 ? 1 : 0));
  await rejects(measureAbc(image, tiny, { file: 'm.png' }), /^m\.png: .*too small to measure \(9 px/, 'tiny');
  const small = renderLesion({ width: W - 2, height: H, cx: 100, cy: 100, inside: disc(30) }).mask;
  await rejects(measureAbc(image, small, { file: 'm.png' }), /^m\.png: .*309x257.*311x257/, 'size');
});

test.run();
