// Dense float64 linear algebra for the eval metrics (small d: embedding widths, not images).

/** Solves A x = b for each b, A symmetric positive definite (d×d, row-major), by Cholesky. */
export function choleskySolve(a: Float64Array, d: number, rhs: readonly Float64Array[]): Float64Array[] {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(s > 0)) throw new Error(`cholesky: matrix is not positive definite (pivot ${i} = ${s})`);
        l[i * d + i] = Math.sqrt(s);
      } else l[i * d + j] = s / l[j * d + j];
    }
  }
  return rhs.map((b) => {
    const y = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = b[i];
      for (let k = 0; k < i; k++) s -= l[i * d + k] * y[k];
      y[i] = s / l[i * d + i];
    }
    const x = new Float64Array(d);
    for (let i = d - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < d; k++) s -= l[k * d + i] * x[k];
      x[i] = s / l[i * d + i];
    }
    return x;
  });
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (exact to rounding, no
 * trouble with close eigenvalues). Returns eigenvalues descending and eigenvectors as rows.
 */
export function symmetricEigen(input: Float64Array, d: number, maxSweeps = 100): { values: Float64Array; vectors: Float64Array[] } {
  const a = Float64Array.from(input);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale += a[i] * a[i];
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] ** 2;
    if (off <= 1e-30 * scale) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (apq === 0) continue;
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < d; k++) {
          if (k === p || k === q) continue;
          const akp = a[k * d + p], akq = a[k * d + q];
          a[k * d + p] = a[p * d + k] = c * akp - s * akq;
          a[k * d + q] = a[q * d + k] = s * akp + c * akq;
        }
        a[p * d + p] -= t * apq;
        a[q * d + q] += t * apq;
        a[p * d + q] = a[q * d + p] = 0;
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p], vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => a[j * d + j] - a[i * d + i]);
  return {
    values: Float64Array.from(order, (i) => a[i * d + i]),
    vectors: order.map((i) => Float64Array.from({ length: d }, (_, k) => v[k * d + i])),
  };
}
