// Small float64 helpers shared by the eval metrics.

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length === 0 ? NaN : s / xs.length;
}

/** numpy.percentile with its default linear interpolation; q in [0, 100]. */
export function percentile(xs: ArrayLike<number>, q: number): number {
  if (xs.length === 0) throw new Error('percentile of an empty list');
  const sorted = Float64Array.from(xs).sort();
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Cosine similarity; 0 when either vector is zero (sklearn's cosine_similarity does the same). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cosine: vectors of length ${a.length} and ${b.length}`);
  const na = Math.sqrt(dot(a, a)), nb = Math.sqrt(dot(b, b));
  return na === 0 || nb === 0 ? 0 : dot(a, b) / (na * nb);
}
