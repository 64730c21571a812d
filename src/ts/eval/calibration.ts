// Calibration of a binary probability: reliability bins and expected calibration error.
import { checkBinary, type BinaryLabels, type Scores } from './classification.js';

export interface ReliabilityBin {
  /** The bin is (lower, upper]; the first also holds exactly 0 (sklearn's calibration_curve bins). */
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability in the bin; null when the bin is empty. */
  mean_predicted: number | null;
  /** Fraction of positives in the bin; null when the bin is empty. */
  fraction_positive: number | null;
}

export interface Calibration {
  /** ECE = sum over bins of (count / n) * |fraction_positive - mean_predicted|. */
  ece: number;
  bins: ReliabilityBin[];
}

/**
 * Reliability of P(positive) in `binCount` equal-width bins over [0, 1], and the expected calibration
 * error as usually defined for binary outputs (Naeini et al. 2015; sklearn's calibration_curve bins).
 */
export function calibration(probabilities: Scores, labels: BinaryLabels, binCount = 10): Calibration {
  checkBinary(probabilities, labels, 'calibration');
  const count = new Float64Array(binCount), sumP = new Float64Array(binCount), sumY = new Float64Array(binCount);
  // Edges as numpy.linspace(0, 1, binCount + 1) computes them, so edge cases fall in the same bin.
  const edges = Array.from({ length: binCount + 1 }, (_, i) => (i === binCount ? 1 : i * (1 / binCount)));
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    if (p < 0 || p > 1) throw new Error(`calibration: probability ${p} at index ${i} is outside [0, 1]`);
    let b = 0;
    while (b < binCount - 1 && edges[b + 1] < p) b++;
    count[b]++;
    sumP[b] += p;
    sumY[b] += labels[i];
  }
  const n = probabilities.length;
  let ece = 0;
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < binCount; b++) {
    const meanP = sumP[b] / count[b], frac = sumY[b] / count[b];
    if (count[b] > 0) ece += (count[b] / n) * Math.abs(frac - meanP);
    bins.push({ lower: edges[b], upper: edges[b + 1], count: count[b], mean_predicted: count[b] ? meanP : null, fraction_positive: count[b] ? frac : null });
  }
  return { ece, bins };
}
