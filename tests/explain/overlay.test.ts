// The explain overlay PNG on the real example lesion: the image's size plus a legend strip below, the
// heatmap where attention is high and not where it is low, the contour and axes drawn, deterministic.
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderExplainOverlay } from '../../src/ts/explain/index.js';
import { heatColour } from '../../src/ts/explain/overlay.js';
import { CefmError } from '../../src/ts/errors.js';
import { exampleLesion } from './example.js';

const decode = async (png: Buffer) => sharp(png).raw().toBuffer({ resolveWithObject: true });

test('overlay of the example: image size plus legend, heatmap at the attended patches only, lines drawn', async () => {
  const { inputs, report } = await exampleLesion();
  const { width, height } = inputs.image;
  const png = await renderExplainOverlay(inputs, report);
  if (process.env.CEFM_EXPLAIN_KEEP) writeFileSync(`${process.env.CEFM_EXPLAIN_KEEP}/overlay.png`, png);
  const { data, info } = await decode(png);
  assert.equal([info.width, info.channels], [width, 3]);
  assert.ok(info.height > height + 20, 'a legend strip below the picture');
  const px = (x: number, y: number) => Array.from(data.subarray(3 * (y * width + x), 3 * (y * width + x) + 3));
  const orig = (x: number, y: number) => Array.from(inputs.image.data.subarray(3 * (y * width + x), 3 * (y * width + x) + 3));
  // Not blank: the picture varies.
  let sum = 0, sq = 0;
  for (let i = 0; i < data.length; i++) sum += data[i], sq += data[i] * data[i];
  const mean = sum / data.length;
  assert.ok(Math.sqrt(sq / data.length - mean * mean) > 20, 'an image, not a flat fill');
  // The attention peak: the pixel there moved toward the heatmap's top colour (yellow).
  const [rows, cols] = inputs.attention!.grid;
  let best = 0;
  inputs.attention!.values.forEach((v, i) => { if (v > inputs.attention!.values[best]) best = i; });
  const hx = Math.floor(((best % cols) + 0.5) * (width / cols)), hy = Math.floor((Math.floor(best / cols) + 0.5) * (height / rows));
  const top = heatColour(1);
  const towards = (p: number[], o: number[]) => [0, 1, 2].reduce((s, k) => s + Math.abs(o[k] - top[k]) - Math.abs(p[k] - top[k]), 0);
  assert.ok(towards(px(hx, hy), orig(hx, hy)) > 60, `heatmap at the peak ${hx},${hy}`);
  // The least attended corner is left nearly as it was.
  const d = px(2, height - 3).map((v, k) => Math.abs(v - orig(2, height - 3)[k]));
  assert.ok(Math.max(...d) <= 3, `corner untouched: ${d}`);
  // The contour passes through its own points; the axes cross at the centroid.
  const changed = (x: number, y: number) => px(x, y).some((v, k) => Math.abs(v - orig(x, y)[k]) > 30);
  const [x0, y0] = inputs.contour[0].map(Math.round);
  assert.ok(changed(x0, y0), 'contour drawn');
  const [cx, cy] = inputs.axes.center.map(Math.round);
  assert.ok(changed(cx, cy) || changed(cx + 1, cy) || changed(cx, cy + 1), 'axes drawn');
  // The legend strip holds text: light pixels on its dark background.
  let light = 0;
  for (let y = height; y < info.height; y++) for (let x = 0; x < width; x++) light += +(Math.min(...px(x, y)) > 200);
  assert.ok(light > 500, `legend text (${light} light pixels)`);
  // Deterministic.
  assert.ok(png.equals(await renderExplainOverlay(inputs, report)), 'same inputs, same bytes');
});

test('overlay without attention: no heatmap, the picture inside the contour as it was', async () => {
  const { inputs, report } = await exampleLesion();
  const png = await renderExplainOverlay({ ...inputs, attention: null }, report);
  if (process.env.CEFM_EXPLAIN_KEEP) writeFileSync(`${process.env.CEFM_EXPLAIN_KEEP}/overlay-no-attention.png`, png);
  const { data, info } = await decode(png);
  assert.is(info.width, inputs.image.width);
  // A point of the lesion off both axes and the contour: untouched.
  const [cx, cy] = inputs.axes.center;
  const [mx, my] = inputs.axes.major, [nx, ny] = inputs.axes.minor;
  const x = Math.round(cx + 0.3 * inputs.axes.halfLengths[0] * mx + 0.3 * inputs.axes.halfLengths[1] * nx);
  const y = Math.round(cy + 0.3 * inputs.axes.halfLengths[0] * my + 0.3 * inputs.axes.halfLengths[1] * ny);
  const at = 3 * (y * info.width + x);
  assert.equal(Array.from(data.subarray(at, at + 3)), Array.from(inputs.image.data.subarray(at, at + 3)));
  // A flat attention map is no map either.
  const flat = await renderExplainOverlay({ ...inputs, attention: { grid: [2, 2], values: new Float32Array([1, 1, 1, 1]) } }, report);
  assert.ok(flat.equals(png));
});

test('overlay: an attention grid of the wrong size is an error that says so', async () => {
  const { inputs, report } = await exampleLesion();
  try {
    await renderExplainOverlay({ ...inputs, attention: { grid: [14, 14], values: new Float32Array(10) } }, report);
    assert.unreachable('accepted');
  } catch (e) {
    assert.instance(e, CefmError);
    assert.match((e as Error).message, '10 values for a 14x14 grid');
  }
});

test.run();
