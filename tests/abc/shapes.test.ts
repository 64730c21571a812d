// ABC features of synthetic lesions whose answers are known analytically.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { abcConstants, COLOR_NAMES, measureAbc } from '../../src/ts/concepts/abc.js';
import { Rng } from '../util/rng.js';
import { BROWN, type Colour, disc, discWithBump, ellipse, renderLesion } from './synth.js';

const W = 401, H = 333; // odd sizes; centres off the pixel grid
const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} not within ${tol} of ${expected}`);

for (const r of [25, 60, 140]) {
  test(`a disc of radius ${r}: A ~ 0, both axes symmetric, compactness ~ 1, curvature ~ 1/r`, async () => {
    const { image, mask } = renderLesion({ width: W, height: H, cx: 200.3, cy: 165.6, inside: disc(r) });
    const m = await measureAbc(image, mask);
    close(m.area_px, Math.PI * r * r, 0.02 * Math.PI * r * r, 'area');
    close(m.perimeter_px, 2 * Math.PI * r, 0.02 * 2 * Math.PI * r, 'perimeter');
    close(m.compactness, 1, 0.03, 'compactness');
    close(m.B2 * r, 1, 0.03, 'B2 * r');
    close(m.fractal_dimension, 1, 0.08, 'fractal dimension');
    // Uniform lesion on uniform skin: mirror differences come only from the digitised rim.
    assert.ok(m.A < 2, `A ${m.A}`);
    for (const k of [0, 1]) assert.ok(m.asymmetry_shape[k] < 0.025, `shape asymmetry ${m.asymmetry_shape}`);
    assert.equal(m.asymmetry_axes, 0);
    // A step edge from brown to skin: every sector's border is abrupt.
    assert.equal(m.border_score, 8);
  });
}

test('an ellipse is symmetric about both axes at any angle; B2 = 2 pi / perimeter (convex)', async () => {
  const a = 130, b = 55;
  // Ramanujan's perimeter of an ellipse.
  const h = ((a - b) / (a + b)) ** 2;
  const perimeter = Math.PI * (a + b) * (1 + (3 * h) / (10 + Math.sqrt(4 - 3 * h)));
  for (const angle of [0, 0.45, 1.2, 2.0]) {
    const { image, mask } = renderLesion({ width: W, height: H, cx: 200.4, cy: 166.2, angle, inside: ellipse(a, b) });
    const m = await measureAbc(image, mask);
    for (const k of [0, 1]) assert.ok(m.asymmetry_shape[k] < 0.02, `angle ${angle}: shape asymmetry ${m.asymmetry_shape}`);
    assert.ok(m.A < 2, `angle ${angle}: A ${m.A}`);
    close(m.perimeter_px, perimeter, 0.015 * perimeter, `angle ${angle}: perimeter`);
    close(m.compactness, (perimeter * perimeter) / (4 * Math.PI * Math.PI * a * b), 0.03, `angle ${angle}: compactness`);
    close(m.B2 * m.perimeter_px, 2 * Math.PI, 0.03 * 2 * Math.PI, `angle ${angle}: total turning`);
  }
});

test('a disc with a bump on one side is asymmetric about one axis only', async () => {
  const r = 70, rb = 45;
  for (const angle of [0, 0.7, 2.4]) {
    // Shape alone (uniform colour): the major axis runs through the bump; mirrored about it the
    // lesion matches itself, mirrored about the minor axis the bump finds nothing.
    const plain = await measureAbc(...sceneArgs(renderLesion({ width: W, height: H, cx: 180.5, cy: 166.3, angle, inside: discWithBump(r, rb) })));
    assert.ok(plain.asymmetry_shape[0] < 0.02, `angle ${angle}: major-axis shape asymmetry ${plain.asymmetry_shape[0]}`);
    assert.ok(plain.asymmetry_shape[1] > 0.1, `angle ${angle}: minor-axis shape asymmetry ${plain.asymmetry_shape[1]}`);
    assert.ok(plain.A < 2, `angle ${angle}: A ${plain.A} (the grey image is symmetric about the major axis)`);
    // The bump darker than the rest, as a clinician would see it: one asymmetric axis.
    const dark: Colour = [90, 45, 25];
    const painted = renderLesion({
      width: W, height: H, cx: 180.5, cy: 166.3, angle, inside: discWithBump(r, rb),
      colour: (u, v) => ((u - r) ** 2 + v * v <= rb * rb ? dark : BROWN),
    });
    const m = await measureAbc(painted.image, painted.mask);
    const threshold = abcConstants().asymmetry_threshold;
    assert.ok(m.asymmetry_index[0] < threshold && m.asymmetry_index[1] > threshold, `angle ${angle}: indices ${m.asymmetry_index}`);
    assert.equal(m.asymmetry_axes, 1, `angle ${angle}`);
  }
});

function sceneArgs(s: ReturnType<typeof renderLesion>): [typeof s.image, typeof s.mask] {
  return [s.image, s.mask];
}

test('a uniform colour: no spread in H, S, V and exactly one colour', async () => {
  const rng = new Rng(11);
  for (let i = 0; i < 4; i++) {
    const colour: Colour = [rng.int(60, 200), rng.int(20, 140), rng.int(5, 120)];
    const { image, mask } = renderLesion({ width: W, height: H, cx: 190.7, cy: 170.2, inside: ellipse(90, 70), colour: () => colour });
    const m = await measureAbc(image, mask);
    assert.ok(m.sigma_h < 1e-3 && m.sigma_s < 1e-9 && m.sigma_v < 1e-9, `colour ${colour}: sigma ${m.sigma_h} ${m.sigma_s} ${m.sigma_v}`);
    assert.equal(m.color_count, 1, `colour ${colour}`);
    const fractions = COLOR_NAMES.map((c) => m.color_fractions[c]).sort((a, b) => b - a);
    assert.equal(fractions[0], 1, `colour ${colour}: ${JSON.stringify(m.color_fractions)}`);
  }
});

test('hue spread is circular: reds either side of 0 degrees spread little', async () => {
  // Stripes of hue +8.57 and -8.57 (= 351.43) degrees: H = 60 (G - B) / (R - min) for max = R.
  const a: Colour = [200, 80, 60], b: Colour = [200, 60, 80];
  const { image, mask } = renderLesion({ width: W, height: H, cx: 200.5, cy: 166.5, inside: disc(80), colour: (u) => (Math.floor(u / 4) % 2 === 0 ? a : b) });
  const m = await measureAbc(image, mask);
  // Circular sd of two groups at +-t with shares p, 1-p: sqrt(-2 ln R), R = |p e^it + (1-p) e^-it|;
  // p is near 1/2, which bounds R between cos t and 1.
  const t = (60 * 20) / 140 * (Math.PI / 180);
  const sdAtHalf = (Math.sqrt(-2 * Math.log(Math.cos(t))) * 255) / (2 * Math.PI);
  assert.ok(m.sigma_h <= sdAtHalf * 1.0001 && m.sigma_h > 0.9 * sdAtHalf, `sigma_h ${m.sigma_h}, expected about ${sdAtHalf}`);
  assert.equal(m.sigma_v, 0);
});

test('six wedges painted with the six reference colours: each found, count 6', async () => {
  // Kasmi & Mokrani's reference colours (docs/abc.md), in the order of COLOR_NAMES.
  const refs: Colour[] = [[197, 188, 217], [118, 21, 17], [163, 82, 16], [135, 44, 5], [113, 108, 139], [41, 31, 30]];
  const { image, mask } = renderLesion({
    width: W, height: H, cx: 200.5, cy: 166.5, inside: disc(90),
    colour: (u, v) => refs[Math.min(5, Math.floor(((Math.atan2(v, u) + Math.PI) / (2 * Math.PI)) * 6))],
  });
  const m = await measureAbc(image, mask);
  assert.equal(m.color_count, 6, JSON.stringify(m.color_fractions));
  for (const c of COLOR_NAMES) close(m.color_fractions[c], 1 / 6, 0.03, `fraction ${c}`);
});

test.run();
