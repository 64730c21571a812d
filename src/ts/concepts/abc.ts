// ABC clinical features (asymmetry, border, colour) of a lesion: a typed wrapper over the native
// measurement (native/abc/). Definitions, reference values and thresholds: docs/abc.md.
import { loadAddon } from '../addon.js';
import { type Mask, type RgbImage, readMask, readRgb } from '../data/image.js';
import { CefmError } from '../errors.js';

/** The six dermoscopic colours, in the order the measurement reports them. */
export const COLOR_NAMES = ['white', 'red', 'light_brown', 'dark_brown', 'blue_gray', 'black'] as const;
export type ColorName = (typeof COLOR_NAMES)[number];
/** Colour-class map values besides the six colours. */
export const SKIN_LIKE_CLASS = 6, OUTSIDE_CLASS = 7;

/** The features `cefm-native abc --json` prints, exactly these keys (docs/abc.md defines each). */
export interface AbcFeatures {
  /** CEFM's asymmetry: mean |grey - grey mirrored about the major axis| over the lesion (0-255). */
  A: number;
  /** CEFM's B2: mean |curvature| of the smoothed contour (1/px). */
  B2: number;
  sigma_h: number;
  sigma_s: number;
  sigma_v: number;
  /** Principal axes (0-2) whose asymmetry index exceeds the calibrated threshold. */
  asymmetry_axes: number;
  /** Per axis [major, minor]: mean of the shape and colour non-overlap with the mirror image. */
  asymmetry_index: [number, number];
  compactness: number;
  fractal_dimension: number;
  /** Abrupt border sectors, 0-8 (the B score of the ABCD rule). */
  border_score: number;
  colors: Record<ColorName, boolean>;
  color_fractions: Record<ColorName, number>;
  color_count: number;
  area_px: number;
  perimeter_px: number;
}

/** The keys of AbcFeatures in output order (JSON, CSV columns). */
export const ABC_FEATURE_KEYS = [
  'A', 'B2', 'sigma_h', 'sigma_s', 'sigma_v', 'asymmetry_axes', 'asymmetry_index', 'compactness', 'fractal_dimension',
  'border_score', 'colors', 'color_fractions', 'color_count', 'area_px', 'perimeter_px',
] as const satisfies readonly (keyof AbcFeatures)[];

/** What the measurement saw, for drawing: contour, axes, colour class per pixel. */
export interface AbcGeometry {
  width: number;
  height: number;
  /** Smoothed contour, x/y interleaved, pixel-centre coordinates, clockwise on screen. */
  contour: Float64Array;
  centroid: [number, number];
  /** Unit vector along the major axis (the minor axis is perpendicular). */
  major_axis: [number, number];
  /** Full axis lengths of the ellipse with the lesion's second moments (px). */
  major_length: number;
  minor_length: number;
  /** Index into COLOR_NAMES per lesion pixel, SKIN_LIKE_CLASS for skin-coloured ones, OUTSIDE_CLASS outside. */
  colour_class: Uint8Array;
  /** The 8 sectors (45 degrees each, counted from the major axis) judged abrupt. */
  abrupt_sectors: boolean[];
}

/** The features plus the two parts of each axis's asymmetry index, and the geometry when asked. */
export interface AbcMeasurement extends AbcFeatures {
  asymmetry_shape: [number, number];
  asymmetry_colour: [number, number];
  /** Shades-of-grey illuminant of the surrounding skin (linear sRGB), before correction. */
  illuminant: [number, number, number];
  /** The skin's CIELAB after colour constancy: the origin of the skin-relative reference colours. */
  skin_lab: [number, number, number];
  /** Skin pixels used; 0 when the lesion left too few and the whole image gave the illuminant. */
  skin_pixels: number;
  /** Share of the lesion nearest to the skin's own colour (in none of the six colours). */
  skin_like_fraction: number;
  geometry?: AbcGeometry;
}

/** The constants the native measurement uses (native/abc/abc_params.h). */
export interface AbcConstants {
  asymmetry_threshold: number;
  /** Per colour: present at or above this fraction of the lesion. */
  color_present_fractions: Record<ColorName, number>;
  shades_of_grey_order: number;
  canonical_illuminant: [number, number, number];
  skin_reach: number;
  skin_dark_fraction: number;
  min_skin_pixels: number;
  /** Per colour and 'skin': [L, a, b, relative L, relative a, relative b] (1 = offset from the skin's CIELAB). */
  reference_colours: Record<ColorName | 'skin', [number, number, number, number, number, number]>;
  contour_sigma_min: number;
  contour_sigma_scale: number;
  narrow_fraction: number;
  profile_fraction: number;
  abrupt_fraction: number;
  min_border_contrast: number;
  min_lesion_area: number;
}

interface AbcAddon {
  abcMeasure(rgb: Uint8Array, width: number, height: number, mask: Uint8Array, wantGeometry: boolean): Promise<AbcMeasurement>;
  abcConstants: AbcConstants;
}

function abcAddon(): AbcAddon {
  return loadAddon() as unknown as AbcAddon;
}

export function abcConstants(): AbcConstants {
  return abcAddon().abcConstants;
}

export interface MeasureOptions {
  /** Also return the contour, axes and colour-class map (for overlays). */
  geometry?: boolean;
  /** Names the input in error messages. */
  file?: string;
}

/**
 * Measures the ABC features of the lesion `mask` marks (nonzero = lesion) in `image`. The largest
 * 8-connected component is kept and its holes filled. Runs on the libuv thread pool.
 */
export async function measureAbc(image: RgbImage, mask: Mask, opts: MeasureOptions = {}): Promise<AbcMeasurement> {
  if (image.width !== mask.width || image.height !== mask.height) {
    throw new CefmError(`abc: mask is ${mask.width}x${mask.height} but the image is ${image.width}x${image.height}`, { file: opts.file });
  }
  if (image.data.length !== image.width * image.height * 3 || mask.data.length !== mask.width * mask.height) {
    throw new CefmError(`abc: image or mask data does not match its ${image.width}x${image.height} size`, { file: opts.file });
  }
  const addon = abcAddon();
  try {
    return await addon.abcMeasure(image.data, image.width, image.height, mask.data, !!opts.geometry);
  } catch (e) {
    throw new CefmError((e as Error).message, { file: opts.file, cause: e });
  }
}

/** Reads an image and its lesion mask (same size) and measures them; errors name the file at fault. */
export async function measureAbcFiles(imageFile: string, maskFile: string, opts: Omit<MeasureOptions, 'file'> = {}): Promise<AbcMeasurement> {
  const image = await readRgb(imageFile);
  const mask = await readMask(maskFile, { width: image.width, height: image.height });
  return measureAbc(image, mask, { ...opts, file: maskFile });
}

/** Only the AbcFeatures keys, in output order (for JSON). */
export function pickAbcFeatures(m: AbcFeatures): AbcFeatures {
  const out: Record<string, unknown> = {};
  for (const k of ABC_FEATURE_KEYS) out[k] = m[k];
  return out as unknown as AbcFeatures;
}
