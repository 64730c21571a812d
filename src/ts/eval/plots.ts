// Evaluation plots: SVG built here, rasterised to PNG by sharp (librsvg; no browser), written
// atomically. Each plot has a `...Svg` builder (pure, testable) and a `render...Png(data, path)`.
import sharp from 'sharp';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic.js';
import type { Calibration } from './calibration.js';
import type { RocCurve } from './classification.js';
import type { ConfusionMatrix } from './labels.js';

const FONT = 'DejaVu Sans, sans-serif';
/** matplotlib's tab10: distinct on screen and for most colour-blind readers. */
export const CATEGORY_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const OTHER_GREY = '#7f7f7f';
/** viridis at 9 evenly spaced stops; perceptually uniform, readable in grey. */
const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];
const BLUES = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];
const BAR_BLUE = '#6baed6';

/** Colour at t in [0, 1] of a map given by evenly spaced stops, linear in RGB between them. */
function interpolate(stops: readonly string[], t: number): string {
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u)), w = u - i;
  const rgb = (h: string) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16));
  const a = rgb(stops[i]), b = rgb(stops[i + 1]);
  return `rgb(${a.map((v, k) => Math.round(v + (b[k] - v) * w)).join(',')})`;
}

export interface RocPlotCurve {
  /** Task name shown in the legend, e.g. "melanoma". */
  label: string;
  roc: Pick<RocCurve, 'fpr' | 'tpr'>;
  auc: number;
  /** Bootstrap interval, shown after the AUC when given. */
  lower?: number;
  upper?: number;
}

export interface PlotOptions {
  title?: string;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function text(x: number, y: number, s: string, attrs: Record<string, string | number> = {}): string {
  const a = { 'font-family': FONT, 'font-size': 14, fill: '#222', ...attrs };
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${Object.entries(a).map(([k, v]) => `${k}="${v}"`).join(' ')}>${esc(s)}</text>`;
}

function svgDocument(width: number, height: number, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="${width}" height="${height}" fill="white"/>${body.join('')}</svg>`;
}

/** Rasterises an SVG document to PNG bytes. */
export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function writePng(svg: string, path: string): Promise<void> {
  writeFileAtomic(path, await svgToPng(svg));
}

/** Round tick values covering [lo, hi] (about `count` of them): steps of 1, 2 or 5 × 10^k. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const e = raw / mag; // d3's choice of 1, 2, 5 or 10: the nearest in log scale
  const step = mag * (e >= Math.SQRT1_2 * 10 ? 10 : e >= Math.sqrt(10) ? 5 : e >= Math.SQRT2 ? 2 : 1);
  const ticks: number[] = [];
  // k * step, rounded to 12 digits, so 3 * 0.2 prints as 0.6.
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)) || 0);
  return ticks;
}

function tickLabel(v: number, ticks: number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals).replace(/^-/, '\u2212');
}

interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
  x: (v: number) => number;
  y: (v: number) => number;
}

function frame(left: number, top: number, width: number, height: number, xr: [number, number], yr: [number, number]): Frame {
  return {
    left, top, width, height,
    x: (v) => left + ((v - xr[0]) / (xr[1] - xr[0])) * width,
    y: (v) => top + height - ((v - yr[0]) / (yr[1] - yr[0])) * height,
  };
}

/** Grid, ticks, tick labels, axis labels and the plot border. */
function axes(f: Frame, xTicks: number[], yTicks: number[], xLabel: string, yLabel: string): string[] {
  const out: string[] = [];
  for (const t of xTicks) {
    const x = f.x(t);
    out.push(`<line x1="${x}" y1="${f.top}" x2="${x}" y2="${f.top + f.height}" stroke="#e6e6e6"/>`);
    out.push(`<line x1="${x}" y1="${f.top + f.height}" x2="${x}" y2="${f.top + f.height + 5}" stroke="#444"/>`);
    out.push(text(x, f.top + f.height + 22, tickLabel(t, xTicks), { 'text-anchor': 'middle', 'font-size': 13 }));
  }
  for (const t of yTicks) {
    const y = f.y(t);
    out.push(`<line x1="${f.left}" y1="${y}" x2="${f.left + f.width}" y2="${y}" stroke="#e6e6e6"/>`);
    out.push(`<line x1="${f.left - 5}" y1="${y}" x2="${f.left}" y2="${y}" stroke="#444"/>`);
    out.push(text(f.left - 9, y + 4.5, tickLabel(t, yTicks), { 'text-anchor': 'end', 'font-size': 13 }));
  }
  out.push(`<rect x="${f.left}" y="${f.top}" width="${f.width}" height="${f.height}" fill="none" stroke="#444"/>`);
  out.push(text(f.left + f.width / 2, f.top + f.height + 50, xLabel, { 'text-anchor': 'middle', 'font-size': 16 }));
  const cy = f.top + f.height / 2;
  out.push(text(f.left - 58, cy, yLabel, { 'text-anchor': 'middle', 'font-size': 16, transform: `rotate(-90 ${f.left - 58} ${cy})` }));
  return out;
}

function title(width: number, s: string): string {
  return text(width / 2, 34, s, { 'text-anchor': 'middle', 'font-size': 19, 'font-weight': 'bold' });
}

/** A legend box of coloured swatches in the given corner of the frame. */
function legend(f: Frame, entries: { label: string; colour: string; marker: 'line' | 'dot' | 'box' }[], corner: 'bottom-right' | 'top-left'): string[] {
  const rowH = 22, pad = 10;
  const w = pad * 2 + 30 + Math.max(...entries.map((e) => e.label.length)) * 7.6;
  const h = pad * 2 + rowH * entries.length - 6;
  const x0 = corner === 'bottom-right' ? f.left + f.width - w - 12 : f.left + 12;
  const y0 = corner === 'bottom-right' ? f.top + f.height - h - 12 : f.top + 12;
  const out = [`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="white" fill-opacity="0.92" stroke="#bbb" rx="4"/>`];
  entries.forEach((e, i) => {
    const y = y0 + pad + i * rowH + 8;
    out.push(e.marker === 'line'
      ? `<line x1="${x0 + pad}" y1="${y}" x2="${x0 + pad + 22}" y2="${y}" stroke="${e.colour}" stroke-width="3"/>`
      : e.marker === 'box'
        ? `<rect x="${x0 + pad + 3}" y="${y - 7}" width="16" height="14" fill="${e.colour}"/>`
        : `<circle cx="${x0 + pad + 11}" cy="${y}" r="5" fill="${e.colour}"/>`);
    out.push(text(x0 + pad + 30, y + 5, e.label, { 'font-size': 13 }));
  });
  return out;
}

function polyline(xs: number[], ys: number[], colour: string, width = 2.5): string {
  const pts = xs.map((x, i) => `${x.toFixed(2)},${ys[i].toFixed(2)}`).join(' ');
  return `<polyline points="${pts}" fill="none" stroke="${colour}" stroke-width="${width}" stroke-linejoin="round"/>`;
}

const UNIT_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/** ROC curves of several tasks on one plot; the legend gives each AUC (and its interval). */
export function rocSvg(curves: readonly RocPlotCurve[], opts: PlotOptions = {}): string {
  if (curves.length === 0) throw new Error('roc plot: no curves');
  const W = 720, H = 680;
  const f = frame(90, 60, 580, 540, [0, 1], [0, 1]);
  const body = [title(W, opts.title ?? 'ROC curves'), ...axes(f, UNIT_TICKS, UNIT_TICKS, 'False positive rate (1 − specificity)', 'True positive rate (sensitivity)')];
  body.push(`<line x1="${f.x(0)}" y1="${f.y(0)}" x2="${f.x(1)}" y2="${f.y(1)}" stroke="#999" stroke-dasharray="6 5" stroke-width="1.5"/>`);
  const entries = curves.map((c, i) => {
    const colour = CATEGORY_COLOURS[i % CATEGORY_COLOURS.length];
    body.push(polyline(Array.from(c.roc.fpr, f.x), Array.from(c.roc.tpr, f.y), colour));
    const ci = c.lower !== undefined && c.upper !== undefined ? ` [${c.lower.toFixed(3)}–${c.upper.toFixed(3)}]` : '';
    return { label: `${c.label} (AUC ${c.auc.toFixed(3)}${ci})`, colour, marker: 'line' as const };
  });
  entries.push({ label: 'chance (AUC 0.500)', colour: '#999', marker: 'line' });
  body.push(...legend(f, entries, 'bottom-right'));
  return svgDocument(W, H, body);
}

export async function renderRocPng(curves: readonly RocPlotCurve[], path: string, opts: PlotOptions = {}): Promise<void> {
  await writePng(rocSvg(curves, opts), path);
}

/** matplotlib's Blues (light to dark) for a fraction in [0, 1]. */
function blues(t: number): string {
  return interpolate(BLUES, t);
}

/** Confusion matrix: count and row percentage in each cell, coloured by the row fraction (recall). */
export function confusionSvg(cm: ConfusionMatrix, opts: PlotOptions = {}): string {
  const k = cm.classes.length;
  if (k === 0 || cm.counts.length !== k || cm.counts.some((r) => r.length !== k)) throw new Error(`confusion plot: counts must be ${k}×${k}`);
  const cell = k <= 3 ? 150 : Math.max(64, Math.floor(520 / k));
  const longest = Math.max(...cm.classes.map((c) => c.length));
  const left = 70 + Math.min(180, longest * 8.5), top = 70;
  const rotate = k > 3 && longest * 8 > cell;
  const bottom = 70 + (rotate ? Math.min(150, longest * 6.5) : 20);
  const W = left + k * cell + 40, H = top + k * cell + bottom;
  const body = [title(W, opts.title ?? 'Confusion matrix')];
  const small = cell < 90;
  for (let t = 0; t < k; t++) {
    const rowTotal = cm.counts[t].reduce((a, b) => a + b, 0);
    for (let p = 0; p < k; p++) {
      const count = cm.counts[t][p], frac = rowTotal ? count / rowTotal : 0;
      const x = left + p * cell, y = top + t * cell;
      body.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${blues(frac)}" stroke="white" stroke-width="2"/>`);
      const ink = frac > 0.5 ? 'white' : '#111';
      body.push(text(x + cell / 2, y + cell / 2 + (small ? 2 : 0), String(count), { 'text-anchor': 'middle', 'font-size': small ? 15 : 24, 'font-weight': 'bold', fill: ink }));
      body.push(text(x + cell / 2, y + cell / 2 + (small ? 18 : 26), `${(100 * frac).toFixed(1)}%`, { 'text-anchor': 'middle', 'font-size': small ? 11 : 14, fill: ink }));
    }
    body.push(text(left - 10, top + t * cell + cell / 2 + 5, cm.classes[t], { 'text-anchor': 'end', 'font-size': 14 }));
  }
  for (let p = 0; p < k; p++) {
    const x = left + p * cell + cell / 2, y = top + k * cell + 20;
    body.push(rotate
      ? text(x + 4, y - 6, cm.classes[p], { 'text-anchor': 'end', 'font-size': 14, transform: `rotate(-40 ${x + 4} ${y - 6})` })
      : text(x, y, cm.classes[p], { 'text-anchor': 'middle', 'font-size': 14 }));
  }
  body.push(text(left + (k * cell) / 2, H - 22, 'Predicted class', { 'text-anchor': 'middle', 'font-size': 16 }));
  const cy = top + (k * cell) / 2;
  body.push(text(24, cy, 'True class', { 'text-anchor': 'middle', 'font-size': 16, transform: `rotate(-90 24 ${cy})` }));
  body.push(text(W - 20, top - 10, 'colour and % = share of the true class', { 'text-anchor': 'end', 'font-size': 12, fill: '#555' }));
  return svgDocument(W, H, body);
}

export async function renderConfusionPng(cm: ConfusionMatrix, path: string, opts: PlotOptions = {}): Promise<void> {
  await writePng(confusionSvg(cm, opts), path);
}

/**
 * Reliability diagram: fraction of positives per probability bin (bars) against the diagonal of
 * perfect calibration, the bins' mean predicted probability as dots, and a sample-count histogram below.
 */
export function reliabilitySvg(cal: Calibration, opts: PlotOptions = {}): string {
  const W = 720, H = 780;
  const f = frame(90, 60, 580, 460, [0, 1], [0, 1]);
  const body = [title(W, opts.title ?? `Reliability diagram (ECE ${cal.ece.toFixed(3)})`)];
  body.push(...axes(f, UNIT_TICKS, UNIT_TICKS, '', 'Fraction of positives'));
  for (const b of cal.bins) {
    if (b.count === 0 || b.fraction_positive === null) continue;
    const x0 = f.x(b.lower) + 2, x1 = f.x(b.upper) - 2;
    body.push(`<rect x="${x0}" y="${f.y(b.fraction_positive)}" width="${x1 - x0}" height="${f.y(0) - f.y(b.fraction_positive)}" fill="${BAR_BLUE}"/>`);
  }
  body.push(`<line x1="${f.x(0)}" y1="${f.y(0)}" x2="${f.x(1)}" y2="${f.y(1)}" stroke="#d62728" stroke-dasharray="6 5" stroke-width="2"/>`);
  const filled = cal.bins.filter((b) => b.count > 0 && b.mean_predicted !== null && b.fraction_positive !== null);
  body.push(polyline(filled.map((b) => f.x(b.mean_predicted as number)), filled.map((b) => f.y(b.fraction_positive as number)), '#222', 1.5));
  for (const b of filled) body.push(`<circle cx="${f.x(b.mean_predicted as number)}" cy="${f.y(b.fraction_positive as number)}" r="5" fill="#222"/>`);
  body.push(...legend(f, [
    { label: 'fraction positive per bin', colour: BAR_BLUE, marker: 'box' },
    { label: 'at the bin\'s mean probability', colour: '#222', marker: 'dot' },
    { label: 'perfect calibration', colour: '#d62728', marker: 'line' },
  ], 'top-left'));
  // Count histogram under the main panel, sharing its x axis.
  const maxCount = Math.max(1, ...cal.bins.map((b) => b.count));
  let countTicks = niceTicks(0, maxCount, 3);
  const countStep = countTicks.length > 1 ? countTicks[1] - countTicks[0] : 1;
  // Extend the axis to the next tick above the tallest bar, so the bar never touches the frame.
  if (countTicks[countTicks.length - 1] <= maxCount) countTicks = [...countTicks, countTicks[countTicks.length - 1] + countStep];
  const g = frame(90, 560, 580, 120, [0, 1], [0, countTicks[countTicks.length - 1]]);
  body.push(...axes(g, UNIT_TICKS, countTicks, 'Predicted probability', 'Count'));
  for (const b of cal.bins) {
    if (b.count === 0) continue;
    const x0 = g.x(b.lower) + 2, x1 = g.x(b.upper) - 2;
    body.push(`<rect x="${x0}" y="${g.y(b.count)}" width="${x1 - x0}" height="${g.y(0) - g.y(b.count)}" fill="#7f7f7f"/>`);
  }
  return svgDocument(W, H, body);
}

export async function renderReliabilityPng(cal: Calibration, path: string, opts: PlotOptions = {}): Promise<void> {
  await writePng(reliabilitySvg(cal, opts), path);
}

/** Axis labels for a PCA scatter: "PC 1 (41.2% of variance)". */
export function pcaAxisLabels(ratio: readonly [number, number]): { xLabel: string; yLabel: string } {
  return { xLabel: `PC 1 (${(100 * ratio[0]).toFixed(1)}% of variance)`, yLabel: `PC 2 (${(100 * ratio[1]).toFixed(1)}% of variance)` };
}

export interface ScatterOptions extends PlotOptions {
  xLabel?: string;
  yLabel?: string;
}

/** Smaller dots for big sets (HAM10000 has ~10k), so clusters stay readable. */
function dotRadius(n: number): number {
  return n > 3000 ? 2 : n > 800 ? 3 : 4;
}

function scatterFrame(points: readonly (readonly [number, number])[], width: number): { f: Frame; xt: number[]; yt: number[] } {
  if (points.length === 0) throw new Error('scatter plot: no points');
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const pad = (lo: number, hi: number): [number, number] => {
    const span = hi - lo || 1;
    return [lo - 0.05 * span, hi + 0.05 * span];
  };
  const xr = pad(Math.min(...xs), Math.max(...xs)), yr = pad(Math.min(...ys), Math.max(...ys));
  const xt = niceTicks(xr[0], xr[1]), yt = niceTicks(yr[0], yr[1]);
  return { f: frame(90, 60, width, 540, xr, yr), xt, yt };
}

/** PCA (or any 2-D) scatter coloured by a category per point, e.g. the diagnosis. */
export function categoricalScatterSvg(points: readonly (readonly [number, number])[], categories: readonly string[], opts: ScatterOptions = {}): string {
  if (categories.length !== points.length) throw new Error(`scatter plot: ${points.length} points but ${categories.length} categories`);
  // Each category its own colour: the most frequent ones keep theirs, the rest share grey as
  // "other" (tab10 has 10 colours; reused colours made two diagnoses look like one).
  const byCount = new Map<string, number>();
  for (const c of categories) byCount.set(c, (byCount.get(c) ?? 0) + 1);
  const ranked = [...byCount.keys()].sort((a, b) => byCount.get(b)! - byCount.get(a)! || a.localeCompare(b));
  const distinct = CATEGORY_COLOURS.filter((c) => c !== OTHER_GREY);
  const kept = new Set(ranked.slice(0, distinct.length));
  const rest = ranked.filter((n) => !kept.has(n));
  const other = rest.length ? `other (${rest.length} diagnoses)` : '';
  categories = categories.map((c) => (kept.has(c) ? c : other));
  const names = [...kept].sort().concat(other ? [other] : []);
  const W = 960, H = 680;
  const { f, xt, yt } = scatterFrame(points, 560);
  const body = [title(W, opts.title ?? 'Embeddings (PCA)'), ...axes(f, xt, yt, opts.xLabel ?? 'PC 1', opts.yLabel ?? 'PC 2')];
  const colourOf = new Map(names.map((n, i) => [n, n === other ? OTHER_GREY : distinct[i]]));
  // Larger classes first, so the minority (melanoma) is drawn on top.
  const counts = new Map(names.map((n) => [n, categories.filter((c) => c === n).length]));
  const order = points.map((_, i) => i).sort((a, b) => (counts.get(categories[b]) ?? 0) - (counts.get(categories[a]) ?? 0));
  const r = dotRadius(points.length);
  for (const i of order) body.push(`<circle cx="${f.x(points[i][0]).toFixed(1)}" cy="${f.y(points[i][1]).toFixed(1)}" r="${r}" fill="${colourOf.get(categories[i])}" fill-opacity="0.75" stroke="white" stroke-width="0.5"/>`);
  const lx = f.left + f.width + 24;
  body.push(text(lx, f.top + 12, 'Diagnosis', { 'font-size': 15, 'font-weight': 'bold' }));
  names.forEach((n, i) => {
    const y = f.top + 38 + i * 24;
    body.push(`<circle cx="${lx + 7}" cy="${y - 5}" r="6" fill="${colourOf.get(n)}"/>`);
    body.push(text(lx + 20, y, `${n} (${counts.get(n)})`, { 'font-size': 13 }));
  });
  return svgDocument(W, H, body);
}

export async function renderCategoricalScatterPng(points: readonly (readonly [number, number])[], categories: readonly string[], path: string, opts: ScatterOptions = {}): Promise<void> {
  await writePng(categoricalScatterSvg(points, categories, opts), path);
}

/** viridis colour of t in [0, 1], linearly between the stops. */
export function viridis(t: number): string {
  return interpolate(VIRIDIS, t);
}

/** 2-D scatter coloured by a continuous value per point (an ABC feature), with a colour bar. */
export function continuousScatterSvg(points: readonly (readonly [number, number])[], values: ArrayLike<number>, opts: ScatterOptions & { valueLabel?: string } = {}): string {
  if (values.length !== points.length) throw new Error(`scatter plot: ${points.length} points but ${values.length} values`);
  const finite = Array.from(values).filter(Number.isFinite);
  const lo = finite.length ? Math.min(...finite) : 0, hi = finite.length ? Math.max(...finite) : 1;
  const W = 860, H = 680;
  const { f, xt, yt } = scatterFrame(points, 580);
  const label = opts.valueLabel ?? 'value';
  const body = [title(W, opts.title ?? `Embeddings (PCA) coloured by ${label}`), ...axes(f, xt, yt, opts.xLabel ?? 'PC 1', opts.yLabel ?? 'PC 2')];
  const t = (v: number) => (hi > lo ? (v - lo) / (hi - lo) : 0.5);
  // Missing values in grey underneath, then low to high so the extremes stay visible.
  const order = points.map((_, i) => i).sort((a, b) => (Number.isFinite(values[a]) ? values[a] : -Infinity) - (Number.isFinite(values[b]) ? values[b] : -Infinity));
  const r = dotRadius(points.length);
  for (const i of order) {
    const fill = Number.isFinite(values[i]) ? viridis(t(values[i])) : '#cccccc';
    body.push(`<circle cx="${f.x(points[i][0]).toFixed(1)}" cy="${f.y(points[i][1]).toFixed(1)}" r="${r}" fill="${fill}" fill-opacity="0.85" stroke="white" stroke-width="0.4"/>`);
  }
  // Colour bar: a vertical gradient with ticks of the value scale.
  const bx = f.left + f.width + 40, bw = 22, by = f.top + 20, bh = f.height - 40;
  const stops = VIRIDIS.map((c, i) => `<stop offset="${(i / (VIRIDIS.length - 1)).toFixed(3)}" stop-color="${c}"/>`).join('');
  body.push(`<defs><linearGradient id="cbar" x1="0" y1="1" x2="0" y2="0">${stops}</linearGradient></defs>`);
  body.push(`<rect x="${bx}" y="${by}" width="${bw}" height="${bh}" fill="url(#cbar)" stroke="#444"/>`);
  const ticks = hi > lo ? niceTicks(lo, hi, 5) : [lo];
  for (const v of ticks) {
    const y = by + bh - t(v) * bh;
    body.push(`<line x1="${bx + bw}" y1="${y}" x2="${bx + bw + 5}" y2="${y}" stroke="#444"/>`);
    body.push(text(bx + bw + 8, y + 4.5, tickLabel(v, ticks), { 'font-size': 12 }));
  }
  const missing = points.length - finite.length;
  if (missing > 0) {
    body.push(`<circle cx="${bx + 6}" cy="${by + bh + 22}" r="5" fill="#cccccc"/>`);
    body.push(text(bx + 16, by + bh + 27, `no value (${missing})`, { 'font-size': 12 }));
  }
  const cy = by + bh / 2;
  body.push(text(bx + bw + 70, cy, label, { 'text-anchor': 'middle', 'font-size': 15, transform: `rotate(-90 ${bx + bw + 70} ${cy})` }));
  return svgDocument(W, H, body);
}

export async function renderContinuousScatterPng(points: readonly (readonly [number, number])[], values: ArrayLike<number>, path: string, opts: ScatterOptions & { valueLabel?: string } = {}): Promise<void> {
  await writePng(continuousScatterSvg(points, values, opts), path);
}

/** Derm7pt's melanoma stages and nevus kinds as one melanoma and one nevus group each, for a legend that fits. */
export function diagnosisGroup(name: string): string {
  const n = name.toLowerCase();
  if (n.startsWith('melanoma') && !n.startsWith('melanosis')) return 'melanoma';
  if (/\bnevus$/.test(n)) return 'nevus';
  return name;
}

/**
 * The paper-style embedding figures for one PCA projection: pca_diagnosis.png (when diagnoses are
 * given) and pca_<feature>.png per continuous feature, in `dir`. Returns the files written.
 */
export async function renderEmbeddingPlots(
  projection: { points: readonly (readonly [number, number])[]; explained_variance_ratio: readonly [number, number] },
  colourings: { diagnosis?: readonly string[]; features?: Record<string, ArrayLike<number>> },
  dir: string,
  what = 'Aligned image embeddings',
): Promise<string[]> {
  const labels = pcaAxisLabels(projection.explained_variance_ratio);
  const written: string[] = [];
  if (colourings.diagnosis) {
    const file = join(dir, 'pca_diagnosis.png');
    await renderCategoricalScatterPng(projection.points, colourings.diagnosis.map(diagnosisGroup), file, { title: `${what} (PCA) by diagnosis`, ...labels });
    written.push(file);
  }
  for (const [name, values] of Object.entries(colourings.features ?? {})) {
    const file = join(dir, `pca_${name.replace(/[^A-Za-z0-9_-]+/g, '_')}.png`);
    await renderContinuousScatterPng(projection.points, values, file, { title: `${what} (PCA) by ${name}`, valueLabel: name, ...labels });
    written.push(file);
  }
  return written;
}
