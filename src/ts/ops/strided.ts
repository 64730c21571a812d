// The strided copy behind every layout op (permute, transpose, reshape, concat, forward and
// backward): dst[dstOffset + Σ i_d·dstStrides_d] = src[srcOffset + Σ i_d·srcStrides_d] for every
// index i of `shape`. Backends run these plans; the reference applies them element by element.
import { stridesOf } from '../tensor.js';

export interface StridedCopy {
  shape: number[];
  srcOffset: number;
  srcStrides: number[];
  dstOffset: number;
  dstStrides: number[];
}

/** Copy a contiguous tensor of `shape` into `dstStrides` at `dstOffset` (or the reverse: gather). */
export function contiguousCopy(shape: number[], dstOffset = 0, dstStrides = stridesOf(shape)): StridedCopy {
  return { shape: [...shape], srcOffset: 0, srcStrides: stridesOf(shape), dstOffset, dstStrides: [...dstStrides] };
}

/** The same copy, read the other way (what a layout op's backward does). */
export function reversedCopy(c: StridedCopy): StridedCopy {
  return { shape: c.shape, srcOffset: c.dstOffset, srcStrides: c.dstStrides, dstOffset: c.srcOffset, dstStrides: c.srcStrides };
}

/** y = x.permute(perm) as a copy from x (src strides permuted) into contiguous y. */
export function permuteCopy(xShape: readonly number[], perm: readonly number[]): StridedCopy {
  const xs = stridesOf(xShape);
  const shape = perm.map((p) => xShape[p]);
  return { shape, srcOffset: 0, srcStrides: perm.map((p) => xs[p]), dstOffset: 0, dstStrides: stridesOf(shape) };
}

/** One copy per input: x_k lands in y at its offset along `dim`. */
export function concatCopies(xShapes: readonly number[][], dim: number): StridedCopy[] {
  const yShape = [...xShapes[0]];
  yShape[dim] = xShapes.reduce((s, x) => s + x[dim], 0);
  const ys = stridesOf(yShape);
  let at = 0;
  return xShapes.map((x) => {
    const c = contiguousCopy([...x], at * ys[dim], ys);
    at += x[dim];
    return c;
  });
}

/**
 * The same copy with size-1 dims dropped and neighbouring dims merged where both sides are
 * contiguous across them: a permute of [N, C, H, W] to [N, H, W, C] becomes a rank-3 copy, a
 * concat along dim 1 a rank-2 one, a reshape a rank-1 one.
 */
export function coalesce(c: StridedCopy): StridedCopy {
  const shape: number[] = [], ss: number[] = [], ds: number[] = [];
  c.shape.forEach((n, d) => {
    if (n === 1) return;
    const k = shape.length - 1;
    if (k >= 0 && ss[k] === n * c.srcStrides[d] && ds[k] === n * c.dstStrides[d]) {
      shape[k] *= n;
      ss[k] = c.srcStrides[d];
      ds[k] = c.dstStrides[d];
    } else {
      shape.push(n);
      ss.push(c.srcStrides[d]);
      ds.push(c.dstStrides[d]);
    }
  });
  return { shape, srcOffset: c.srcOffset, srcStrides: ss, dstOffset: c.dstOffset, dstStrides: ds };
}

/** Runs a copy on host arrays, element by element (the reference path). */
export function applyCopy(c: StridedCopy, src: ArrayLike<number>, dst: { [i: number]: number }): void {
  const rank = c.shape.length;
  const total = c.shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(rank).fill(0);
  for (let e = 0; e < total; e++) {
    let s = c.srcOffset, d = c.dstOffset;
    for (let k = 0; k < rank; k++) {
      s += idx[k] * c.srcStrides[k];
      d += idx[k] * c.dstStrides[k];
    }
    dst[d] = src[s];
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < c.shape[k]) break;
      idx[k] = 0;
    }
  }
}
