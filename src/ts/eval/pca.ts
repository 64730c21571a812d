// 2-D PCA projection of embeddings for the scatter plots (float64, Jacobi on the covariance).
import type { Rows } from './embedding.js';
import { symmetricEigen } from './linalg.js';

export interface PcaProjection {
  /** points[i] = [pc1, pc2] of sample i. */
  points: [number, number][];
  /** Unit principal axes, 2 × d. The sign makes each axis's largest-magnitude entry positive. */
  components: number[][];
  /** Variance along each axis (covariance with n - 1, as sklearn's PCA). */
  explained_variance: [number, number];
  explained_variance_ratio: [number, number];
  mean: number[];
}

export function pca2d(rows: Rows): PcaProjection {
  const n = rows.length;
  if (n < 2) throw new Error(`pca: needs at least 2 embeddings, got ${n}`);
  const d = rows[0].length;
  if (d < 2) throw new Error(`pca: embeddings need at least 2 dimensions, got ${d}`);
  const mu = new Float64Array(d);
  for (const [i, r] of rows.entries()) {
    if (r.length !== d) throw new Error(`pca: row ${i} has ${r.length} values, row 0 has ${d}`);
    for (let j = 0; j < d; j++) mu[j] += r[j] / n;
  }
  const cov = new Float64Array(d * d);
  const xc = new Float64Array(d);
  for (const r of rows) {
    for (let j = 0; j < d; j++) xc[j] = r[j] - mu[j];
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[a * d + b] += xc[a] * xc[b];
  }
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[b * d + a] = cov[a * d + b] /= n - 1;
  const { values, vectors } = symmetricEigen(cov, d);
  let total = 0;
  for (const v of values) total += Math.max(v, 0);
  const components = vectors.slice(0, 2).map((vec) => {
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(vec[j]) > Math.abs(vec[big])) big = j;
    const sign = vec[big] < 0 ? -1 : 1;
    return Array.from(vec, (x) => sign * x);
  });
  const points = rows.map((r) => components.map((c) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += (r[j] - mu[j]) * c[j];
    return s;
  }) as [number, number]);
  const ev: [number, number] = [values[0], values[1]];
  return { points, components, explained_variance: ev, explained_variance_ratio: [ev[0] / total, ev[1] / total], mean: Array.from(mu) };
}
