// The overlay PNG: the image with contour and axes on the left, the colour classes on the right.
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COLOR_NAMES, measureAbc } from '../../src/ts/concepts/abc.js';
import { renderAbcOverlay } from '../../src/ts/concepts/abc-overlay.js';
import { CefmError } from '../../src/ts/errors.js';
import { ellipse, renderLesion, SKIN } from './synth.js';

const W = 301, H = 221, CX = 150.4, CY = 110.3, A = 100, B = 60;

test('left: the image with contour and axes drawn; right: class colours inside, dimmed grey outside', async () => {
  const { image, mask } = renderLesion({ width: W, height: H, cx: CX, cy: CY, inside: ellipse(A, B) });
  const m = await measureAbc(image, mask, { geometry: true });
  const png = await renderAbcOverlay(image, m);
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.equal([info.width, info.channels], [2 * W, 3]);
  assert.ok(info.height > H, 'a legend strip below the pictures');
  const at = (x: number, y: number) => Array.from(data.subarray(3 * (y * info.width + x), 3 * (y * info.width + x) + 3));
  // A point inside, away from the axes and the contour: untouched on the left.
  const [px, py] = [Math.round(CX + A / 2), Math.round(CY + B / 3)];
  assert.equal(at(px, py), Array.from(image.data.subarray(3 * (py * W + px), 3 * (py * W + px) + 3)));
  // The contour passes through the rim: the pixel there is no longer the image's.
  const rimX = Math.round(CX + A), rimY = Math.round(CY);
  assert.not.equal(at(rimX, rimY), Array.from(image.data.subarray(3 * (rimY * W + rimX), 3 * (rimY * W + rimX) + 3)));
  // The axes cross at the centroid.
  assert.not.equal(at(Math.round(CX), Math.round(CY)), Array.from(image.data.subarray(3 * (Math.round(CY) * W + Math.round(CX)), 3 * (Math.round(CY) * W + Math.round(CX)) + 3)));
  // Right panel: one class everywhere inside; the same display colour at two lesion points.
  assert.equal(m.color_count, 1);
  assert.equal(at(W + px, py), at(W + Math.round(CX - A / 2), Math.round(CY - B / 3)));
  assert.not.equal(at(W + px, py), at(px, py));
  // Outside: the skin's grey level, dimmed.
  const grey = Math.round(0.45 * (0.299 * SKIN[0] + 0.587 * SKIN[1] + 0.114 * SKIN[2]));
  assert.equal(at(W + 5, 5), [grey, grey, grey]);
  assert.ok(COLOR_NAMES.some((c) => m.colors[c]));
  // The legend covers nothing: the class map's lower-right corner (outside the lesion) is all dimmed skin.
  for (let y = H - 40; y < H; y++) for (let x = 2 * W - 120; x < 2 * W; x++) assert.equal(at(x, y), [grey, grey, grey], `legend over the map at ${x},${y}`);
  // The strip below holds the class's swatch, and the lesion's one region carries its name (text pixels).
  const classColour = at(W + px, py);
  let inStrip = 0, textInLesion = 0;
  for (let y = H; y < info.height; y++) for (let x = W; x < 2 * W; x++) inStrip += +(at(x, y).join() === classColour.join());
  for (let y = Math.round(CY - B / 2); y < CY + B / 2; y++) for (let x = W + Math.round(CX - A / 2); x < W + CX + A / 2; x++) textInLesion += +(at(x, y).join() !== classColour.join());
  assert.ok(inStrip > 20, 'swatch in the legend strip');
  assert.ok(textInLesion > 50, 'the region is named');
});

test('an overlay needs the geometry of the same image', async () => {
  const { image, mask } = renderLesion({ width: W, height: H, cx: CX, cy: CY, inside: ellipse(A, B) });
  const plain = await measureAbc(image, mask);
  try {
    await renderAbcOverlay(image, plain);
    assert.unreachable('no geometry');
  } catch (e) {
    assert.instance(e, CefmError);
  }
});

test.run();
