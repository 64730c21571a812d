// The features describe the lesion, not where or how it lies in the frame: rotation and translation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type AbcMeasurement, COLOR_NAMES, measureAbc } from '../../src/ts/concepts/abc.js';
import { Rng } from '../util/rng.js';
import { patchyColour, randomBlob, renderLesion, rotate90, type Scene, translate } from './synth.js';

const W = 417, H = 361;

/** Feature-wise tolerances: absolute, or relative to the value where marked. */
interface Tolerances {
  A: number; B2: number; compactness: number; fractal: number; sigma: number; index: number; fraction: number; perimeter: number; area: number;
}

function assertSimilar(a: AbcMeasurement, b: AbcMeasurement, tol: Tolerances, what: string) {
  const rel = (x: number, y: number, t: number, name: string) =>
    assert.ok(Math.abs(x - y) <= t * Math.max(Math.abs(x), Math.abs(y)), `${what}: ${name} ${x} vs ${y} (relative tolerance ${t})`);
  const abs = (x: number, y: number, t: number, name: string) => assert.ok(Math.abs(x - y) <= t, `${what}: ${name} ${x} vs ${y} (tolerance ${t})`);
  rel(a.A, b.A, tol.A, 'A');
  rel(a.B2, b.B2, tol.B2, 'B2');
  rel(a.compactness, b.compactness, tol.compactness, 'compactness');
  abs(a.fractal_dimension, b.fractal_dimension, tol.fractal, 'fractal dimension');
  rel(a.perimeter_px, b.perimeter_px, tol.perimeter, 'perimeter');
  rel(a.area_px, b.area_px, tol.area, 'area');
  for (const k of ['sigma_h', 'sigma_s', 'sigma_v'] as const) rel(a[k], b[k], tol.sigma, k);
  for (const k of [0, 1]) {
    abs(a.asymmetry_shape[k], b.asymmetry_shape[k], tol.index, `shape asymmetry ${k}`);
    abs(a.asymmetry_colour[k], b.asymmetry_colour[k], tol.index, `colour asymmetry ${k}`);
  }
  for (const c of COLOR_NAMES) abs(a.color_fractions[c], b.color_fractions[c], tol.fraction, `fraction ${c}`);
}

/** A random blob with patchy colours (seeded), drawn at a centre and angle. */
function blob(seed: number, cx: number, cy: number, angle: number): Scene {
  const shapeRng = new Rng(seed), colourRng = new Rng(seed + 1000);
  return renderLesion({ width: W, height: H, cx, cy, angle, inside: randomBlob(shapeRng, 95), colour: patchyColour(colourRng, 95) });
}

const EXACT: Tolerances = { A: 1e-6, B2: 1e-9, compactness: 1e-9, fractal: 0.03, sigma: 1e-6, index: 1e-9, fraction: 1e-9, perimeter: 1e-9, area: 0 };

for (const seed of [3, 17, 29]) {
  test(`seed ${seed}: rotating by 90 degrees pixel for pixel changes nothing but the box grid`, async () => {
    const s = blob(seed, 207.3, 181.6, 0.3);
    const a = await measureAbc(s.image, s.mask);
    const b = await measureAbc(rotate90(s).image, rotate90(s).mask);
    assertSimilar(a, b, EXACT, 'rotate90');
    assert.equal(a.border_score, b.border_score);
    assert.equal(a.asymmetry_axes, b.asymmetry_axes);
  });

  test(`seed ${seed}: shifting by whole pixels changes nothing`, async () => {
    const s = blob(seed, 207.3, 181.6, 0.3);
    const a = await measureAbc(s.image, s.mask);
    const t = translate(s, 41, -23);
    const b = await measureAbc(t.image, t.mask);
    assertSimilar(a, b, { ...EXACT, fractal: 1e-12 }, 'translate');
    assert.equal(a.border_score, b.border_score);
  });

  test(`seed ${seed}: redrawn at another angle and a sub-pixel offset, features agree within tolerance`, async () => {
    const a = await measureAbc(...parts(blob(seed, 207.3, 181.6, 0.3)));
    for (const [angle, cx, cy] of [[1.1, 203.8, 178.25], [2.6, 210.55, 183.9]]) {
      const b = await measureAbc(...parts(blob(seed, cx, cy, angle)));
      assertSimilar(a, b, { A: 0.08, B2: 0.06, compactness: 0.02, fractal: 0.04, sigma: 0.05, index: 0.03, fraction: 0.02, perimeter: 0.02, area: 0.01 }, `angle ${angle}`);
      assert.ok(Math.abs(a.border_score - b.border_score) <= 1, `border score ${a.border_score} vs ${b.border_score}`);
    }
  });
}

function parts(s: Scene): [Scene['image'], Scene['mask']] {
  return [s.image, s.mask];
}

test('the test scenes are not trivial: several colours, an irregular outline', async () => {
  const m = await measureAbc(...parts(blob(3, 207.3, 181.6, 0.3)));
  assert.ok(m.color_count >= 2, `colours ${JSON.stringify(m.color_fractions)}`);
  assert.ok(m.compactness > 1.05, `compactness ${m.compactness}`);
  assert.ok(m.sigma_v > 5, `sigma_v ${m.sigma_v}`);
});

test.run();
