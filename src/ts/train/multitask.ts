// Training the multi-task lesion network: mask + melanoma + seborrheic keratosis. Samples without a
// mask train the heads only (per-pixel BCE weights of 0; Dice only on batches where every sample has
// a mask); samples without a label train the other head and the mask (per-label BCE weights of 0).
// Class imbalance: positive and negative labels of each head weigh half the loss each.
import * as F from '../autograd/functional.js';
import { noGrad } from '../autograd/graph.js';
import type { Backend } from '../backend/backend.js';
import type { Batch, DataLoader } from '../data/prefetch.js';
import type { Sample } from '../data/spec.js';
import { rocAuc } from '../eval/classification.js';
import { maskOverlap } from '../eval/segmentation.js';
import { MultitaskNet, type MultitaskConfig } from '../models/multitask.js';
import { saveModelFile, type Preprocessing } from '../models/file.js';
import { moduleContext } from '../nn/module.js';
import { sigmoid } from '../models/probability.js';
import type { StepResult, TrainTask } from './trainer.js';

/** Each head's label of a sample, or null when the sample does not have it. */
export function headLabels(s: Sample, heads: string[]): (0 | 1 | null)[] {
  return heads.map((h) => {
    if (s.unlabelled) return null;
    const v = (s.labels as Record<string, unknown>)[h];
    return v === 0 || v === 1 ? v : null;
  });
}

/** Weights so that positives and negatives of each head count equally: 0.5/share of their class. */
export function balancedHeadWeights(samples: Sample[], heads: string[]): { pos: number; neg: number }[] {
  return heads.map((_, h) => {
    let pos = 0, neg = 0;
    for (const s of samples) {
      const l = headLabels(s, heads)[h];
      if (l === 1) pos++;
      else if (l === 0) neg++;
    }
    const n = pos + neg;
    return { pos: pos ? (0.5 * n) / pos : 0, neg: neg ? (0.5 * n) / neg : 0 };
  });
}

export interface MultitaskTaskOptions {
  be: Backend;
  config: MultitaskConfig;
  seed: number;
  train: Sample[];
  val: DataLoader | null;
  preprocessing: Preprocessing;
  extra: Record<string, unknown>;
}

export function multitaskTask(o: MultitaskTaskOptions): TrainTask & { model: MultitaskNet } {
  const model = new MultitaskNet(moduleContext(o.be, o.seed), o.config);
  const heads = o.config.heads;
  const weights = balancedHeadWeights(o.train, heads);
  const be = o.be;

  const step = (batch: Batch): StepResult => {
    const n = batch.images.shape[0];
    const labels = new Float32Array(n * heads.length), w = new Float32Array(n * heads.length);
    batch.samples.forEach((s, i) => headLabels(s, heads).forEach((l, h) => {
      labels[i * heads.length + h] = l ?? 0;
      w[i * heads.length + h] = l === null ? 0 : l ? weights[h].pos : weights[h].neg;
    }));
    const out = model.forward(F.constant(be, batch.images));
    const headLoss = F.bceWithLogits(out.logits, F.constant(be, { shape: [n, heads.length], data: labels }), F.constant(be, { shape: [n, heads.length], data: w }));
    if (!batch.masks) return { loss: headLoss, parts: { heads: headLoss } };
    const masks = F.constant(be, batch.masks);
    let maskLoss;
    if (batch.hasMask.every(Boolean)) {
      maskLoss = F.add(F.bceWithLogits(out.maskLogits, masks), F.diceLoss(out.maskLogits, masks));
    } else {
      const px = batch.masks.data.length / n;
      const pw = new Float32Array(batch.masks.data.length);
      batch.hasMask.forEach((has, i) => has && pw.fill(1, i * px, (i + 1) * px));
      maskLoss = F.bceWithLogits(out.maskLogits, masks, F.constant(be, { shape: [...batch.masks.shape], data: pw }));
    }
    return { loss: F.add(maskLoss, headLoss), parts: { mask: maskLoss, heads: headLoss } };
  };

  const validate = async () => {
    if (!o.val) return { score: 0 };
    model.eval();
    const r = await evaluateMultitask(model, o.val);
    model.train();
    return { ...r, score: (Number.isFinite(r.jaccard) ? r.jaccard : 0) + (Number.isFinite(r.auc_melanoma) ? r.auc_melanoma : 0) };
  };

  return {
    model,
    step,
    validate,
    saveModel: (path) => saveModelFile(path, model, { preprocessing: o.preprocessing, extra: o.extra }),
  };
}

export interface MultitaskPredictions {
  /** Per sample: sigmoid of each head. */
  probabilities: number[][];
  samples: Sample[];
  /** Per-image Jaccard (samples with masks only). */
  jaccards: number[];
}

/** Runs the model over a loader (eval mode, no gradients). */
export async function predictMultitask(model: MultitaskNet, loader: DataLoader, onMask?: (sample: Sample, prob: Float32Array, size: number) => void): Promise<MultitaskPredictions> {
  const out: MultitaskPredictions = { probabilities: [], samples: [], jaccards: [] };
  const k = model.config.heads.length;
  for await (const batch of loader.epoch(0)) {
    const [logits, masks] = await noGrad(async () => {
      const o = model.forward(F.constant(model.be, batch.images));
      return Promise.all([o.logits.toHost(), o.maskLogits.toHost()]);
    });
    const n = batch.images.shape[0], px = masks.data.length / n;
    for (let i = 0; i < n; i++) {
      out.samples.push(batch.samples[i]);
      out.probabilities.push(Array.from(logits.data.subarray(i * k, (i + 1) * k), sigmoid));
      const prob = masks.data.subarray(i * px, (i + 1) * px).map(sigmoid);
      onMask?.(batch.samples[i], prob, masks.shape[2]);
      if (batch.hasMask[i] && batch.masks) {
        const truth = batch.masks.data.subarray(i * px, (i + 1) * px);
        const binary = (a: ArrayLike<number>) => Uint8Array.from(a as ArrayLike<number>, (v) => (v > 0.5 ? 1 : 0));
        out.jaccards.push(maskOverlap(binary(prob), binary(truth), batch.samples[i].id).jaccard);
      }
    }
  }
  return out;
}

export async function evaluateMultitask(model: MultitaskNet, loader: DataLoader): Promise<{ jaccard: number; auc_melanoma: number; auc_seborrheic_keratosis: number }> {
  const p = await predictMultitask(model, loader);
  const auc = (h: number) => {
    const scores: number[] = [], labels: number[] = [];
    p.samples.forEach((s, i) => {
      const l = headLabels(s, model.config.heads)[h];
      if (l !== null) {
        scores.push(p.probabilities[i][h]);
        labels.push(l);
      }
    });
    return labels.includes(0) && labels.includes(1) ? rocAuc(scores, labels) : NaN;
  };
  const jaccard = p.jaccards.length ? p.jaccards.reduce((a, b) => a + b, 0) / p.jaccards.length : NaN;
  return { jaccard, auc_melanoma: auc(0), auc_seborrheic_keratosis: auc(1) };
}

