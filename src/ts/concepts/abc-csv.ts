// One CSV row per measured lesion: the AbcFeatures flattened (pairs and colour objects spread
// into columns), after the sample's id, files and melanoma label.
import { type AbcFeatures, COLOR_NAMES } from './abc.js';

export const ABC_CSV_COLUMNS: readonly string[] = [
  'id', 'image', 'mask', 'melanoma',
  'A', 'B2', 'sigma_h', 'sigma_s', 'sigma_v',
  'asymmetry_axes', 'asymmetry_index_major', 'asymmetry_index_minor',
  'compactness', 'fractal_dimension', 'border_score',
  ...COLOR_NAMES.map((c) => `color_${c}`),
  ...COLOR_NAMES.map((c) => `fraction_${c}`),
  'color_count', 'area_px', 'perimeter_px',
];

export interface AbcCsvSample {
  id: string;
  image: string;
  mask: string;
  melanoma: number | '';
}

export function abcCsvValues(sample: AbcCsvSample, f: AbcFeatures): (string | number)[] {
  return [
    sample.id, sample.image, sample.mask, sample.melanoma,
    f.A, f.B2, f.sigma_h, f.sigma_s, f.sigma_v,
    f.asymmetry_axes, f.asymmetry_index[0], f.asymmetry_index[1],
    f.compactness, f.fractal_dimension, f.border_score,
    ...COLOR_NAMES.map((c) => (f.colors[c] ? 1 : 0)),
    ...COLOR_NAMES.map((c) => f.color_fractions[c]),
    f.color_count, f.area_px, f.perimeter_px,
  ];
}

/** One CSV line (RFC 4180 quoting where a field needs it), without the line break. */
export function csvLine(values: readonly (string | number)[]): string {
  return values
    .map((v) => {
      const s = String(v);
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',');
}
