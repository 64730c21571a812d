// Metrics on two label sequences (truth vs prediction, or two classifiers): confusion matrix,
// Cohen's kappa, agreement. Labels are small non-negative integers (class indices).

export type Labels = ArrayLike<number>;

/** counts[t][p] = how many samples of true class t were predicted p (sklearn's confusion_matrix). */
export interface ConfusionMatrix {
  classes: string[];
  counts: number[][];
}

export interface Agreement {
  n: number;
  /** Fraction of samples on which the two agree. */
  rate: number;
  kappa: number;
}

function checkLabels(a: Labels, b: Labels, classes: number, what: string): void {
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} labels against ${b.length}`);
  if (a.length === 0) throw new Error(`${what}: no samples`);
  for (const seq of [a, b]) {
    for (let i = 0; i < seq.length; i++) {
      const v = seq[i];
      if (!Number.isInteger(v) || v < 0 || v >= classes) throw new Error(`${what}: label ${v} at index ${i} is not a class index in [0, ${classes})`);
    }
  }
}

function maxLabel(...seqs: Labels[]): number {
  let m = 0;
  for (const s of seqs) for (let i = 0; i < s.length; i++) m = Math.max(m, s[i]);
  return m;
}

/** `classes` names the classes (their count fixes the matrix size); default: 0..max label. */
export function confusionMatrix(truth: Labels, predicted: Labels, classes?: readonly string[]): ConfusionMatrix {
  const names = classes ? [...classes] : Array.from({ length: maxLabel(truth, predicted) + 1 }, (_, i) => String(i));
  checkLabels(truth, predicted, names.length, 'confusion matrix');
  const counts = names.map(() => names.map(() => 0));
  for (let i = 0; i < truth.length; i++) counts[truth[i]][predicted[i]]++;
  return { classes: names, counts };
}

/** Cohen's kappa (sklearn's cohen_kappa_score, unweighted): (p_o - p_e) / (1 - p_e); 0 when p_e = 1. */
export function cohenKappa(a: Labels, b: Labels, classes?: number): number {
  const k = classes ?? maxLabel(a, b) + 1;
  checkLabels(a, b, k, 'kappa');
  const n = a.length;
  const rowA = new Float64Array(k), colB = new Float64Array(k);
  let agree = 0;
  for (let i = 0; i < n; i++) {
    rowA[a[i]]++;
    colB[b[i]]++;
    if (a[i] === b[i]) agree++;
  }
  let expected = 0;
  for (let c = 0; c < k; c++) expected += (rowA[c] / n) * (colB[c] / n);
  const observed = agree / n;
  // Both raters constant and equal: sklearn gives nan (0/0); 0 keeps JSON numeric and says "no information".
  return expected === 1 ? 0 : (observed - expected) / (1 - expected);
}

/** How often two classifiers give the same label, and Cohen's kappa between them. */
export function agreement(a: Labels, b: Labels, classes?: number): Agreement {
  const k = classes ?? maxLabel(a, b) + 1;
  checkLabels(a, b, k, 'agreement');
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return { n: a.length, rate: same / a.length, kappa: cohenKappa(a, b, k) };
}
