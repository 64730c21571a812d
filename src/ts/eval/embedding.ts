// Interpretability measures on embeddings: do matched image / clinical embeddings point the same way,
// can one retrieve the other, and how well a linear probe reads the ABC features off them.
// Embeddings are lists of rows (one vector per sample); all arithmetic in float64.
import { choleskySolve } from './linalg.js';
import { dot, mean } from './stats.js';

export type Rows = readonly ArrayLike<number>[];

export interface PairCosines {
  /** Mean cosine of image i with clinical i. */
  matched: number;
  /** Mean cosine of image i with clinical j, over every i != j. */
  mismatched: number;
  n: number;
}

export interface RetrievalScores {
  top1: number;
  top5: number;
}

export interface CrossModalRetrieval {
  n: number;
  image_to_clinical: RetrievalScores;
  clinical_to_image: RetrievalScores;
}

export interface ConceptFidelity {
  alpha: number;
  train_n: number;
  eval_n: number;
  /** R² on the eval split of each feature's linear probe (sklearn's r2_score). */
  r2: Record<string, number>;
  mean_r2: number;
}

function checkRows(rows: Rows, what: string): number {
  if (rows.length === 0) throw new Error(`${what}: no embeddings`);
  const d = rows[0].length;
  rows.forEach((r, i) => {
    if (r.length !== d) throw new Error(`${what}: row ${i} has ${r.length} values, row 0 has ${d}`);
  });
  return d;
}

function checkPaired(image: Rows, clinical: Rows): void {
  checkRows(image, 'image embeddings');
  checkRows(clinical, 'clinical embeddings');
  if (image.length !== clinical.length) throw new Error(`${image.length} image embeddings but ${clinical.length} clinical ones`);
}

/** similarity[i][j] = cosine(image i, clinical j). */
export function cosineMatrix(image: Rows, clinical: Rows): Float64Array[] {
  checkPaired(image, clinical);
  const a = image.map(unit), b = clinical.map(unit);
  return a.map((u) => Float64Array.from(b, (v) => dot(u, v)));
}

/** The row scaled to length 1; a zero row stays zero, so its cosines are 0 (as sklearn's). */
function unit(row: ArrayLike<number>): Float64Array {
  const norm = Math.sqrt(dot(row, row));
  return Float64Array.from(row, (x) => (norm === 0 ? 0 : x / norm));
}

export function pairCosines(image: Rows, clinical: Rows): PairCosines {
  return pairCosinesOf(cosineMatrix(image, clinical));
}

function pairCosinesOf(sim: Float64Array[]): PairCosines {
  const n = sim.length;
  let matched = 0, mismatched = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) i === j ? (matched += sim[i][j]) : (mismatched += sim[i][j]);
  return { n, matched: matched / n, mismatched: n > 1 ? mismatched / (n * (n - 1)) : NaN };
}

/**
 * Top-k retrieval: query i hits when its own partner is among its k most similar candidates.
 * The rank counts candidates strictly more similar, so a tie with the partner counts in its favour.
 */
function topK(sim: Float64Array[], transpose: boolean, k: number): number {
  const n = sim.length;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const own = sim[i][i];
    let better = 0;
    for (let j = 0; j < n; j++) if ((transpose ? sim[j][i] : sim[i][j]) > own) better++;
    if (better < k) hits++;
  }
  return hits / n;
}

export function crossModalRetrieval(image: Rows, clinical: Rows): CrossModalRetrieval {
  return retrievalOf(cosineMatrix(image, clinical));
}

function retrievalOf(sim: Float64Array[]): CrossModalRetrieval {
  return {
    n: sim.length,
    image_to_clinical: { top1: topK(sim, false, 1), top5: topK(sim, false, 5) },
    clinical_to_image: { top1: topK(sim, true, 1), top5: topK(sim, true, 5) },
  };
}

export interface AlignmentReport {
  cosine: PairCosines;
  retrieval: CrossModalRetrieval;
}

/** Pair cosines and retrieval from one similarity matrix (it is O(n² d): compute it once). */
export function alignmentReport(image: Rows, clinical: Rows): AlignmentReport {
  const sim = cosineMatrix(image, clinical);
  return { cosine: pairCosinesOf(sim), retrieval: retrievalOf(sim) };
}

/** sklearn's r2_score (force_finite): 1 - SS_res / SS_tot; a constant truth gives 1 if matched exactly, else 0. */
export function r2Score(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const m = mean(truth);
  let res = 0, tot = 0;
  for (let i = 0; i < truth.length; i++) {
    res += (truth[i] - predicted[i]) ** 2;
    tot += (truth[i] - m) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

export interface RidgeModel {
  /** weights[t][j]: target t, input dimension j. */
  weights: Float64Array[];
  intercepts: Float64Array;
}

function columnMeans(rows: Rows, d: number): Float64Array {
  const m = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) m[j] += r[j];
  for (let j = 0; j < d; j++) m[j] /= rows.length;
  return m;
}

/**
 * Ridge regression with an unpenalised intercept, as sklearn's Ridge(alpha, fit_intercept=True):
 * centre X and y, solve (Xcᵀ Xc + alpha I) w = Xcᵀ yc by Cholesky; one factorisation for every target.
 */
export function fitRidge(x: Rows, targets: readonly ArrayLike<number>[], alpha: number): RidgeModel {
  const d = checkRows(x, 'ridge inputs'), n = x.length;
  if (!(alpha > 0)) throw new Error(`ridge: alpha must be > 0, got ${alpha}`);
  targets.forEach((t, i) => {
    if (t.length !== n) throw new Error(`ridge: target ${i} has ${t.length} values for ${n} rows`);
  });
  const mx = columnMeans(x, d);
  const gram = new Float64Array(d * d);
  const xc = new Float64Array(d);
  const rhs = targets.map(() => new Float64Array(d));
  const my = targets.map((t) => mean(t));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) xc[j] = x[i][j] - mx[j];
    for (let a = 0; a < d; a++) {
      const v = xc[a];
      if (v === 0) continue;
      for (let b = a; b < d; b++) gram[a * d + b] += v * xc[b];
    }
    targets.forEach((t, k) => {
      const yc = t[i] - my[k];
      for (let j = 0; j < d; j++) rhs[k][j] += xc[j] * yc;
    });
  }
  for (let a = 0; a < d; a++) {
    gram[a * d + a] += alpha;
    for (let b = 0; b < a; b++) gram[a * d + b] = gram[b * d + a];
  }
  const weights = choleskySolve(gram, d, rhs);
  const intercepts = Float64Array.from(weights, (w, k) => {
    let s = my[k];
    for (let j = 0; j < d; j++) s -= w[j] * mx[j];
    return s;
  });
  return { weights, intercepts };
}

export function predictRidge(model: RidgeModel, x: Rows): Float64Array[] {
  return model.weights.map((w, k) => Float64Array.from(x, (r) => {
    let s = model.intercepts[k];
    for (let j = 0; j < w.length; j++) s += w[j] * r[j];
    return s;
  }));
}

/**
 * Concept fidelity: for each named feature, a ridge probe from embedding to feature fitted on the
 * training split, scored by R² on the eval split. `alpha` is small: regularisation only for stability.
 */
export function conceptFidelity(
  split: { trainEmbeddings: Rows; trainFeatures: Record<string, ArrayLike<number>>; evalEmbeddings: Rows; evalFeatures: Record<string, ArrayLike<number>> },
  alpha = 1e-3,
): ConceptFidelity {
  const names = Object.keys(split.trainFeatures);
  for (const name of names) {
    if (!(name in split.evalFeatures)) throw new Error(`concept fidelity: feature '${name}' has no eval values`);
    if (split.evalFeatures[name].length !== split.evalEmbeddings.length) throw new Error(`concept fidelity: feature '${name}' has ${split.evalFeatures[name].length} eval values for ${split.evalEmbeddings.length} embeddings`);
  }
  const model = fitRidge(split.trainEmbeddings, names.map((n) => split.trainFeatures[n]), alpha);
  if (checkRows(split.evalEmbeddings, 'eval embeddings') !== split.trainEmbeddings[0].length) throw new Error('concept fidelity: train and eval embeddings differ in width');
  const predicted = predictRidge(model, split.evalEmbeddings);
  const r2: Record<string, number> = {};
  names.forEach((n, k) => (r2[n] = r2Score(split.evalFeatures[n], predicted[k])));
  return { alpha, train_n: split.trainEmbeddings.length, eval_n: split.evalEmbeddings.length, r2, mean_r2: mean(Object.values(r2)) };
}
