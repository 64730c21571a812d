// The explain overlay: the image with the attention-rollout heatmap (smoothly upsampled, transparent
// where attention is low), the lesion contour (red in the abrupt border sectors), the principal axes
// coloured by their asymmetry, and below the picture a legend strip that covers nothing. PNG via sharp
// (heatmap blended here, lines and text as an SVG layer, as src/ts/concepts/abc-overlay.ts draws).
import sharp from 'sharp';
import type { AbcMeasurement } from '../concepts/abc.js';
import { CefmError } from '../errors.js';
import { compassSector, type ExplainReport, formatNumber as num, formatPercent as pct, type OverlayInputs } from './report.js';

type Rgb = [number, number, number];

/** Viridis at five stops: dark purple (least attended) to yellow (most). */
const HEAT_STOPS: Rgb[] = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
/** Opacity of the heatmap at the most attended patch (0 at the least). */
const HEAT_MAX_ALPHA = 0.62;
const GRADUAL: Rgb = [255, 255, 255], ABRUPT: Rgb = [255, 40, 40];
const ASYMMETRIC: Rgb = [255, 165, 0], SYMMETRIC: Rgb = [80, 200, 255];
const FONT = 'font-family="DejaVu Sans, sans-serif"';
const css = ([r, g, b]: Rgb) => `rgb(${r},${g},${b})`;
const f1 = (v: number) => v.toFixed(1);

export function heatColour(t: number): Rgb {
  const x = Math.min(1, Math.max(0, t)) * (HEAT_STOPS.length - 1);
  const i = Math.min(HEAT_STOPS.length - 2, Math.floor(x)), w = x - i;
  const a = HEAT_STOPS[i], b = HEAT_STOPS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + w * (b[k] - a[k]))) as Rgb;
}

/** The attention grid scaled to 0..1 (min to max) and upsampled to the image with a cubic kernel. */
async function upsampledAttention(att: NonNullable<OverlayInputs['attention']>, width: number, height: number): Promise<Uint8Array | null> {
  const [rows, cols] = att.grid;
  if (att.values.length !== rows * cols) throw new CefmError(`explain overlay: attention has ${att.values.length} values for a ${rows}x${cols} grid`);
  let lo = Infinity, hi = -Infinity;
  for (const v of att.values) if (Number.isFinite(v)) lo = Math.min(lo, v), hi = Math.max(hi, v);
  if (!(hi > lo)) return null; // flat or empty: nothing to show
  const grid = Buffer.alloc(rows * cols);
  att.values.forEach((v, i) => { grid[i] = Number.isFinite(v) ? Math.round((255 * (v - lo)) / (hi - lo)) : 0; });
  const up = await sharp(grid, { raw: { width: cols, height: rows, channels: 1 } })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  return new Uint8Array(up.buffer, up.byteOffset, width * height);
}

function blendHeat(image: Uint8Array, heat: Uint8Array): Uint8Array {
  const out = new Uint8Array(image);
  const lut = Array.from({ length: 256 }, (_, v) => heatColour(v / 255));
  for (let p = 0; p < heat.length; p++) {
    const a = (HEAT_MAX_ALPHA * heat[p]) / 255, c = lut[heat[p]];
    for (let k = 0; k < 3; k++) out[3 * p + k] = Math.round(image[3 * p + k] * (1 - a) + c[k] * a);
  }
  return out;
}

/** A polyline drawn over a black halo so it reads on any background. */
function haloLine(points: string, colour: Rgb, width: number, dash = ''): string {
  const d = dash ? ` stroke-dasharray="${dash}"` : '';
  return `<polyline points="${points}" fill="none" stroke="black" stroke-opacity="0.7" stroke-width="${f1(width * 2.2)}" stroke-linejoin="round" stroke-linecap="round"${d}/>` +
    `<polyline points="${points}" fill="none" stroke="${css(colour)}" stroke-width="${f1(width)}" stroke-linejoin="round" stroke-linecap="round"${d}/>`;
}

function contourSvg(inp: OverlayInputs, abrupt: Set<string>, width: number): string {
  const [cx, cy] = inp.axes.center, pts = inp.contour, n = pts.length;
  if (n < 2) return '';
  const parts: string[] = [];
  let run: string[] = [], runAbrupt: boolean | undefined;
  const flush = () => { if (run.length > 1) parts.push(haloLine(run.join(' '), runAbrupt ? ABRUPT : GRADUAL, width)); };
  for (let i = 0; i <= n; i++) {
    const [x, y] = pts[i % n];
    const isAbrupt = abrupt.has(compassSector(x - cx, y - cy));
    const point = `${f1(x + 0.5)},${f1(y + 0.5)}`;
    if (runAbrupt !== undefined && isAbrupt !== runAbrupt) { flush(); run = [run[run.length - 1]]; }
    runAbrupt = isAbrupt;
    run.push(point);
  }
  flush();
  return parts.join('');
}

function axisSvg(center: [number, number], dir: [number, number], half: number, colour: Rgb, width: number): string {
  const [cx, cy] = center, [dx, dy] = dir;
  const a = `${f1(cx + 0.5 - dx * half)},${f1(cy + 0.5 - dy * half)}`, b = `${f1(cx + 0.5 + dx * half)},${f1(cy + 0.5 + dy * half)}`;
  return haloLine(`${a} ${b}`, colour, width, `${f1(4 * width)},${f1(2 * width)}`);
}

const text = (x: number, y: number, size: number, s: string, weight = 'normal') =>
  `<text x="${f1(x)}" y="${f1(y)}" ${FONT} font-size="${size}" font-weight="${weight}" fill="white">${s.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`;

interface LegendEntry { swatch: string; label: string; weight?: string }

/** Legend entries flowed into as many columns as fit the width; returns the SVG and its height. */
function legendSvg(entries: LegendEntry[], width: number, top: number, size: number): { svg: string; height: number } {
  const swatchW = 2.6 * size, gap = 1.2 * size, rowH = 1.65 * size;
  const colW = Math.max(...entries.map((e) => (e.swatch ? swatchW + 0.5 * size : 0) + 0.62 * size * e.label.length)) + gap;
  const cols = Math.max(1, Math.min(entries.length, Math.floor((width - size) / colW)));
  const rows = Math.ceil(entries.length / cols);
  const parts = entries.map((e, i) => {
    const x = size * 0.6 + Math.floor(i / rows) * colW, y = top + size * 0.5 + (i % rows) * rowH;
    const sw = e.swatch.replace(/\{x\}/g, f1(x)).replace(/\{y\}/g, f1(y + rowH / 2 - 0.2 * size)).replace(/\{w\}/g, f1(swatchW));
    return sw + text(x + (e.swatch ? swatchW + 0.5 * size : 0), y + size, size, e.label, e.weight);
  });
  return { svg: parts.join(''), height: Math.ceil(rows * rowH + size) };
}

/** Swatches are SVG with {x}, {y} (row middle) and {w} filled in by legendSvg. */
const lineSwatch = (colour: Rgb, size: number, dash = '') =>
  `<path d="M{x},{y} h{w}" stroke="${css(colour)}" stroke-width="${f1(Math.max(2, size / 5))}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;

function heatSwatch(size: number): string {
  const stops = HEAT_STOPS.map((c, i) => `<stop offset="${f1((100 * i) / (HEAT_STOPS.length - 1))}%" stop-color="${css(c)}"/>`).join('');
  return `<defs><linearGradient id="heat">${stops}</linearGradient></defs>` +
    `<rect x="{x}" y="{y}" width="{w}" height="${f1(0.8 * size)}" transform="translate(0,${f1(-0.4 * size)})" fill="url(#heat)" stroke="rgb(160,160,160)"/>`;
}

/** The overlay PNG: the image, then a legend strip below it. `report` gives the words and the colours' meaning. */
export async function renderExplainOverlay(inputs: OverlayInputs, report: ExplainReport): Promise<Buffer> {
  const { image } = inputs, { width, height } = image;
  if (image.data.length !== width * height * 3) throw new CefmError(`explain overlay: image data does not match its ${width}x${height} size`);
  const size = Math.max(12, Math.round(width / 52));
  const lineW = Math.max(1.5, width / 380);

  const heat = inputs.attention ? await upsampledAttention(inputs.attention, width, height) : null;
  const picture = heat ? blendHeat(image.data, heat) : image.data;

  const asym = report.criteria.find((c) => c.drivers.kind === 'asymmetry')?.drivers;
  const threshold = asym?.kind === 'asymmetry' ? asym.threshold : Infinity;
  const border = report.criteria.find((c) => c.drivers.kind === 'border')?.drivers;
  const abrupt = new Set(border?.kind === 'border' ? border.abrupt_sectors : []);
  const axisColour = (v: number) => (v > threshold ? ASYMMETRIC : SYMMETRIC);
  const [majorIdx, minorIdx] = inputs.axisAsymmetry;

  const drawing = contourSvg(inputs, abrupt, lineW) +
    axisSvg(inputs.axes.center, inputs.axes.major, inputs.axes.halfLengths[0], axisColour(majorIdx), lineW) +
    axisSvg(inputs.axes.center, inputs.axes.minor, inputs.axes.halfLengths[1], axisColour(minorIdx), lineW);

  const d = report.diagnosis;
  const axisWords = (name: string, v: number) =>
    `${name} axis: asymmetry ${num(v)}${Number.isFinite(threshold) ? (v > threshold ? ', asymmetric' : ', symmetric') : ''}`;
  const entries = (size: number): LegendEntry[] => {
    const dash = `${f1(size / 3)},${f1(size / 6)}`;
    return [
      { swatch: '', label: `${d.label.toUpperCase()}: melanoma probability ${pct(d.melanoma_probability)}`, weight: 'bold' },
      heat ? { swatch: heatSwatch(size), label: 'attention rollout, low to high' } : { swatch: '', label: 'no attention map' },
      { swatch: lineSwatch(GRADUAL, size), label: 'border, gradual' },
      { swatch: lineSwatch(ABRUPT, size), label: abrupt.size ? `border, abrupt (${[...abrupt].join(', ')})` : 'border, abrupt (none)' },
      { swatch: lineSwatch(axisColour(majorIdx), size, dash), label: axisWords('long (major)', majorIdx) },
      { swatch: lineSwatch(axisColour(minorIdx), size, dash), label: axisWords('short (minor)', minorIdx) },
      ...(Number.isFinite(threshold) ? [{ swatch: '', label: `(an axis is asymmetric above ${num(threshold)})` }] : []),
    ];
  };
  // Narrow images: a smaller font, so that the longest legend line still fits the width.
  const longest = Math.max(...entries(size).map((e) => e.label.length));
  const legendSize = Math.max(8, Math.min(size, Math.floor((width - 8) / (0.62 * longest + 3.7))));
  const legend = legendSvg(entries(legendSize), width, height, legendSize);
  const total = height + legend.height;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}">${drawing}${legend.svg}</svg>`;
  const composed = await sharp({ create: { width, height: total, channels: 3, background: { r: 24, g: 26, b: 30 } } })
    .composite([
      { input: Buffer.from(picture.buffer, picture.byteOffset, picture.byteLength), raw: { width, height, channels: 3 }, left: 0, top: 0 },
      { input: Buffer.from(svg), left: 0, top: 0 },
    ])
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(composed.data, { raw: { width: composed.info.width, height: composed.info.height, channels: composed.info.channels } })
    .removeAlpha()
    .png()
    .toBuffer();
}

/** The overlay inputs from an ABC measurement made with `geometry: true` on `image` and `mask`. */
export function overlayInputsFromAbc(
  image: OverlayInputs['image'], mask: OverlayInputs['mask'], m: AbcMeasurement, attention: OverlayInputs['attention'],
): OverlayInputs {
  const g = m.geometry;
  if (!g) throw new CefmError('explain overlay: the ABC measurement has no geometry (measure with geometry: true)');
  if (g.width !== image.width || g.height !== image.height) throw new CefmError('explain overlay: the image is not the one measured');
  const contour: [number, number][] = [];
  for (let i = 0; i + 1 < g.contour.length; i += 2) contour.push([g.contour[i], g.contour[i + 1]]);
  const [ux, uy] = g.major_axis;
  return {
    image, mask, contour, attention, colorMap: g.colour_class,
    axes: { center: g.centroid, major: [ux, uy], minor: [-uy, ux], halfLengths: [g.major_length / 2, g.minor_length / 2] },
    axisAsymmetry: [m.asymmetry_index[0], m.asymmetry_index[1]],
  };
}
