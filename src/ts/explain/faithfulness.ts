// Faithfulness of the attention map (Petsiuk et al.'s deletion / insertion curves): blank the most
// attended patches first (deletion) or reveal them first on a blank image (insertion) and follow the
// CEFM image classifier's melanoma probability; the same with a random patch order as the baseline.
// A faithful map gives a lower deletion area and a higher insertion area than random.
import * as F from '../autograd/functional.js';
import { noGrad } from '../autograd/graph.js';
import type { RgbImage } from '../data/image.js';
import { mixSeed, Rng } from '../data/rng.js';
import { batchInput, type Pipeline } from '../predict/pipeline.js';
import type { HostTensor } from '../tensor.js';
import { attentionRollout } from './pipeline.js';

export interface FaithfulnessCurves {
  /** Fractions of patches changed at each step (0 … 1). */
  fractions: number[];
  deletion: number[];
  insertion: number[];
  random_deletion: number[];
  random_insertion: number[];
}

export interface FaithfulnessSummary {
  images: number;
  steps: number;
  deletion_auc: number;
  insertion_auc: number;
  random_deletion_auc: number;
  random_insertion_auc: number;
}

const area = (ys: number[]) => ys.slice(1).reduce((s, y, i) => s + (y + ys[i]) / 2, 0) / (ys.length - 1);

/** Melanoma probabilities of the CEFM image classifier on a batch of model inputs. */
async function melanomaProbabilities(p: Pipeline, x: HostTensor): Promise<number[]> {
  const m = p.cefm!.model;
  const k = m.config.clinical_features.length, n = x.shape[0];
  const out = await noGrad(async () => F.softmax(m.forward(F.constant(m.be, x), F.constant(m.be, { shape: [n, k], data: new Float32Array(n * k) })).logits).toHost());
  return Array.from({ length: n }, (_, i) => out.data[i * 2 + 1]);
}

/** One image's four curves over `steps` + 1 points. Blanked patches are 0 in normalised space (the mean colour). */
export async function faithfulnessCurves(p: Pipeline, image: RgbImage, steps = 10, seed = 0): Promise<FaithfulnessCurves | null> {
  const att = await attentionRollout(p, image);
  if (!att) return null;
  const [rows, cols] = att.grid;
  const base = batchInput([image], p.cefm!.preprocessing);
  const s = p.cefm!.preprocessing.image_size;
  const ranked = Array.from(att.values, (v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, i]) => i);
  const random = new Rng(mixSeed(seed, 0xfa17)).shuffle(ranked.map((_, i) => i));
  const fractions = Array.from({ length: steps + 1 }, (_, k) => k / steps);
  const variants = (order: number[], insert: boolean): HostTensor => {
    const data = new Float32Array((steps + 1) * 3 * s * s);
    fractions.forEach((f, k) => {
      const changed = new Set(order.slice(0, Math.round(f * order.length)));
      const v = data.subarray(k * 3 * s * s, (k + 1) * 3 * s * s);
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < s; y++)
          for (let x = 0; x < s; x++) {
            const token = Math.min(rows - 1, Math.floor((y * rows) / s)) * cols + Math.min(cols - 1, Math.floor((x * cols) / s));
            const keep = insert ? changed.has(token) : !changed.has(token);
            const i = (c * s + y) * s + x;
            v[i] = keep ? base.data[i] : 0;
          }
    });
    return { shape: [steps + 1, 3, s, s], data };
  };
  return {
    fractions,
    deletion: await melanomaProbabilities(p, variants(ranked, false)),
    insertion: await melanomaProbabilities(p, variants(ranked, true)),
    random_deletion: await melanomaProbabilities(p, variants(random, false)),
    random_insertion: await melanomaProbabilities(p, variants(random, true)),
  };
}

export function summariseFaithfulness(curves: FaithfulnessCurves[], steps: number): FaithfulnessSummary {
  const mean = (key: keyof Omit<FaithfulnessCurves, 'fractions'>) => curves.reduce((a, c) => a + area(c[key]), 0) / Math.max(1, curves.length);
  return {
    images: curves.length, steps,
    deletion_auc: mean('deletion'), insertion_auc: mean('insertion'),
    random_deletion_auc: mean('random_deletion'), random_insertion_auc: mean('random_insertion'),
  };
}
