// Explain reports for the renderer tests: random but realistic (values in the ranges real lesions give,
// severities from quintiles of a generated training sample, consistent labels), in named variants, and
// one built from the real ABC measurement of examples/ISIC_0014722.jpg.
import { readFileSync } from 'node:fs';
import { abcConstants, COLOR_NAMES, type AbcMeasurement } from '../../src/ts/concepts/abc.js';
import {
  COMPASS_SECTORS, type CriterionReport, DEFAULT_DISCLAIMER, type ExplainReport, SEVERITY_NAMES,
} from '../../src/ts/explain/report.js';
import type { FeatureDistribution } from '../../src/ts/explain/render-html.js';
import { Rng } from '../util/rng.js';

export const EXAMPLE_IMAGE = 'examples/ISIC_0014722.jpg';
/** The ground-truth mask in the shared data (relative to the repository root, as the tests run there). */
export const EXAMPLE_MASK = '../shared/data/isic2017-sample/ISIC-2017_Training_Part1_GroundTruth/ISIC_0014722_segmentation.png';
/** The mask committed next to the example, used when the shared data is absent. */
export const EXAMPLE_MASK_FALLBACK = 'examples/ISIC_0014722_segmentation.png';

export interface Variant {
  melanoma: boolean;
  agree: boolean;
  abruptSectors: number;
  allColours: boolean;
  multitask: boolean;
  maskSource: 'given' | 'predicted';
  prototypes: number;
  matchedMean: boolean;
}

export const VARIANTS: Record<string, Partial<Variant>> = {
  'melanoma, agree': { melanoma: true, agree: true },
  'melanoma, disagree': { melanoma: true, agree: false },
  'benign, agree': { melanoma: false, agree: true },
  'benign, disagree': { melanoma: false, agree: false },
  'no abrupt sector': { abruptSectors: 0 },
  'all eight sectors abrupt': { abruptSectors: 8 },
  'all colours present': { allColours: true },
  'no multitask model, given mask': { multitask: false, maskSource: 'given' },
  'no prototypes, no matched mean': { prototypes: 0, matchedMean: false },
};

/** Ranges of each feature over training lesions: [lo, hi] of a log-normal-ish sample. */
const FEATURE_RANGES: Record<string, [number, number, boolean]> = {
  // [lo, hi, integer]
  A: [4, 70, false], asymmetry_index_major: [0.02, 0.6, false], asymmetry_index_minor: [0.02, 0.6, false], asymmetry_axes: [0, 2, true],
  B2: [0.004, 0.06, false], border_score: [0, 8, true], compactness: [1.02, 3.5, false], fractal_dimension: [1.0, 1.35, false],
  sigma_h: [0.3, 8, false], sigma_s: [4, 45, false], sigma_v: [5, 55, false], color_count: [0, 6, true],
};
const SEVERITY_FEATURE: Record<CriterionReport['key'], string> = { asymmetry: 'A', border: 'B2', color: 'sigma_h' };

function trainingSample(feature: string, n = 400): number[] {
  const [lo, hi, integer] = FEATURE_RANGES[feature];
  const rng = new Rng(feature.length * 7919 + feature.charCodeAt(0));
  return Array.from({ length: n }, () => {
    const t = Math.min(1, Math.max(0, 0.35 + 0.18 * rng.normal()));
    const v = lo + (hi - lo) * t * t * 1.6;
    return integer ? Math.round(Math.min(hi, v)) : Math.min(hi, v);
  });
}

export function quintileEdges(sample: number[]): number[] {
  const s = [...sample].sort((a, b) => a - b);
  return [0.2, 0.4, 0.6, 0.8].map((q) => s[Math.floor(q * (s.length - 1))]);
}

/** The training samples of every feature, as renderHtml takes them. */
export function distributions(): FeatureDistribution[] {
  return Object.keys(FEATURE_RANGES).map((feature) => ({ feature, values: trainingSample(feature) }));
}

function severity(key: CriterionReport['key'], values: Record<string, number>) {
  const feature = SEVERITY_FEATURE[key], quantiles = quintileEdges(trainingSample(feature));
  const level = quantiles.filter((q) => values[feature] > q).length;
  return { level, name: SEVERITY_NAMES[level], quantiles, feature };
}

const pick = (rng: Rng, feature: string) => {
  const [lo, hi, integer] = FEATURE_RANGES[feature];
  const v = rng.uniform(lo, hi);
  return integer ? Math.round(v) : v;
};

/** A consistent random report; `v` fixes the variant's choices. */
export function randomReport(seed: number, v: Partial<Variant> = {}): ExplainReport {
  const rng = new Rng(seed);
  const melanoma = v.melanoma ?? rng.next() < 0.4, agree = v.agree ?? rng.next() < 0.7;
  const clinicalMelanoma = agree ? melanoma : !melanoma;
  const side = (yes: boolean) => (yes ? rng.uniform(0.52, 0.98) : rng.uniform(0.01, 0.47));
  const p = side(melanoma);
  const nAbrupt = v.abruptSectors ?? rng.int(0, 9);
  const abrupt = [...COMPASS_SECTORS].map((s) => [rng.next(), s] as const).sort((a, b) => a[0] - b[0]).slice(0, nAbrupt).map(([, s]) => s);
  const abruptSorted = COMPASS_SECTORS.filter((s) => abrupt.includes(s));
  const raw = COLOR_NAMES.map(() => (rng.next() < 0.5 || v.allColours ? rng.uniform(0.02, 1) : 0));
  const sum = raw.reduce((a, b) => a + b, 0) * rng.uniform(1, 1.3) || 1;
  const colors = COLOR_NAMES.map((name, i) => ({ name: name as string, fraction: raw[i] / sum, present: v.allColours ? true : raw[i] / sum >= 0.05 }));
  const major = pick(rng, 'asymmetry_index_major'), minor = pick(rng, 'asymmetry_index_minor'), threshold = 0.2;
  const asymmetryValues = {
    A: pick(rng, 'A'), asymmetry_index_major: major, asymmetry_index_minor: minor,
    asymmetry_axes: +(major > threshold) + +(minor > threshold),
  };
  const borderValues = { B2: pick(rng, 'B2'), border_score: nAbrupt, compactness: pick(rng, 'compactness'), fractal_dimension: pick(rng, 'fractal_dimension') };
  const colorValues = { sigma_h: pick(rng, 'sigma_h'), sigma_s: pick(rng, 'sigma_s'), sigma_v: pick(rng, 'sigma_v'), color_count: colors.filter((c) => c.present).length };
  const agreement = () => rng.uniform(-0.03, 0.08);
  const nProto = v.prototypes ?? 5;
  let sim = rng.uniform(0.75, 0.95);
  const diagnoses = ['melanoma', 'nevus', 'seborrheic keratosis'];
  const prototypes = Array.from({ length: nProto }, () => {
    const diagnosis = diagnoses[rng.int(0, 3)];
    sim -= rng.uniform(0.005, 0.08);
    return { id: `ISIC_00${rng.int(10000, 99999)}`, diagnosis, melanoma: +(diagnosis === 'melanoma'), similarity: sim };
  });
  const multitask = v.multitask ?? true;
  const timing = { decode: rng.uniform(3, 20), segment: multitask ? rng.uniform(40, 200) : 0, abc: rng.uniform(10, 60), cefm: rng.uniform(20, 90) };
  return {
    file: `examples/ISIC_00${rng.int(10000, 99999)}.jpg`,
    models: { cefm: 'models/cefm-default.safetensors', multitask: multitask ? 'models/multitask-default.safetensors' : null },
    image: { width: rng.int(300, 1200), height: rng.int(200, 900) },
    mask: { source: v.maskSource ?? (multitask ? 'predicted' : 'given'), area_fraction: rng.uniform(0.04, 0.7) },
    diagnosis: {
      melanoma_probability: p, label: melanoma ? 'melanoma' : 'not melanoma', threshold: 0.5,
      clinical_melanoma_probability: side(clinicalMelanoma),
      multitask_melanoma_probability: multitask ? side(melanoma) : null,
      seborrheic_keratosis_probability: multitask ? rng.uniform(0, 0.6) : null,
    },
    criteria: [
      { key: 'asymmetry', values: asymmetryValues, severity: severity('asymmetry', asymmetryValues), agreement: agreement(),
        drivers: { kind: 'asymmetry', most_asymmetric_axis: major >= minor ? 'major' : 'minor', axis_indices: { major, minor }, threshold, asymmetric_axes: asymmetryValues.asymmetry_axes } },
      { key: 'border', values: borderValues, severity: severity('border', borderValues), agreement: agreement(),
        drivers: { kind: 'border', abrupt_sectors: abruptSorted, sector_count: nAbrupt } },
      { key: 'color', values: colorValues, severity: severity('color', colorValues), agreement: agreement(), drivers: { kind: 'color', colors } },
    ],
    alignment: { cosine: rng.uniform(0.1, 0.8), matched_mean: v.matchedMean === false ? null : rng.uniform(0.4, 0.7) },
    prototypes,
    summary: { image_says_melanoma: melanoma, clinical_says_melanoma: clinicalMelanoma, agree },
    disclaimer: DEFAULT_DISCLAIMER,
    timing_ms: { ...timing, total: timing.decode + timing.segment + timing.abc + timing.cefm },
  };
}

/** A report whose ABC part is the real measurement `m` of the example image (the rest as randomReport). */
export function exampleReport(m: AbcMeasurement, abrupt: string[], width: number, height: number, maskPixels: number): ExplainReport {
  const r = randomReport(14722, { melanoma: true, agree: true, multitask: false, maskSource: 'given' });
  const [major, minor] = m.asymmetry_index;
  const threshold = abcConstants().asymmetry_threshold;
  const a = { A: m.A, asymmetry_index_major: major, asymmetry_index_minor: minor, asymmetry_axes: m.asymmetry_axes };
  const b = { B2: m.B2, border_score: m.border_score, compactness: m.compactness, fractal_dimension: m.fractal_dimension };
  const c = { sigma_h: m.sigma_h, sigma_s: m.sigma_s, sigma_v: m.sigma_v, color_count: m.color_count };
  r.file = EXAMPLE_IMAGE;
  r.image = { width, height };
  r.mask.area_fraction = maskPixels / (width * height);
  r.criteria = [
    { ...r.criteria[0], values: a, severity: severity('asymmetry', a),
      drivers: { kind: 'asymmetry', most_asymmetric_axis: major >= minor ? 'major' : 'minor', axis_indices: { major, minor }, threshold, asymmetric_axes: m.asymmetry_axes } },
    { ...r.criteria[1], values: b, severity: severity('border', b), drivers: { kind: 'border', abrupt_sectors: abrupt, sector_count: m.border_score } },
    { ...r.criteria[2], values: c, severity: severity('color', c),
      drivers: { kind: 'color', colors: COLOR_NAMES.map((name) => ({ name, fraction: m.color_fractions[name], present: m.colors[name] })) } },
  ];
  return r;
}

export function exampleMaskFile(): string {
  try {
    readFileSync(EXAMPLE_MASK, { flag: 'r' }).subarray(0, 1);
    return EXAMPLE_MASK;
  } catch {
    return EXAMPLE_MASK_FALLBACK;
  }
}
