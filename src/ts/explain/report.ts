// The explain report: what `cefm-native explain --format json` prints (ExplainReport, JSON-ready),
// the inputs the overlay needs besides it (OverlayInputs, not JSON), and the one number format every
// renderer uses, so that each printed number can be traced back to a JSON value (the grounding test).
import type { Mask, RgbImage } from '../data/image.js';

export type SeverityName = 'very low' | 'low' | 'moderate' | 'high' | 'very high';
/** The five severity levels, level 0 first (quintiles of the training distribution). */
export const SEVERITY_NAMES: readonly SeverityName[] = ['very low', 'low', 'moderate', 'high', 'very high'];

export interface SeverityInfo {
  /** 0-4: which training quintile the driving feature falls in. */
  level: number;
  name: SeverityName;
  /** The 4 training quintile edges of the driving feature, ascending. */
  quantiles: number[];
  /** The feature (a key of the criterion's `values`) the level is measured on. */
  feature: string;
}

export type CriterionKey = 'asymmetry' | 'border' | 'color';

export interface AsymmetryDrivers {
  kind: 'asymmetry';
  most_asymmetric_axis: 'major' | 'minor';
  axis_indices: { major: number; minor: number };
  /** An axis is asymmetric when its index exceeds this. */
  threshold: number;
  asymmetric_axes: number;
}

/** Compass names of the border sectors, clockwise from N (image up); see compassSector. */
export const COMPASS_SECTORS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'] as const;
export type CompassSector = (typeof COMPASS_SECTORS)[number];

export interface BorderDrivers {
  kind: 'border';
  /** Compass names (COMPASS_SECTORS order) of the abrupt sectors. */
  abrupt_sectors: string[];
  sector_count: number;
}

export interface ColorDrivers {
  kind: 'color';
  /** The six dermoscopic colours, COLOR_NAMES order: share of the lesion and whether it counts as present. */
  colors: { name: string; fraction: number; present: boolean }[];
}

export interface CriterionReport {
  key: CriterionKey;
  /** asymmetry: {A, asymmetry_index_major, asymmetry_index_minor, asymmetry_axes}; border: {B2, border_score,
   * compactness, fractal_dimension}; color: {sigma_h, sigma_s, sigma_v, color_count}. */
  values: Record<string, number>;
  severity: SeverityInfo;
  drivers: AsymmetryDrivers | BorderDrivers | ColorDrivers;
  /** Drop in cosine(image embedding, clinical embedding) when this criterion's features are set to the
   * training mean: how much the image model's embedding agrees with this evidence (positive = supports). */
  agreement: number;
}

export interface PrototypeMatch {
  id: string;
  diagnosis: string;
  melanoma: number;
  similarity: number;
}

export interface ExplainReport {
  file: string;
  models: { cefm: string; multitask: string | null };
  image: { width: number; height: number };
  mask: { source: 'given' | 'predicted'; area_fraction: number };
  diagnosis: {
    melanoma_probability: number;
    label: 'melanoma' | 'not melanoma';
    threshold: number;
    clinical_melanoma_probability: number;
    multitask_melanoma_probability: number | null;
    seborrheic_keratosis_probability: number | null;
  };
  /** A, B, C in that order. */
  criteria: CriterionReport[];
  alignment: { cosine: number; /** training mean of matched-pair cosines, for scale */ matched_mean: number | null };
  /** Nearest first. */
  prototypes: PrototypeMatch[];
  summary: { image_says_melanoma: boolean; clinical_says_melanoma: boolean; agree: boolean };
  disclaimer: string;
  timing_ms: Record<string, number>;
}

/** The report's last line unless the pipeline words it otherwise. */
export const DEFAULT_DISCLAIMER =
  'This is decision support, not a diagnosis: a clinician must examine the lesion and decide.';

/** What the overlay draws besides the report (image-sized, not JSON). */
export interface OverlayInputs {
  image: RgbImage;
  mask: Mask;
  /** The lesion contour, pixel-centre coordinates. */
  contour: [number, number][];
  /** Centroid, unit axis vectors, and half the full axis lengths [major, minor] (px). */
  axes: { center: [number, number]; major: [number, number]; minor: [number, number]; halfLengths: [number, number] };
  /** Asymmetry index per axis [major, minor]. */
  axisAsymmetry: [number, number];
  /** Attention rollout on the patch grid covering the whole image; any scale, higher = more attended. */
  attention: { grid: [number, number]; values: Float32Array } | null;
  /** Optional per-pixel colour class (COLOR_NAMES index, SKIN_LIKE_CLASS, OUTSIDE_CLASS); unused for now. */
  colorMap?: Uint8Array;
}

/**
 * The compass sector of an image direction (dx right, dy down): N is up, each sector 45 degrees
 * centred on its direction, clockwise. The overlay colours the contour with this same rule.
 */
export function compassSector(dx: number, dy: number): CompassSector {
  const clockwiseFromUp = Math.atan2(dx, -dy); // 0 = up, pi/2 = right
  const i = Math.round(clockwiseFromUp / (Math.PI / 4));
  return COMPASS_SECTORS[((i % 8) + 8) % 8];
}

/**
 * The compass names of the native measurement's abrupt sectors (AbcGeometry.abrupt_sectors: 8 sectors
 * of 45 degrees counted from the major axis, sector k centred at -pi + (k + 0.5) pi/4 from it), each
 * named by the compass sector of its centre direction; duplicates merged, COMPASS_SECTORS order.
 */
export function abruptCompassSectors(abrupt: boolean[], majorAxis: [number, number]): CompassSector[] {
  const [ux, uy] = majorAxis;
  const names = new Set<CompassSector>();
  abrupt.forEach((isAbrupt, k) => {
    if (!isAbrupt) return;
    const phi = -Math.PI + (k + 0.5) * (Math.PI / 4);
    const c = Math.cos(phi), s = Math.sin(phi);
    names.add(compassSector(c * ux - s * uy, c * uy + s * ux));
  });
  return COMPASS_SECTORS.filter((n) => names.has(n));
}

/**
 * The one number format of every renderer: integers as they are, others to 3 significant digits (no
 * trailing zeros, at most 6 decimals), never "-0". The grounding test formats JSON numbers the same way.
 */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const magnitude = Math.floor(Math.log10(Math.abs(v)));
  const digits = Math.min(6, Math.max(0, 2 - magnitude));
  let s = v.toFixed(digits);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** A share (0-1) as a percentage: formatNumber(100 v) + '%'. The grounding test knows this rule too. */
export function formatPercent(v: number): string {
  return `${formatNumber(100 * v)}%`;
}
