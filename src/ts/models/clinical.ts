// The clinical side of CEFM at inference and training alike: ABC measured at one canonical scale
// (features like B2 are per pixel, and the data sets come at 200-800 px), standardised with the
// statistics stored in the model, and binned into five severity levels by stored quantiles.
import { type AbcMeasurement, measureAbc } from '../concepts/abc.js';
import { type Mask, type RgbImage, resizeMask, resizeRgb } from '../data/image.js';
import { CefmError } from '../errors.js';

/** The longer side, in pixels, at which ABC is measured for CEFM. */
export const ABC_CANONICAL_SIDE = 256;

export interface ClinicalStats {
  features: string[];
  mean: number[];
  std: number[];
  /** Per feature, the 20/40/60/80 % quantiles of the training distribution. */
  quantiles: number[][];
}

export async function measureCanonicalAbc(image: RgbImage, mask: Mask, file?: string, geometry = false): Promise<AbcMeasurement> {
  const scale = ABC_CANONICAL_SIDE / Math.max(image.width, image.height);
  const w = Math.max(8, Math.round(image.width * scale)), h = Math.max(8, Math.round(image.height * scale));
  const img = image.width === w && image.height === h ? image : resizeRgb(image, w, h);
  const m = mask.width === w && mask.height === h ? mask : resizeMask(mask, w, h);
  return measureAbc(img, m, { file, geometry });
}

/** A feature's value by name (`asymmetry_index` gives the mean of both axes; colour names give fractions). */
export function featureValue(m: AbcMeasurement, name: string): number {
  const rec = m as unknown as Record<string, unknown>;
  const v = rec[name];
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return (v as number[]).reduce((a, b) => a + b, 0) / v.length;
  const frac = (m.color_fractions as Record<string, number> | undefined)?.[name];
  if (typeof frac === 'number') return frac;
  throw new CefmError(`unknown ABC feature '${name}'`);
}

export function fitClinicalStats(features: string[], rows: number[][]): ClinicalStats {
  const k = features.length;
  const mean = new Array(k).fill(0), std = new Array(k).fill(0);
  for (const r of rows) r.forEach((v, j) => (mean[j] += v / rows.length));
  for (const r of rows) r.forEach((v, j) => (std[j] += (v - mean[j]) ** 2 / Math.max(1, rows.length - 1)));
  const quantiles = features.map((_, j) => {
    const sorted = rows.map((r) => r[j]).sort((a, b) => a - b);
    return [0.2, 0.4, 0.6, 0.8].map((q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  });
  return { features, mean, std: std.map((s) => Math.sqrt(s) || 1), quantiles };
}

export function standardise(stats: ClinicalStats, row: number[]): number[] {
  return row.map((v, j) => (v - stats.mean[j]) / stats.std[j]);
}

export const SEVERITY_LEVELS = ['very low', 'low', 'moderate', 'high', 'very high'] as const;

/** Level 0-4 of a value against the feature's training quintiles. */
export function severityLevel(stats: ClinicalStats, j: number, v: number): number {
  return stats.quantiles[j].filter((q) => v > q).length;
}
