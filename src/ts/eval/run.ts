// `cefm-native eval`: runs a model over data specs and measures it per source and overall —
// classification per task, segmentation, and for CEFM the interpretability metrics — with plots.
import { join } from 'node:path';
import type { Backend } from '../backend/backend.js';
import { readMask, readRgb } from '../data/image.js';
import { mixSeed, Rng } from '../data/rng.js';
import type { Sample } from '../data/spec.js';
import { CefmError } from '../errors.js';
import { openSplits } from '../train/splits.js';
import { DEFAULT_MODELS, type ImageResult, type Pipeline, closePipeline, openPipeline, runBatch } from '../predict/pipeline.js';
import { calibration } from './calibration.js';
import { binaryReport } from './classification.js';
import { alignmentReport, conceptFidelity } from './embedding.js';
import { agreement } from './labels.js';
import { pca2d } from './pca.js';
import { renderConfusionPng, renderEmbeddingPlots, renderReliabilityPng, renderRocPng } from './plots.js';
import { segmentationReport } from './segmentation.js';
import { readSafetensorsHeader } from '../io/safetensors.js';
import { faithfulnessCurves, summariseFaithfulness } from '../explain/faithfulness.js';

export interface EvalOptions {
  model: string;
  /** A multi-task model that segments images without a mask (CEFM); default: the shipped one when present. */
  multitaskModel?: string;
  data: string[];
  plots?: string;
  /** CEFM: deletion / insertion curves of the attention map on this many images (0: none). */
  explain?: number;
  batch: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
  log?: (line: string) => void;
}

interface Row {
  sample: Sample;
  result: ImageResult;
  jaccard?: { predicted: Uint8Array; truth: Uint8Array };
}

const TASKS = ['melanoma', 'seborrheic_keratosis'] as const;

function label(s: Sample, task: string): 0 | 1 | null {
  if (s.unlabelled) return null;
  const v = (s.labels as Record<string, unknown>)[task];
  return v === 0 || v === 1 ? v : null;
}

function classification(rows: Row[], task: string, prob: (r: Row) => number | null, seed: number) {
  const scores: number[] = [], labels: number[] = [];
  for (const r of rows) {
    const l = label(r.sample, task), p = prob(r);
    if (l !== null && p !== null && Number.isFinite(p)) { scores.push(p); labels.push(l); }
  }
  if (!labels.includes(0) || !labels.includes(1)) return null;
  const rep = binaryReport(scores, labels, { seed, bootstrapResamples: 1000 });
  return { report: rep, calibration: calibration(scores, labels) };
}

function summarise(rows: Row[], arch: string, seed: number, probeRows: Set<Row>) {
  const out: Record<string, unknown> = { images: rows.length, failed: rows.filter((r) => r.result.record.error).length };
  const mel = classification(rows, 'melanoma', (r) => r.result.record.melanoma_prob, seed);
  if (mel) out.melanoma = { ...compact(mel.report), calibration_ece: mel.calibration.ece };
  if (arch === 'multitask') {
    const sk = classification(rows, 'seborrheic_keratosis', (r) => r.result.record.seborrheic_keratosis_prob, seed);
    if (sk) out.seborrheic_keratosis = { ...compact(sk.report), calibration_ece: sk.calibration.ece };
    const pairs = rows.filter((r) => r.jaccard).map((r) => ({ id: r.sample.id, ...r.jaccard! }));
    if (pairs.length) {
      const seg = segmentationReport(pairs);
      out.segmentation = { n: seg.n, mean_jaccard: seg.mean_jaccard, mean_dice: seg.mean_dice, thresholded_jaccard: seg.thresholded_jaccard, threshold: seg.threshold };
    }
  }
  if (arch === 'cefm') {
    const withEmb = rows.filter((r) => r.result.cefm);
    const clin = classification(withEmb, 'melanoma', (r) => r.result.cefm!.clinicalMelanoma, seed);
    if (clin) out.melanoma_clinical_classifier = compact(clin.report);
    if (withEmb.length >= 6) {
      out.alignment = alignmentReport(withEmb.map((r) => r.result.cefm!.imageEmbedding), withEmb.map((r) => r.result.cefm!.clinicalEmbedding));
      const a = withEmb.map((r) => (r.result.cefm!.melanoma >= 0.5 ? 1 : 0)), b = withEmb.map((r) => (r.result.cefm!.clinicalMelanoma >= 0.5 ? 1 : 0));
      out.classifier_agreement = agreement(a, b, 2);
      const probe = withEmb.filter((r) => probeRows.has(r)), held = withEmb.filter((r) => !probeRows.has(r));
      if (probe.length >= 10 && held.length >= 5) {
        const feats = (rs: Row[]) => Object.fromEntries(featureNames.map((f, j) => [f, rs.map((r) => r.result.cefm!.clinicalInput[j])]));
        out.concept_fidelity = conceptFidelity({
          trainEmbeddings: probe.map((r) => r.result.cefm!.imageEmbedding), trainFeatures: feats(probe),
          evalEmbeddings: held.map((r) => r.result.cefm!.imageEmbedding), evalFeatures: feats(held),
        });
      }
    }
  }
  return out;
}

/** The CEFM model's clinical feature names (set when the model is opened). */
let featureNames: string[] = [];

function compact(r: ReturnType<typeof binaryReport>) {
  const { roc: _roc, confusion, ...rest } = r;
  return { ...rest, confusion: confusion.counts };
}

function modelArch(file: string): string {
  const config = readSafetensorsHeader(file).metadata['cefm.config'];
  try {
    return (JSON.parse(config ?? '') as { arch: string }).arch;
  } catch {
    throw new CefmError('not a cefm-native model (no valid cefm.config in the metadata)', { file });
  }
}

export async function evaluateModel(be: Backend, o: EvalOptions): Promise<Record<string, unknown>> {
  const log = o.log ?? (() => {});
  const files = [o.model];
  // The arch from the file's header alone: the tensors are loaded once, by the pipeline below.
  const arch = modelArch(o.model);
  if (arch === 'vit') throw new CefmError('eval: give a multi-task or CEFM model (a plain ViT has no melanoma head)', { file: o.model });
  if (arch === 'cefm') {
    const seg = o.multitaskModel ?? DEFAULT_MODELS.multitask;
    if (o.multitaskModel || (await import('node:fs')).existsSync(seg)) files.push(seg);
  }
  const p: Pipeline = openPipeline(be, files);
  if (p.cefm) featureNames = (p.cefm.extra.clinical as { features: string[] } | undefined)?.features ?? [];
  const { samples, reports } = await openSplits(o.data);
  if (!samples.length) throw new CefmError(`eval: no images in ${o.data.join(', ')}`);
  reports.forEach((r) => log(`${r.format} ${r.root}: ${r.count} images`));
  const rows: Row[] = [];
  let faithfulness: Record<string, unknown> | null = null;
  try {
    for (let i = 0; i < samples.length; i += o.batch) {
      const batch = samples.slice(i, i + o.batch);
      const decoded = await Promise.all(batch.map(async (s) => {
        const image = await readRgb(s.image);
        const mask = s.mask ? await readMask(s.mask, { width: image.width, height: image.height }) : null;
        return { s, image, mask };
      }));
      // CEFM reads ABC from the ground-truth mask where there is one (as in training); the
      // multi-task network is judged on its own predicted mask.
      const results = await runBatch(p, decoded.map((d) => ({ file: d.s.image, image: d.image, mask: arch === 'cefm' ? d.mask : null })));
      results.forEach((r, k) => {
        const d = decoded[k];
        const row: Row = { sample: d.s, result: r };
        // kept in the metrics it still has (e.g. the mask when ABC failed on it), and named
        if (r.record.error) log(`${d.s.image}: ${r.record.error}`);
        if (arch === 'multitask' && d.mask && r.mask) row.jaccard = { predicted: r.mask.data, truth: d.mask.data };
        rows.push(row);
      });
      o.onProgress?.(Math.min(samples.length, i + o.batch), samples.length);
    }
    if (o.explain && p.cefm) {
      const curves = [];
      for (const s of samples.slice(0, o.explain)) {
        const c = await faithfulnessCurves(p, await readRgb(s.image), 10, o.seed);
        if (c) curves.push(c);
      }
      faithfulness = { ...summariseFaithfulness(curves, 10), note: 'areas under the melanoma-probability curves (CEFM image classifier); deletion lower and insertion higher than random = faithful' };
    }
  } finally {
    closePipeline(p);
  }
  // Concept fidelity's probe: fitted on a seeded half of the rows, scored on the other half.
  const rng = new Rng(mixSeed(o.seed, 0xf1d));
  const inProbe = new Set(rng.shuffle(rows.map((_, i) => i)).slice(0, Math.floor(rows.length / 2)));
  const probeRows = new Set(rows.filter((_, i) => inProbe.has(i)));
  const bySource = new Map<string, Row[]>();
  for (const r of rows) bySource.set(r.sample.source, [...(bySource.get(r.sample.source) ?? []), r]);
  const result: Record<string, unknown> = {
    model: o.model, arch, data: o.data,
    all: summarise(rows, arch, o.seed, probeRows),
    sources: Object.fromEntries([...bySource].map(([src, rs]) => [src, summarise(rs, arch, o.seed, probeRows)])),
    notes: arch === 'cefm' ? ['concept_fidelity: ridge probe fitted on a seeded half of the evaluated images, scored on the other half'] : [],
  };
  if (faithfulness) result.faithfulness = faithfulness;
  if (o.plots) result.plots = await writePlots(rows, arch, o.plots, o.seed);
  return result;
}

async function writePlots(rows: Row[], arch: string, dir: string, seed: number): Promise<string[]> {
  const written: string[] = [];
  const curves = [];
  for (const task of arch === 'multitask' ? TASKS : (['melanoma'] as const)) {
    const c = classification(rows, task, (r) => (task === 'melanoma' ? r.result.record.melanoma_prob : r.result.record.seborrheic_keratosis_prob), seed);
    if (!c) continue;
    curves.push({ label: task.replace('_', ' '), roc: c.report.roc, auc: c.report.roc_auc.auc, lower: c.report.roc_auc.lower, upper: c.report.roc_auc.upper });
    const cm = join(dir, `confusion_${task}.png`);
    await renderConfusionPng(c.report.confusion, cm, { title: `Confusion matrix: ${task.replace('_', ' ')}` });
    const rel = join(dir, `reliability_${task}.png`);
    await renderReliabilityPng(c.calibration, rel, { title: `Reliability: ${task.replace('_', ' ')}` });
    written.push(cm, rel);
  }
  if (curves.length) {
    const roc = join(dir, 'roc.png');
    await renderRocPng(curves, roc, { title: 'ROC curves' });
    written.push(roc);
  }
  const emb = rows.filter((r) => r.result.cefm);
  if (arch === 'cefm' && emb.length >= 3) {
    const proj = pca2d(emb.map((r) => r.result.cefm!.imageEmbedding));
    const features = Object.fromEntries(featureNames.map((f, j) => [f, emb.map((r) => r.result.cefm!.clinicalInput[j])]));
    written.push(...await renderEmbeddingPlots(proj, { diagnosis: emb.map((r) => r.sample.labels.diagnosis ?? (r.sample.labels.melanoma ? 'melanoma' : 'other')), features }, dir));
  }
  return written;
}
