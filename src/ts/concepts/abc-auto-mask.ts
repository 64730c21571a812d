// A simple automatic lesion mask for images that come without one (bench/abc-colour-validation.ts
// uses it on Derm7pt). Not a segmentation model: a documented stand-in until the network's masks.
import type { Mask, RgbImage } from '../data/image.js';

/**
 * A lesion mask for an image without one (Derm7pt images are cropped and centred on the lesion):
 * shades-of-grey colour constancy (p = 6) to a neutral light, grey level, Otsu's threshold over the
 * pixels within 0.6 half-diagonals of the image centre (the dark corners of the
 * dermatoscope's field stay out), lesion = darker than the threshold. measureAbc then keeps the
 * largest 8-connected component and fills its holes.
 */
export function autoLesionMask(image: RgbImage): Mask {
  const { width: w, height: h, data } = image;
  const lin = Array.from({ length: 256 }, (_, i) => (i / 255 <= 0.04045 ? i / 255 / 12.92 : ((i / 255 + 0.055) / 1.055) ** 2.4));
  const n = w * h;
  const lin6 = lin.map((v) => v ** 6);
  const sum = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) sum[c] += lin6[data[3 * i + c]];
  const illum = sum.map((s) => (s / n) ** (1 / 6));
  const meanIllum = (illum[0] + illum[1] + illum[2]) / 3;
  const gain = illum.map((e) => meanIllum / e);
  const weights = [0.2126, 0.7152, 0.0722];
  const grey = new Uint8Array(n);
  const inField = new Uint8Array(n);
  const cx = (w - 1) / 2, cy = (h - 1) / 2, r2 = (0.6 * Math.hypot(w, h) / 2) ** 2;
  const histogram = new Array<number>(256).fill(0);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      let Y = 0;
      for (let c = 0; c < 3; c++) Y += weights[c] * Math.min(1, gain[c] * lin[data[3 * i + c]]);
      grey[i] = Math.round(255 * (Y <= 0.0031308 ? 12.92 * Y : 1.055 * Y ** (1 / 2.4) - 0.055));
      inField[i] = (x - cx) ** 2 + (y - cy) ** 2 <= r2 ? 1 : 0;
      if (inField[i]) histogram[grey[i]]++;
    }
  }
  // Otsu: the threshold maximising the between-class variance of the grey histogram.
  const total = histogram.reduce((a, b) => a + b, 0);
  const sumAll = histogram.reduce((s, c, i) => s + c * i, 0);
  let best = 0, bestVar = -1, wB = 0, sumB = 0;
  for (let t = 0; t < 256; t++) {
    wB += histogram[t];
    sumB += t * histogram[t];
    const wF = total - wB;
    if (wB === 0 || wF === 0) continue;
    const between = wB * wF * (sumB / wB - (sumAll - sumB) / wF) ** 2;
    if (between > bestVar) bestVar = between, best = t;
  }
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = inField[i] && grey[i] <= best ? 1 : 0;
  return { width: w, height: h, data: mask };
}

