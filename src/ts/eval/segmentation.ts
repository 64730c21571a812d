// Segmentation overlap from binary masks: any non-zero byte is foreground (masks may be 0/1 or 0/255).
import { mean } from './stats.js';

export interface MaskPair {
  id?: string;
  predicted: Uint8Array;
  truth: Uint8Array;
}

export interface Overlap {
  jaccard: number;
  dice: number;
}

export interface SegmentationReport {
  n: number;
  mean_jaccard: number;
  mean_dice: number;
  /** ISIC 2017 challenge score: mean of per-image Jaccard with scores below 0.65 set to 0. */
  thresholded_jaccard: number;
  threshold: number;
  per_image: ({ id?: string } & Overlap)[];
}

/** ISIC 2017's cut-off for the thresholded Jaccard. */
export const ISIC2017_JACCARD_THRESHOLD = 0.65;

/** Jaccard and Dice of one mask pair. Both masks empty counts as perfect agreement (1, 1). */
export function maskOverlap(predicted: Uint8Array, truth: Uint8Array, id = 'mask'): Overlap {
  if (predicted.length !== truth.length) throw new Error(`${id}: predicted mask has ${predicted.length} pixels, ground truth ${truth.length}`);
  let inter = 0, p = 0, t = 0;
  for (let i = 0; i < truth.length; i++) {
    const a = predicted[i] !== 0, b = truth[i] !== 0;
    if (a) p++;
    if (b) t++;
    if (a && b) inter++;
  }
  if (p + t === 0) return { jaccard: 1, dice: 1 };
  return { jaccard: inter / (p + t - inter), dice: (2 * inter) / (p + t) };
}

export function thresholdedJaccard(jaccards: ArrayLike<number>, threshold = ISIC2017_JACCARD_THRESHOLD): number {
  return mean(Array.from(jaccards, (j) => (j < threshold ? 0 : j)));
}

export function segmentationReport(pairs: readonly MaskPair[], threshold = ISIC2017_JACCARD_THRESHOLD): SegmentationReport {
  if (pairs.length === 0) throw new Error('segmentation report: no mask pairs');
  const perImage = pairs.map((pair, i) => ({ id: pair.id, ...maskOverlap(pair.predicted, pair.truth, pair.id ?? `mask ${i}`) }));
  const jaccards = perImage.map((o) => o.jaccard);
  return {
    n: pairs.length,
    mean_jaccard: mean(jaccards),
    mean_dice: mean(perImage.map((o) => o.dice)),
    thresholded_jaccard: thresholdedJaccard(jaccards, threshold),
    threshold,
    per_image: perImage,
  };
}
