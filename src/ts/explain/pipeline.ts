// The path of one `explain` call: segment (or take the given mask) → ABC → CEFM → compare the
// aligned image embedding with the clinical embedding, per criterion and with the training
// prototypes → the report object (every renderer reads only that) and the overlay's inputs.
import * as F from '../autograd/functional.js';
import { noGrad } from '../autograd/graph.js';
import type { Tensor } from '../autograd/tensor.js';
import { abcConstants, type AbcMeasurement, COLOR_NAMES, measureAbc } from '../concepts/abc.js';
import type { Mask, RgbImage } from '../data/image.js';
import { CefmError } from '../errors.js';
import type { ClinicalStats } from '../models/clinical.js';
import { sigmoid } from '../models/probability.js';
import { severityLevel } from '../models/clinical.js';
import { type Pipeline, batchInput, clinicalStatsOf, runBatch } from '../predict/pipeline.js';
import { abruptCompassSectors, type CriterionKey, type CriterionReport, DEFAULT_DISCLAIMER, type ExplainReport, type OverlayInputs, type PrototypeMatch, SEVERITY_NAMES } from './report.js';
import { overlayInputsFromAbc } from './overlay.js';
import type { FeatureDistribution } from './render-html.js';

/** Which CEFM clinical features belong to which criterion. */
const CRITERION_FEATURES: Record<CriterionKey, string[]> = {
  asymmetry: ['A'],
  border: ['B2'],
  color: ['sigma_h', 'sigma_s', 'sigma_v'],
};

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Clinical embeddings of several standardised ABC rows (eval mode). */
async function clinicalEmbeddings(p: Pipeline, rows: number[][]): Promise<Float32Array[]> {
  const m = p.cefm!.model;
  const k = rows[0].length;
  const z = await noGrad(async () => m.clinical_projection.forward(F.constant(m.be, { shape: [rows.length, k], data: Float32Array.from(rows.flat()) })).toHost());
  const d = z.shape[1];
  return rows.map((_, i) => z.data.slice(i * d, (i + 1) * d));
}

/**
 * Attention rollout (Abnar & Zuidema 2020) over the backbone's blocks: head-averaged attention with
 * the residual (0.5·A + 0.5·I, rows renormalised), multiplied through the blocks; a token's weight is
 * what the class token (or, with sequence pooling, the mean query) draws from it.
 */
export async function attentionRollout(p: Pipeline, image: RgbImage): Promise<{ grid: [number, number]; values: Float32Array } | null> {
  const m = p.cefm!.model;
  const x = batchInput([image], p.cefm!.preprocessing);
  const maps = await noGrad(async () => {
    const r = m.backbone.featuresWithAttention(F.constant(m.be, x));
    return Promise.all(r.attentions.map((a: Tensor) => F.mean(a, [1]).toHost()));
  });
  const cls = m.backbone.config.pooling === 'cls';
  const L = maps[0].shape[1], first = cls ? 1 : 0, tokens = L - first;
  const side = Math.round(Math.sqrt(tokens));
  if (side * side !== tokens) return null;
  return { grid: [side, side], values: rolloutWeights(maps.map((a) => a.data), L, cls) };
}

/**
 * The rollout's token weights from head-averaged attention maps ([L, L] each, first block first).
 * The rollout is R = M_n ⋯ M_1 (M_b = block b's 0.5·A + 0.5·I, rows renormalised), and only one row
 * combination of it is read (the class token's row, or the mean over queries), so that row vector is
 * carried back through the blocks: L² work per block instead of an L³ matrix product.
 */
export function rolloutWeights(maps: Float32Array[], L: number, cls: boolean): Float32Array {
  let v = new Float64Array(L);
  if (cls) v[0] = 1;
  else v.fill(1 / L);
  for (let b = maps.length - 1; b >= 0; b--) {
    const a = maps[b], next = new Float64Array(L);
    for (let i = 0; i < L; i++) {
      let s = 0.5;
      for (let j = 0; j < L; j++) s += 0.5 * a[i * L + j];
      const w = v[i] / s;
      if (!w) continue;
      for (let j = 0; j < L; j++) next[j] += w * 0.5 * a[i * L + j];
      next[i] += w * 0.5;
    }
    v = next;
  }
  return Float32Array.from(v.subarray(cls ? 1 : 0));
}

function severityOf(stats: ClinicalStats, raw: Record<string, number>, features: string[]): CriterionReport['severity'] {
  // The criterion's level is its most severe feature's.
  let best = { level: -1, feature: features[0], j: stats.features.indexOf(features[0]) };
  for (const f of features) {
    const j = stats.features.indexOf(f);
    if (j < 0) continue;
    const level = severityLevel(stats, j, raw[f]);
    if (level > best.level) best = { level, feature: f, j };
  }
  const level = Math.max(0, best.level);
  return { level, name: SEVERITY_NAMES[level], quantiles: stats.quantiles[best.j] ?? [], feature: best.feature };
}

export interface Explanation {
  report: ExplainReport;
  overlay: OverlayInputs | null;
  distributions: FeatureDistribution[];
}

export async function explainImage(p: Pipeline, file: string, image: RgbImage, mask: Mask | null, o: { overlay: boolean }): Promise<Explanation> {
  if (!p.cefm) throw new CefmError('explain needs a CEFM model (give --model with a CEFM model file)');
  const t0 = performance.now();
  const [r] = await runBatch(p, [{ file, image, mask }]);
  if (r.record.error || !r.cefm || !r.abc || !r.mask) throw new CefmError(r.record.error ?? 'could not measure the lesion', { file });
  const t1 = performance.now();
  const stats = clinicalStatsOf(p.cefm);
  const raw: Record<string, number> = Object.fromEntries(stats.features.map((f, j) => [f, r.cefm!.clinicalInput[j] * stats.std[j] + stats.mean[j]]));
  // Per-criterion agreement: how much the image–clinical cosine drops when that criterion's
  // features are replaced by the training mean (0 after standardisation).
  const ablated = (Object.keys(CRITERION_FEATURES) as CriterionKey[]).map((key) =>
    r.cefm!.clinicalInput.map((v, j) => (CRITERION_FEATURES[key].includes(stats.features[j]) ? 0 : v)));
  const embeddings = await clinicalEmbeddings(p, ablated);
  const cosine = dot(r.cefm.imageEmbedding, r.cefm.clinicalEmbedding);
  const m: AbcMeasurement = r.abc;
  const threshold = abcConstants().asymmetry_threshold;
  const criteria: CriterionReport[] = (Object.keys(CRITERION_FEATURES) as CriterionKey[]).map((key, c): CriterionReport => {
    const agreement = cosine - dot(r.cefm!.imageEmbedding, embeddings[c]);
    const severity = severityOf(stats, raw, CRITERION_FEATURES[key]);
    if (key === 'asymmetry') {
      const [major, minor] = m.asymmetry_index;
      return {
        key, severity, agreement,
        values: { A: m.A, asymmetry_index_major: major, asymmetry_index_minor: minor, asymmetry_axes: m.asymmetry_axes },
        drivers: { kind: 'asymmetry', most_asymmetric_axis: major >= minor ? ('major' as const) : ('minor' as const), axis_indices: { major, minor }, threshold, asymmetric_axes: m.asymmetry_axes },
      };
    }
    if (key === 'border') {
      const g = m.geometry!;
      const sectors = abruptCompassSectors(g.abrupt_sectors, g.major_axis);
      return {
        key, severity, agreement,
        values: { B2: m.B2, border_score: m.border_score, compactness: m.compactness, fractal_dimension: m.fractal_dimension },
        drivers: { kind: 'border', abrupt_sectors: sectors, sector_count: m.border_score },
      };
    }
    return {
      key, severity, agreement,
      values: { sigma_h: m.sigma_h, sigma_s: m.sigma_s, sigma_v: m.sigma_v, color_count: m.color_count },
      drivers: { kind: 'color', colors: COLOR_NAMES.map((name) => ({ name, fraction: m.color_fractions[name], present: m.colors[name] })) },
    };
  });
  const prototypes = nearestPrototypes(p, r.cefm.imageEmbedding, 5);
  const multitaskMel = r.record.logits.multitask ? sigmoid(r.record.logits.multitask[p.multitask!.model.config.heads.indexOf('melanoma')]) : null;
  const t2 = performance.now();
  let overlay: OverlayInputs | null = null;
  if (o.overlay) {
    const full = await measureAbc(image, r.mask, { geometry: true, file });
    overlay = overlayInputsFromAbc(image, r.mask, full, await attentionRollout(p, image));
    // The legend prints the report's (canonical-scale) asymmetry, so every number shown is in the JSON.
    overlay.axisAsymmetry = [m.asymmetry_index[0], m.asymmetry_index[1]];
  }
  const t3 = performance.now();
  const maskArea = r.mask.data.reduce((s, v) => s + (v ? 1 : 0), 0) / r.mask.data.length;
  const label = r.cefm.melanoma >= 0.5 ? 'melanoma' : 'not melanoma';
  const extra = p.cefm.extra as { alignment_matched_mean?: number; clinical_distribution?: Record<string, number[]> };
  const report: ExplainReport = {
    file,
    models: { cefm: p.cefm.file, multitask: p.multitask?.file ?? null },
    image: { width: image.width, height: image.height },
    mask: { source: r.maskSource === 'given' ? 'given' : 'predicted', area_fraction: maskArea },
    diagnosis: {
      melanoma_probability: r.cefm.melanoma, label, threshold: 0.5,
      clinical_melanoma_probability: r.cefm.clinicalMelanoma,
      multitask_melanoma_probability: multitaskMel,
      seborrheic_keratosis_probability: r.record.seborrheic_keratosis_prob,
    },
    criteria,
    alignment: { cosine, matched_mean: extra.alignment_matched_mean ?? null },
    prototypes,
    summary: {
      image_says_melanoma: r.cefm.melanoma >= 0.5,
      clinical_says_melanoma: r.cefm.clinicalMelanoma >= 0.5,
      agree: (r.cefm.melanoma >= 0.5) === (r.cefm.clinicalMelanoma >= 0.5),
    },
    disclaimer: DEFAULT_DISCLAIMER,
    timing_ms: { inference: round(t1 - t0), report: round(t2 - t1), overlay: round(t3 - t2) },
  };
  const distributions: FeatureDistribution[] = Object.entries(extra.clinical_distribution ?? {}).map(([feature, values]) => ({ feature, values }) as FeatureDistribution);
  return { report, overlay, distributions };
}

const round = (v: number) => Math.round(v * 10) / 10;

function nearestPrototypes(p: Pipeline, z: Float32Array, k: number): PrototypeMatch[] {
  const protos = p.cefm!.tensors.get('prototypes');
  const meta = p.cefm!.extra.prototypes as { id: string; diagnosis: string; melanoma: number }[] | undefined;
  if (!protos || !meta) return [];
  const d = protos.shape[1];
  const sims = meta.map((m, i) => ({ ...m, similarity: dot(z, protos.data.subarray(i * d, (i + 1) * d)) }));
  return sims.sort((a, b) => b.similarity - a.similarity || a.id.localeCompare(b.id)).slice(0, k);
}

