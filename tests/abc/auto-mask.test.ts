// The automatic lesion mask used where a data set has none (Derm7pt in bench/abc-colour-validation.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { autoLesionMask } from '../../src/ts/concepts/abc-auto-mask.js';
import { BROWN, disc, renderLesion } from './synth.js';

test('a brown disc on skin under a colour cast, with dark field corners: the mask is the disc', () => {
  const W = 241, H = 199, CX = 118.3, CY = 101.7, R = 55;
  const { image, mask } = renderLesion({ width: W, height: H, cx: CX, cy: CY, inside: disc(R), colour: () => BROWN });
  // A blue-green cast on every pixel and black corners (the dermatoscope's field), as photographs have.
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = 3 * (y * W + x);
      const corner = Math.hypot(x - (W - 1) / 2, y - (H - 1) / 2) > 0.62 * Math.hypot(W, H) / 2;
      image.data[p] = corner ? 10 : Math.round(image.data[p] * 0.8);
      if (corner) image.data[p + 1] = image.data[p + 2] = 10;
    }
  }
  const auto = autoLesionMask(image);
  let both = 0, either = 0;
  for (let i = 0; i < mask.data.length; i++) both += mask.data[i] & auto.data[i], either += mask.data[i] | auto.data[i];
  assert.ok(both / either > 0.98, `IoU ${both / either}`);
});

test.run();
