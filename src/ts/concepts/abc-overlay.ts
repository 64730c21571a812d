// A picture of what the ABC measurement saw: left, the image with the smoothed contour (red where a
// border sector is abrupt) and the principal axes; right, the dermoscopic-colour class of every
// lesion pixel with a legend. PNG, drawn with sharp (SVG for lines and text).
import sharp from 'sharp';
import type { RgbImage } from '../data/image.js';
import { CefmError } from '../errors.js';
import { abcConstants, type AbcMeasurement, COLOR_NAMES } from './abc.js';

/** Display colours of the six classes (sRGB), chosen to be told apart on screen. */
const CLASS_COLOURS: [number, number, number][] = [
  [255, 255, 255], // white
  [225, 30, 40], // red
  [214, 150, 80], // light brown
  [120, 66, 24], // dark brown
  [110, 140, 190], // blue-gray
  [0, 0, 0], // black
];

const rgbCss = ([r, g, b]: [number, number, number]) => `rgb(${r},${g},${b})`;

function classMapPanel(image: RgbImage, classes: Uint8Array): Uint8Array {
  const out = new Uint8Array(image.data.length);
  for (let p = 0; p < classes.length; p++) {
    const c = classes[p];
    if (c < CLASS_COLOURS.length) {
      out.set(CLASS_COLOURS[c], 3 * p);
    } else {
      // Outside the lesion: the image's grey, dimmed, so the lesion stands out.
      const grey = 0.299 * image.data[3 * p] + 0.587 * image.data[3 * p + 1] + 0.114 * image.data[3 * p + 2];
      out.fill(Math.round(grey * 0.45), 3 * p, 3 * p + 3);
    }
  }
  return out;
}

function contourSvg(m: AbcMeasurement, dx: number, plain: boolean): string {
  const g = m.geometry!;
  const [cx, cy] = g.centroid, [ux, uy] = g.major_axis;
  const n = g.contour.length / 2;
  const sector = (x: number, y: number) => {
    const phi = Math.atan2((x - cx) * -uy + (y - cy) * ux, (x - cx) * ux + (y - cy) * uy);
    return Math.min(7, Math.max(0, Math.floor((phi + Math.PI) / (Math.PI / 4))));
  };
  const lineWidth = Math.max(1.5, g.width / 400);
  const parts: string[] = [];
  // One polyline per run of contour points with the same abruptness (red abrupt, green gradual).
  let run: string[] = [];
  let runAbrupt: boolean | undefined;
  const flush = () => {
    if (run.length > 1) {
      const colour = plain ? 'white' : runAbrupt ? 'rgb(255,40,40)' : 'rgb(60,255,90)';
      parts.push(`<polyline points="${run.join(' ')}" fill="none" stroke="${colour}" stroke-width="${lineWidth}"/>`);
    }
  };
  for (let i = 0; i <= n; i++) {
    const x = g.contour[2 * (i % n)], y = g.contour[2 * (i % n) + 1];
    const abrupt = g.abrupt_sectors[sector(x, y)];
    const point = `${(x + 0.5 + dx).toFixed(1)},${(y + 0.5).toFixed(1)}`;
    if (runAbrupt !== undefined && abrupt !== runAbrupt) {
      flush();
      run = [run[run.length - 1]];
    }
    runAbrupt = abrupt;
    run.push(point);
  }
  flush();
  if (!plain) {
    const axis = (vx: number, vy: number, len: number, colour: string) =>
      `<line x1="${(cx + 0.5 + dx - (vx * len) / 2).toFixed(1)}" y1="${(cy + 0.5 - (vy * len) / 2).toFixed(1)}" x2="${(cx + 0.5 + dx + (vx * len) / 2).toFixed(1)}" y2="${(cy + 0.5 + (vy * len) / 2).toFixed(1)}" stroke="${colour}" stroke-width="${lineWidth}" stroke-dasharray="${4 * lineWidth},${2 * lineWidth}"/>`;
    parts.push(axis(ux, uy, g.major_length, 'rgb(0,220,255)'), axis(-uy, ux, g.minor_length, 'rgb(255,0,220)'));
  }
  return parts.join('');
}

function legendSvg(m: AbcMeasurement, x0: number, height: number, presentFraction: number): string {
  const size = Math.max(12, Math.round(height / 32));
  const rows = COLOR_NAMES.map((name, i) => {
    const y = height - (COLOR_NAMES.length - i) * (size + 6) - 4;
    const text = `${name.replace('_', ' ')} ${(100 * m.color_fractions[name]).toFixed(1)}%${m.colors[name] ? ' *' : ''}`;
    return (
      `<rect x="${x0 + 8}" y="${y}" width="${size}" height="${size}" fill="${rgbCss(CLASS_COLOURS[i])}" stroke="rgb(128,128,128)"/>` +
      `<text x="${x0 + 14 + size}" y="${y + size - 2}" font-family="DejaVu Sans, sans-serif" font-size="${size}" fill="white" stroke="black" stroke-width="0.3">${text}</text>`
    );
  });
  const titleY = height - (COLOR_NAMES.length + 1) * (size + 6) - 4 + size - 2;
  const title = `<text x="${x0 + 8}" y="${titleY}" font-family="DejaVu Sans, sans-serif" font-size="${size}" fill="white" stroke="black" stroke-width="0.3">colour classes (* present, >= ${(100 * presentFraction).toFixed(0)}%)</text>`;
  return title + rows.join('');
}

/** The overlay PNG of a measurement made with `geometry: true` on `image`. */
export async function renderAbcOverlay(image: RgbImage, m: AbcMeasurement): Promise<Buffer> {
  const g = m.geometry;
  if (!g) throw new CefmError('abc overlay: the measurement has no geometry (measure with geometry: true)');
  if (g.width !== image.width || g.height !== image.height) throw new CefmError('abc overlay: the image is not the one measured');
  const { width, height } = image;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * width}" height="${height}">` +
    contourSvg(m, 0, false) + contourSvg(m, width, true) + legendSvg(m, width, height, abcConstants().color_present_fraction) + '</svg>';
  const raw = { width, height, channels: 3 as const };
  const panel = classMapPanel(image, g.colour_class);
  const composed = await sharp({ create: { width: 2 * width, height, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite([
      { input: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), raw, left: 0, top: 0 },
      { input: Buffer.from(panel.buffer, panel.byteOffset, panel.byteLength), raw, left: width, top: 0 },
      { input: Buffer.from(svg), left: 0, top: 0 },
    ])
    .raw()
    .toBuffer({ resolveWithObject: true });
  // Compositing the SVG adds an alpha channel; the picture is opaque, so write RGB.
  return sharp(composed.data, { raw: { width: composed.info.width, height: composed.info.height, channels: composed.info.channels } })
    .removeAlpha()
    .png()
    .toBuffer();
}
