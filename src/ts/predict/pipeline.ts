// The inference pipeline behind `predict` and `explain`: the multi-task network's mask (or a given
// one) → ABC at the canonical scale → CEFM (image and clinical classifiers on the aligned
// embeddings). A plain (converted) ViT model gives its logits and class probabilities instead.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as F from '../autograd/functional.js';
import { noGradDetached } from '../autograd/graph.js';
import type { Tensor } from '../autograd/tensor.js';
import type { Backend } from '../backend/backend.js';
import { type AbcFeatures, type AbcMeasurement, pickAbcFeatures } from '../concepts/abc.js';
import { type Mask, type RgbImage, maskFromLogits, resizeMask } from '../data/image.js';
import { CefmError } from '../errors.js';
import type { Cefm } from '../models/cefm.js';
import { type ClinicalStats, featureValue, measureCanonicalAbc, standardise } from '../models/clinical.js';
import { type LoadedModel, loadModelFile, type Preprocessing } from '../models/file.js';
import { toModelInput } from '../models/input.js';
import { sigmoid, softmax } from '../models/probability.js';
import type { MultitaskNet } from '../models/multitask.js';
import type { VisionTransformer } from '../models/vit.js';
import { packageRoot } from '../paths.js';
import type { HostTensor } from '../tensor.js';

export const DEFAULT_MODELS = {
  multitask: join(packageRoot, 'models', 'multitask.safetensors'),
  cefm: join(packageRoot, 'models', 'cefm.safetensors'),
};

/** A loaded model file whose model is known to be of type M. */
export type Loaded<M> = Omit<LoadedModel, 'model'> & { model: M };

export interface Pipeline {
  be: Backend;
  multitask: Loaded<MultitaskNet> | null;
  cefm: Loaded<Cefm> | null;
  vit: Loaded<VisionTransformer> | null;
}

/**
 * Opens the models: each `--model` file is placed by its arch; with none, the shipped defaults.
 * CEFM needs a mask: from `--mask`, or from a multi-task model.
 */
export function openPipeline(be: Backend, files: string[] = []): Pipeline {
  const p: Pipeline = { be, multitask: null, cefm: null, vit: null };
  const list = files.length ? files : [DEFAULT_MODELS.multitask, DEFAULT_MODELS.cefm];
  for (const file of list) {
    if (!existsSync(file)) {
      throw new CefmError(files.length ? 'model file not found' : 'default model not found (the package ships models/; give --model)', { file });
    }
    const m = loadModelFile(file, be);
    m.model.eval();
    const slot = m.config.arch === 'multitask' ? 'multitask' : m.config.arch;
    if (p[slot]) throw new CefmError(`two ${slot} models given (${p[slot]!.file} and ${file})`);
    (p as unknown as Record<string, LoadedModel>)[slot] = m;
  }
  return p;
}

export function closePipeline(p: Pipeline): void {
  p.multitask?.model.dispose();
  p.cefm?.model.dispose();
  p.vit?.model.dispose();
}

export interface PredictRecord {
  file: string;
  melanoma_prob: number | null;
  seborrheic_keratosis_prob: number | null;
  label: string | null;
  abc: AbcFeatures | null;
  logits: Record<string, number[]>;
  /** Which model gave which number. */
  sources: Record<string, string>;
  probabilities?: number[];
  time_ms: number;
  error?: string;
}

/** Everything one image's inference produced (the record plus what explain needs). */
export interface ImageResult {
  record: PredictRecord;
  mask: Mask | null;
  maskSource: 'given' | 'predicted' | null;
  abc: AbcMeasurement | null;
  /** CEFM internals for the report. */
  cefm: {
    imageEmbedding: Float32Array;
    clinicalEmbedding: Float32Array;
    clinicalInput: number[];
    melanoma: number;
    clinicalMelanoma: number;
  } | null;
}


/**
 * Queues a forward pass and reads back its outputs. The pass is queued before this returns, so a
 * caller may prepare (or queue) the next batch while the backend works on this one.
 */
async function forwardToHost(forward: () => Tensor[]): Promise<HostTensor[]> {
  const { result: outputs, graph } = noGradDetached(forward);
  try {
    return await Promise.all(outputs.map((t) => t.toHost()));
  } finally {
    graph.dispose();
  }
}

/** The multi-task network on a batch of images: mask probabilities at model size and head logits. */
export async function multitaskBatch(m: Loaded<MultitaskNet>, images: RgbImage[]): Promise<{ masks: Mask[]; logits: number[][] }> {
  const x = batchInput(images, m.preprocessing);
  const [logits, maskLogits] = await forwardToHost(() => {
    const o = m.model.forward(F.constant(m.model.be, x));
    return [o.logits, o.maskLogits];
  });
  const s = m.preprocessing.image_size, k = m.model.config.heads.length;
  return {
    masks: images.map((img, i) => resizeMask(maskFromLogits(s, s, maskLogits.data.subarray(i * s * s, (i + 1) * s * s)), img.width, img.height)),
    logits: images.map((_, i) => Array.from(logits.data.subarray(i * k, (i + 1) * k))),
  };
}

export function batchInput(images: RgbImage[], pre: Preprocessing): HostTensor {
  const s = pre.image_size, per = 3 * s * s;
  const data = new Float32Array(images.length * per);
  images.forEach((img, i) => data.set(toModelInput(img, pre).data, i * per));
  return { shape: [images.length, 3, s, s], data };
}

export function clinicalRow(stats: ClinicalStats, m: AbcMeasurement): number[] {
  return standardise(stats, stats.features.map((f) => featureValue(m, f)));
}

/** CEFM on a batch (ABC already measured). */
export async function cefmBatch(m: Loaded<Cefm>, images: RgbImage[], clinical: number[][]) {
  const x = batchInput(images, m.preprocessing);
  const k = clinical[0].length;
  const c: HostTensor = { shape: [images.length, k], data: Float32Array.from(clinical.flat()) };
  const [logits, clogits, zi, zc] = await forwardToHost(() => {
    const be = m.model.be;
    const o = m.model.forward(F.constant(be, x), F.constant(be, c));
    return [o.logits, o.clinicalLogits, o.imageEmbedding, o.clinicalEmbedding];
  });
  const p = zi.shape[1];
  return images.map((_, i) => ({
    logits: Array.from(logits.data.subarray(i * 2, i * 2 + 2)),
    clinicalLogits: Array.from(clogits.data.subarray(i * 2, i * 2 + 2)),
    imageEmbedding: zi.data.slice(i * p, (i + 1) * p),
    clinicalEmbedding: zc.data.slice(i * p, (i + 1) * p),
  }));
}

export function clinicalStatsOf(m: LoadedModel): ClinicalStats {
  const stats = m.extra.clinical as ClinicalStats | undefined;
  if (!stats?.features) throw new CefmError('this CEFM model has no ABC standardisation (extra.clinical)', { file: m.file });
  return stats;
}

/**
 * Runs the pipeline on a batch of decoded images. `masks[i]` (optional) replaces the multi-task
 * network's mask. Images that fail (e.g. an empty mask) get a record with `error`.
 */
export async function runBatch(p: Pipeline, items: { file: string; image: RgbImage; mask?: Mask | null }[]): Promise<ImageResult[]> {
  const started = performance.now();
  const results: ImageResult[] = items.map((it) => ({
    record: { file: it.file, melanoma_prob: null, seborrheic_keratosis_prob: null, label: null, abc: null, logits: {}, sources: {}, time_ms: 0 },
    mask: it.mask ?? null, maskSource: it.mask ? 'given' : null, abc: null, cefm: null,
  }));
  const images = items.map((it) => it.image);
  if (p.vit) {
    const x = batchInput(images, p.vit.preprocessing);
    const [logits] = await forwardToHost(() => [p.vit!.model.forward(F.constant(p.be, x))]);
    const c = logits.shape[1];
    results.forEach((r, i) => {
      const l = Array.from(logits.data.subarray(i * c, (i + 1) * c));
      r.record.logits.vit = l;
      r.record.probabilities = softmax(l);
      r.record.sources.probabilities = p.vit!.file;
      r.record.label = `class ${r.record.probabilities.indexOf(Math.max(...r.record.probabilities))}`;
    });
  }
  if (p.multitask) {
    const mt = await multitaskBatch(p.multitask, images);
    const heads = p.multitask.model.config.heads;
    results.forEach((r, i) => {
      r.record.logits.multitask = mt.logits[i];
      const mel = heads.indexOf('melanoma'), sk = heads.indexOf('seborrheic_keratosis');
      if (mel >= 0) { r.record.melanoma_prob = sigmoid(mt.logits[i][mel]); r.record.sources.melanoma_prob = p.multitask!.file; }
      if (sk >= 0) { r.record.seborrheic_keratosis_prob = sigmoid(mt.logits[i][sk]); r.record.sources.seborrheic_keratosis_prob = p.multitask!.file; }
      if (!r.mask) { r.mask = mt.masks[i]; r.maskSource = 'predicted'; }
    });
  }
  // ABC wherever there is a mask.
  await Promise.all(results.map(async (r, i) => {
    if (!r.mask) return;
    try {
      // No file in the message: the record (and the line on stderr) already names it.
      r.abc = await measureCanonicalAbc(images[i], r.mask, undefined, true);
      r.record.abc = pickAbcFeatures(r.abc);
      r.record.sources.abc = r.maskSource === 'given' ? 'given mask' : p.multitask!.file;
    } catch (e) {
      r.record.error = `ABC: ${(e as Error).message.split('\n')[0].replace(/^abc: /, '')}`;
    }
  }));
  if (p.cefm) {
    const stats = clinicalStatsOf(p.cefm);
    const ok = results.map((r, i) => [r, i] as const).filter(([r]) => r.abc);
    if (ok.length) {
      const rows = ok.map(([r]) => clinicalRow(stats, r.abc!));
      const outs = await cefmBatch(p.cefm, ok.map(([, i]) => images[i]), rows);
      ok.forEach(([r], j) => {
        const o = outs[j];
        const mel = softmax(o.logits)[1], cmel = softmax(o.clinicalLogits)[1];
        r.record.logits.cefm_image = o.logits;
        r.record.logits.cefm_clinical = o.clinicalLogits;
        r.record.melanoma_prob = mel;
        r.record.sources.melanoma_prob = p.cefm!.file;
        r.cefm = { imageEmbedding: o.imageEmbedding, clinicalEmbedding: o.clinicalEmbedding, clinicalInput: rows[j], melanoma: mel, clinicalMelanoma: cmel };
      });
    }
    results.forEach((r) => {
      if (!r.abc && !r.record.error) r.record.error = 'no lesion mask (give --mask or a multi-task model)';
    });
  }
  const each = (performance.now() - started) / Math.max(1, items.length);
  for (const r of results) {
    if (r.record.melanoma_prob !== null) r.record.label = r.record.melanoma_prob >= 0.5 ? 'melanoma' : 'not melanoma';
    r.record.time_ms = Math.round(each * 10) / 10;
  }
  return results;
}
