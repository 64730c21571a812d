/** NumPy/PyTorch broadcasting of two shapes; null when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Element strides of `shape` read as if broadcast to `outShape` (0 along broadcast dims), so
 * offset(outIndex) = sum_i outIndex_i * strides_i.
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = outShape.length - shape.length + i;
    strides[j] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i];
  }
  return strides;
}

/** Offsets of every element of `outShape` into a tensor with the given strides (row-major order). */
export function broadcastOffsets(outShape: readonly number[], strides: readonly number[]): Int32Array {
  let n = 1;
  for (const d of outShape) n *= d;
  const offsets = new Int32Array(n);
  const idx = new Array<number>(outShape.length).fill(0);
  let off = 0;
  for (let e = 0; e < n; e++) {
    offsets[e] = off;
    for (let d = outShape.length - 1; d >= 0; d--) {
      idx[d]++;
      off += strides[d];
      if (idx[d] < outShape[d]) break;
      off -= strides[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return offsets;
}
