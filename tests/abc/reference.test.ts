// The addon against an independent numpy implementation of the same definitions
// (tests/abc/abc_reference.py) on real ISIC 2017 images and on a random synthetic lesion.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { abcConstants, type AbcMeasurement, COLOR_NAMES, measureAbc } from '../../src/ts/concepts/abc.js';
import { type Mask, readMask, readRgb, type RgbImage } from '../../src/ts/data/image.js';
import { packageRoot } from '../../src/ts/paths.js';
import { Rng } from '../util/rng.js';
import { patchyColour, randomBlob, renderLesion } from './synth.js';

const ISIC = join(packageRoot, '..', 'shared', 'data', 'isic2017-sample');
const SCRIPT = join(packageRoot, 'tests', 'abc', 'abc_reference.py');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const tmp = mkdtempSync(join(tmpdir(), 'abc-ref-'));

interface Reference extends Omit<AbcMeasurement, 'colors' | 'geometry'> {}

function pythonReference(image: RgbImage, mask: Mask): Reference {
  const rgbFile = join(tmp, 'image.rgb'), maskFile = join(tmp, 'mask.raw');
  writeFileSync(rgbFile, image.data);
  writeFileSync(maskFile, mask.data);
  const run = spawnSync(PYTHON, [SCRIPT, rgbFile, maskFile, String(image.width), String(image.height), JSON.stringify(abcConstants())], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`abc_reference.py failed: ${run.stderr || run.error}`);
  return JSON.parse(run.stdout) as Reference;
}

function compare(ours: AbcMeasurement, ref: Reference, what: string) {
  const near = (a: number, b: number, tol: number, name: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${name} addon ${a} vs numpy ${b} (tolerance ${tol})`);
  assert.equal(ours.area_px, ref.area_px, `${what}: area`);
  near(ours.perimeter_px, ref.perimeter_px, 1e-6 * ref.perimeter_px, 'perimeter');
  near(ours.B2, ref.B2, 1e-6 * ref.B2, 'B2');
  near(ours.compactness, ref.compactness, 1e-6 * ref.compactness, 'compactness');
  near(ours.fractal_dimension, ref.fractal_dimension, 1e-9, 'fractal dimension');
  // Grey levels are float32 in the addon, float64 here.
  near(ours.A, ref.A, 1e-4 * Math.max(1, ref.A), 'A');
  near(ours.sigma_h, ref.sigma_h, 1e-4, 'sigma_h');
  near(ours.sigma_s, ref.sigma_s, 1e-4, 'sigma_s');
  near(ours.sigma_v, ref.sigma_v, 1e-6, 'sigma_v');
  for (const k of [0, 1]) {
    near(ours.asymmetry_shape[k], ref.asymmetry_shape[k], 1e-4, `shape asymmetry ${k}`);
    // Colour classes: float32 Lab with a tabulated cube root against float64 exact.
    near(ours.asymmetry_colour[k], ref.asymmetry_colour[k], 2e-3, `colour asymmetry ${k}`);
  }
  // The skin reference: same pixels (integer grey cut), float32 against float64 colour.
  assert.equal(ours.skin_pixels, ref.skin_pixels, `${what}: skin pixels`);
  for (const i of [0, 1, 2]) near(ours.skin_lab[i], ref.skin_lab[i], 1e-3, `skin CIELAB ${i}`);
  for (const c of COLOR_NAMES) near(ours.color_fractions[c], ref.color_fractions[c], 1e-3, `fraction ${c}`);
  near(ours.skin_like_fraction, ref.skin_like_fraction, 1e-3, 'skin-coloured fraction');
  assert.equal(ours.color_count, ref.color_count, `${what}: colour count`);
  assert.equal(ours.asymmetry_axes, ref.asymmetry_axes, `${what}: asymmetric axes`);
  assert.equal(ours.border_score, ref.border_score, `${what}: border score`);
}

// Chosen for variety: abrupt borders (6 sectors), many colours, melanomas, a small and large lesion.
for (const id of ['ISIC_0014628', 'ISIC_0014646', 'ISIC_0014891', 'ISIC_0015158', 'ISIC_0015284']) {
  test(`${id}: addon matches the numpy reference`, async () => {
    const image = await readRgb(join(ISIC, 'ISIC-2017_Training_Data', `${id}.jpg`));
    const mask = await readMask(join(ISIC, 'ISIC-2017_Training_Part1_GroundTruth', `${id}_segmentation.png`), image);
    compare(await measureAbc(image, mask), pythonReference(image, mask), id);
  });
}

test('random synthetic lesion (odd size, patchy colours, noisy mask) matches the numpy reference', async () => {
  const { image, mask } = renderLesion({ width: 283, height: 197, cx: 140.3, cy: 97.9, angle: 0.8, inside: randomBlob(new Rng(41), 70), colour: patchyColour(new Rng(42), 70) });
  // Salt the mask with holes and specks so the cleaning step is exercised too.
  const rng = new Rng(43);
  for (let i = 0; i < 300; i++) mask.data[rng.int(0, mask.data.length)] ^= 1;
  const ours = await measureAbc(image, mask);
  assert.ok(ours.border_score > 0 && ours.color_count >= 2, 'the scene exercises borders and colours');
  compare(ours, pythonReference(image, mask), 'synthetic');
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
