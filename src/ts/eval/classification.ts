// Binary classification metrics, defined as scikit-learn defines them (tests/eval compares each one
// with sklearn). Scores are "higher = more positive"; labels are 0/1. Everything is float64.
import { Rng } from '../data/rng.js';
import { cohenKappa, confusionMatrix, type ConfusionMatrix } from './labels.js';
import { percentile } from './stats.js';

export type Scores = ArrayLike<number>;
export type BinaryLabels = ArrayLike<number>;

/** Counts at one threshold; a score >= threshold predicts positive. */
export interface BinaryCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface ThresholdMetrics extends BinaryCounts {
  threshold: number;
  accuracy: number;
  balanced_accuracy: number;
  /** Positive predictive value; 0 when nothing is predicted positive (sklearn's zero_division=0). */
  precision: number;
  /** Recall, true-positive rate. */
  sensitivity: number;
  /** True-negative rate. */
  specificity: number;
  f1: number;
  kappa: number;
}

/** The ROC curve at every distinct score (sklearn's roc_curve with drop_intermediate=False). */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** thresholds[i] gives (fpr[i], tpr[i]) when predicting score >= thresholds[i]; the first is +Infinity (null in JSON). */
  thresholds: number[];
}

export interface AucInterval {
  auc: number;
  lower: number;
  upper: number;
  /** 0.95 for a 95% interval. */
  level: number;
  resamples: number;
  seed: number;
  /** Positives and negatives are resampled separately (with replacement), keeping their counts. */
  method: 'stratified-percentile';
}

export interface SensitivityAtSpecificity {
  /** The specificity asked for (0.95). */
  target_specificity: number;
  sensitivity: number;
  /** The specificity actually reached at that operating point (>= target). */
  specificity: number;
  threshold: number;
}

export interface BinaryReport {
  n: number;
  positives: number;
  negatives: number;
  at_threshold: ThresholdMetrics;
  roc_auc: AucInterval;
  sensitivity_at_specificity: SensitivityAtSpecificity;
  roc: RocCurve;
  /** Rows = truth, columns = prediction, order [negative, positive] (sklearn's confusion_matrix). */
  confusion: ConfusionMatrix;
}

export interface BinaryReportOptions {
  threshold?: number;
  bootstrapResamples?: number;
  seed?: number;
  level?: number;
  targetSpecificity?: number;
  classNames?: [string, string];
}

/** Throws unless scores and labels have the same non-zero length, labels are 0/1 and scores finite. */
export function checkBinary(scores: Scores, labels: BinaryLabels, what = 'scores'): void {
  if (scores.length !== labels.length) throw new Error(`${what}: ${scores.length} scores but ${labels.length} labels`);
  if (scores.length === 0) throw new Error(`${what}: no samples`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new Error(`${what}: label ${labels[i]} at index ${i} is not 0 or 1`);
    if (!Number.isFinite(scores[i])) throw new Error(`${what}: score ${scores[i]} at index ${i} is not finite`);
  }
}

export function binaryCounts(scores: Scores, labels: BinaryLabels, threshold = 0.5): BinaryCounts {
  checkBinary(scores, labels);
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i] >= threshold;
    if (labels[i] === 1) predicted ? c.tp++ : c.fn++;
    else predicted ? c.fp++ : c.tn++;
  }
  return c;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function thresholdMetrics(scores: Scores, labels: BinaryLabels, threshold = 0.5): ThresholdMetrics {
  const c = binaryCounts(scores, labels, threshold);
  const n = c.tp + c.fp + c.tn + c.fn;
  const sensitivity = ratio(c.tp, c.tp + c.fn);
  const specificity = ratio(c.tn, c.tn + c.fp);
  const precision = ratio(c.tp, c.tp + c.fp);
  const predicted = Array.from(scores, (s) => (s >= threshold ? 1 : 0));
  // sklearn's balanced_accuracy_score averages the recall of the classes present in the truth.
  const present = (c.tp + c.fn > 0 ? 1 : 0) + (c.tn + c.fp > 0 ? 1 : 0);
  return {
    threshold,
    ...c,
    accuracy: (c.tp + c.tn) / n,
    balanced_accuracy: ((c.tp + c.fn > 0 ? sensitivity : 0) + (c.tn + c.fp > 0 ? specificity : 0)) / present,
    precision,
    sensitivity,
    specificity,
    f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
    kappa: cohenKappa(labels, predicted),
  };
}

/** Positive and negative counts; throws unless both classes are present (ROC needs both). */
function classCounts(labels: BinaryLabels, what: string): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) throw new Error(`${what}: ROC needs both classes, got ${positives} positives and ${negatives} negatives`);
  return { positives, negatives };
}

export function rocCurve(scores: Scores, labels: BinaryLabels): RocCurve {
  checkBinary(scores, labels, 'roc');
  const { positives, negatives } = classCounts(labels, 'roc');
  const order = Array.from(scores, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const fpr = [0], tpr = [0], thresholds = [Infinity];
  let tp = 0, fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    labels[i] === 1 ? tp++ : fp++;
    // Tied scores move together: one point per distinct score, which is how ties count half in the AUC.
    if (k + 1 < order.length && scores[order[k + 1]] === scores[i]) continue;
    fpr.push(fp / negatives);
    tpr.push(tp / positives);
    thresholds.push(scores[i]);
  }
  return { fpr, tpr, thresholds };
}

/** Trapezoidal area under a curve given by x ascending. */
export function trapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

/** sklearn's roc_auc_score: the area under the tied-score ROC curve (= Mann-Whitney U with ties as 1/2). */
export function rocAuc(scores: Scores, labels: BinaryLabels): number {
  const roc = rocCurve(scores, labels);
  return trapezoid(roc.fpr, roc.tpr);
}

/**
 * ROC-AUC with a percentile bootstrap interval. Stratified: each resample draws nPos positives and
 * nNeg negatives with replacement, so every resample has both classes. Rng = data/rng.ts seeded with
 * `seed`; positive draws then negative draws per resample (tests/fixtures/gen_eval_fixtures.py mirrors it).
 */
export function rocAucBootstrap(scores: Scores, labels: BinaryLabels, opts: { resamples?: number; seed?: number; level?: number } = {}): AucInterval {
  const resamples = opts.resamples ?? 2000, seed = opts.seed ?? 0, level = opts.level ?? 0.95;
  const auc = rocAuc(scores, labels);
  const pos: number[] = [], neg: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? pos : neg).push(i);
  // Sort once; a resample is then a multiplicity per sample and its AUC one O(n) pass.
  const order = Array.from(scores, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const weight = new Float64Array(labels.length);
  const rng = new Rng(seed);
  const aucs = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    weight.fill(0);
    for (let k = 0; k < pos.length; k++) weight[pos[rng.int(pos.length)]]++;
    for (let k = 0; k < neg.length; k++) weight[neg[rng.int(neg.length)]]++;
    aucs[b] = weightedAuc(order, scores, labels, weight, pos.length, neg.length);
  }
  const alpha = (1 - level) / 2;
  return { auc, lower: percentile(aucs, 100 * alpha), upper: percentile(aucs, 100 * (1 - alpha)), level, resamples, seed, method: 'stratified-percentile' };
}

/**
 * Mann-Whitney AUC with multiplicities, over samples pre-sorted by descending score: each negative
 * counts the positives scored above it, plus half of those tied with it. Same value as the ROC area.
 */
function weightedAuc(order: readonly number[], scores: Scores, labels: BinaryLabels, weight: Float64Array, positives: number, negatives: number): number {
  let above = 0, area = 0;
  for (let k = 0; k < order.length;) {
    let groupPos = 0, groupNeg = 0;
    const s = scores[order[k]];
    for (; k < order.length && scores[order[k]] === s; k++) {
      const i = order[k];
      labels[i] === 1 ? (groupPos += weight[i]) : (groupNeg += weight[i]);
    }
    area += groupNeg * (above + groupPos / 2);
    above += groupPos;
  }
  return area / (positives * negatives);
}

/** The highest sensitivity among operating points whose specificity is >= target (0.95 by default). */
export function sensitivityAtSpecificity(roc: RocCurve, target = 0.95): SensitivityAtSpecificity {
  let best = 0;
  // The (0,0) point always qualifies. Among points with the best sensitivity, keep the first: the
  // highest specificity. The tolerance keeps e.g. 19/20 = 0.95 from failing on 1 - 0.05 rounding.
  for (let i = 0; i < roc.fpr.length; i++) if (1 - roc.fpr[i] >= target - 1e-12 && roc.tpr[i] > roc.tpr[best]) best = i;
  return { target_specificity: target, sensitivity: roc.tpr[best], specificity: 1 - roc.fpr[best], threshold: roc.thresholds[best] };
}

/** Every binary metric of one task, as one JSON-ready object. */
export function binaryReport(scores: Scores, labels: BinaryLabels, opts: BinaryReportOptions = {}): BinaryReport {
  const threshold = opts.threshold ?? 0.5;
  checkBinary(scores, labels);
  const { positives, negatives } = classCounts(labels, 'binary report');
  const roc = rocCurve(scores, labels);
  const predicted = Array.from(scores, (s) => (s >= threshold ? 1 : 0));
  return {
    n: labels.length,
    positives,
    negatives,
    at_threshold: thresholdMetrics(scores, labels, threshold),
    roc_auc: rocAucBootstrap(scores, labels, { resamples: opts.bootstrapResamples, seed: opts.seed, level: opts.level }),
    sensitivity_at_specificity: sensitivityAtSpecificity(roc, opts.targetSpecificity),
    roc,
    confusion: confusionMatrix(labels, predicted, opts.classNames ?? ['negative', 'positive']),
  };
}
