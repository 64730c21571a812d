// A picture of what the ABC measurement saw: left, the image with the smoothed contour (red where a
// border sector is abrupt) and the principal axes; right, the dermoscopic-colour class of every
// lesion pixel, each colour's region named on it; below both, a legend strip that covers nothing.
// PNG, drawn with sharp (SVG for lines and text).
import sharp from 'sharp';
import type { RgbImage } from '../data/image.js';
import { CefmError } from '../errors.js';
import { abcConstants, type AbcMeasurement, COLOR_NAMES, SKIN_LIKE_CLASS } from './abc.js';

/** Display colours of the six classes (sRGB), chosen to be told apart on screen. */
export const CLASS_COLOURS: [number, number, number][] = [
  [255, 255, 255], // white
  [225, 30, 40], // red
  [214, 150, 80], // light brown
  [120, 66, 24], // dark brown
  [110, 140, 190], // blue-gray
  [0, 0, 0], // black
  [236, 204, 186], // skin-coloured (in no colour)
];
const FONT = 'font-family="DejaVu Sans, sans-serif"';

const rgbCss = ([r, g, b]: [number, number, number]) => `rgb(${r},${g},${b})`;

function classMapPanel(image: RgbImage, classes: Uint8Array): Uint8Array {
  const out = new Uint8Array(image.data.length);
  for (let p = 0; p < classes.length; p++) {
    const c = classes[p];
    if (c <= SKIN_LIKE_CLASS) {
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

/** Text drawn white on a black halo, legible on any colour. */
const label = (x: number, y: number, size: number, text: string, anchor = 'start') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${FONT} font-size="${size}" text-anchor="${anchor}" fill="white" stroke="black" ` +
  `stroke-width="${(size / 5).toFixed(1)}" stroke-linejoin="round" paint-order="stroke">${text}</text>`;

/**
 * The most interior pixel of each class region (largest 3-4 chamfer distance to a pixel of another
 * class or outside the lesion), where its name is written; regions thinner than `minDepth` px get none.
 */
function regionAnchors(classes: Uint8Array, width: number, height: number, minDepth: number): Map<number, [number, number]> {
  const anchors = new Map<number, [number, number]>();
  const dist = new Int32Array(classes.length);
  for (let c = 0; c <= SKIN_LIKE_CLASS; c++) {
    let any = false;
    for (let p = 0; p < classes.length; p++) {
      dist[p] = classes[p] === c ? 1 << 29 : 0;
      any ||= dist[p] > 0;
    }
    if (!any) continue;
    const at = (x: number, y: number) => (x < 0 || y < 0 || x >= width || y >= height ? 0 : dist[y * width + x]);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        if (dist[p]) dist[p] = Math.min(dist[p], at(x - 1, y) + 3, at(x, y - 1) + 3, at(x - 1, y - 1) + 4, at(x + 1, y - 1) + 4);
      }
    }
    let best = -1, bestD = 0;
    for (let y = height - 1; y >= 0; y--) {
      for (let x = width - 1; x >= 0; x--) {
        const p = y * width + x;
        if (!dist[p]) continue;
        dist[p] = Math.min(dist[p], at(x + 1, y) + 3, at(x, y + 1) + 3, at(x + 1, y + 1) + 4, at(x - 1, y + 1) + 4);
        if (dist[p] > bestD) bestD = dist[p], best = p;
      }
    }
    if (bestD >= 3 * minDepth) anchors.set(c, [best % width, Math.floor(best / width)]);
  }
  return anchors;
}

const colourLabel = (c: number) => (c === SKIN_LIKE_CLASS ? 'skin-coloured' : COLOR_NAMES[c] === 'blue_gray' ? 'blue-gray' : COLOR_NAMES[c].replace('_', ' '));

/** Each colour's name written on its region of the class map (right panel, offset dx). */
function regionNamesSvg(m: AbcMeasurement, dx: number, size: number): string {
  const g = m.geometry!;
  const anchors = regionAnchors(g.colour_class, g.width, g.height, Math.max(2, size / 3));
  return [...anchors].map(([c, [x, y]]) => label(dx + x + 0.5, y + 0.5 + size / 3, size, colourLabel(c), 'middle')).join('');
}

/** The legend strip under both panels: contour and axes on the left, the colour classes on the right. */
function legendSvg(m: AbcMeasurement, width: number, top: number, size: number, present: Record<string, number>): string {
  const row = (i: number) => top + size * 0.6 + i * size * 1.5;
  const parts: string[] = [];
  const lines: [string, string, boolean][] = [
    ['rgb(60,255,90)', 'border: gradual', false], ['rgb(255,40,40)', 'border: abrupt sector', false],
    ['rgb(0,220,255)', 'major axis', true], ['rgb(255,0,220)', 'minor axis', true],
  ];
  lines.forEach(([colour, text, dashed], i) => {
    const y = row(i) + size / 2;
    parts.push(`<line x1="8" y1="${y}" x2="${8 + 2 * size}" y2="${y}" stroke="${colour}" stroke-width="${Math.max(2, size / 6)}"${dashed ? ` stroke-dasharray="${size / 3},${size / 6}"` : ''}/>`);
    parts.push(label(14 + 2 * size, row(i) + size * 0.85, size, text));
  });
  // Colours: two columns of four under the right panel; * marks the colours present.
  const entries = [...COLOR_NAMES.map((_, i) => i), SKIN_LIKE_CLASS];
  entries.forEach((c, i) => {
    const x = width + 8 + (i >= 4 ? width / 2 : 0), y = row(i % 4);
    const name = c === SKIN_LIKE_CLASS ? null : COLOR_NAMES[c];
    const fraction = name ? m.color_fractions[name] : m.skin_like_fraction;
    const text = `${colourLabel(c)} ${(100 * fraction).toFixed(1)}%${name && m.colors[name] ? ' *' : ''}`;
    parts.push(`<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="${rgbCss(CLASS_COLOURS[c])}" stroke="rgb(160,160,160)"/>`);
    parts.push(label(x + size * 1.4, y + size * 0.85, size, text));
  });
  const thresholds = COLOR_NAMES.map((n) => `${(100 * present[n]).toFixed(0)}`).join('/');
  parts.push(label(width + 8 + width / 2, row(3) + size * 0.85, Math.round(size * 0.8), `* present (% of lesion: ${thresholds})`));
  return parts.join('');
}

/** The overlay PNG of a measurement made with `geometry: true` on `image`. */
export async function renderAbcOverlay(image: RgbImage, m: AbcMeasurement): Promise<Buffer> {
  const g = m.geometry;
  if (!g) throw new CefmError('abc overlay: the measurement has no geometry (measure with geometry: true)');
  if (g.width !== image.width || g.height !== image.height) throw new CefmError('abc overlay: the image is not the one measured');
  const { width, height } = image;
  // Text scales with the panel; the legend's rows sit below the pictures.
  const size = Math.max(11, Math.round(width / 45));
  const total = height + Math.ceil(size * 6.6);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * width}" height="${total}">` +
    contourSvg(m, 0, false) + contourSvg(m, width, true) + regionNamesSvg(m, width, size) +
    legendSvg(m, width, height, size, abcConstants().color_present_fractions) + '</svg>';
  const raw = { width, height, channels: 3 as const };
  const panel = classMapPanel(image, g.colour_class);
  const composed = await sharp({ create: { width: 2 * width, height: total, channels: 3, background: { r: 0, g: 0, b: 0 } } })
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
