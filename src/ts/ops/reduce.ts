import { numel } from '../tensor.js';
import { broadcastOffsets, broadcastStrides } from './broadcast.js';
import { type Attrs, defineOp, opError, refTensor } from './op.js';

export interface ReduceAttrs extends Attrs {
  /** Sorted, non-negative, unique; empty = every dim. */
  dims: number[];
  keepdim: number;
}

/** torch.sum / torch.mean over `dims` (a number or a list, negatives allowed, empty = all). */
function reduceOp(name: 'sum' | 'mean') {
  return defineOp<ReduceAttrs>({
    name,
    inputs: ['x'],
    outputs: ['y'],
    normalize(shapes, attrs) {
      if (shapes.length !== 1) throw opError(name, shapes, `expects 1 input, got ${shapes.length}`);
      const keepdim = attrs.keepdim ?? 0;
      if (keepdim !== 0 && keepdim !== 1 && typeof keepdim !== 'boolean') {
        throw opError(name, shapes, `attr keepdim must be a boolean or 0/1, got ${JSON.stringify(keepdim)}`);
      }
      return { dims: normalizeDims(name, shapes, attrs.dims), keepdim: keepdim ? 1 : 0 };
    },
    outputShapes([x], { dims, keepdim }) {
      return [reduceOutputShape(x, dims, keepdim)];
    },
    differentiable: () => [true],
    cost([x], { dims }) {
      return { flops: numel(x), bytes: 4 * (numel(x) + numel(keepdimShape(x, dims))) };
    },
    reference: {
      forward([x], { dims, keepdim }) {
        const keep = keepdimShape(x.shape, dims);
        const y = refTensor(keep);
        const outOf = broadcastOffsets(x.shape, broadcastStrides(keep, x.shape));
        for (let i = 0; i < x.data.length; i++) y.data[outOf[i]] += x.data[i];
        if (name === 'mean') {
          const count = x.data.length / y.data.length;
          for (let o = 0; o < y.data.length; o++) y.data[o] /= count;
        }
        return [{ shape: reduceOutputShape(x.shape, dims, keepdim), data: y.data }];
      },
      backward([x], [y], [dy], { dims }) {
        const keep = keepdimShape(x.shape, dims);
        const dx = refTensor(x.shape);
        const outOf = broadcastOffsets(x.shape, broadcastStrides(keep, x.shape));
        const scale = name === 'mean' ? y.data.length / x.data.length : 1;
        for (let i = 0; i < x.data.length; i++) dx.data[i] = dy.data[outOf[i]] * scale;
        return [dx];
      },
    },
  });
}

export const sum = reduceOp('sum');
export const mean = reduceOp('mean');

/** Normalises a dims attr: a number or list, negatives wrapped, checked, sorted; empty = every dim. */
export function normalizeDims(op: string, shapes: number[][], value: unknown): number[] {
  const rank = shapes[0].length;
  const list = value === undefined ? [] : typeof value === 'number' ? [value] : value;
  if (!Array.isArray(list) || !list.every((d) => Number.isInteger(d))) {
    throw opError(op, shapes, `attr dims must be an integer or a list of integers, got ${JSON.stringify(value)}`);
  }
  const wrapRank = Math.max(rank, 1); // a scalar accepts dim 0 / -1, like PyTorch
  const dims = list.map((d: number) => {
    if (d < -wrapRank || d >= wrapRank) throw opError(op, shapes, `dim ${d} is out of range for rank ${rank}`);
    return d < 0 ? d + wrapRank : d;
  });
  const sorted = [...new Set(dims)].sort((a, b) => a - b);
  if (sorted.length !== dims.length) throw opError(op, shapes, `dims ${JSON.stringify(list)} name a dim twice`);
  return rank === 0 ? [] : sorted;
}

/** Which dims of a rank-`rank` tensor are reduced (dims empty = all). */
export function reducedMask(rank: number, dims: readonly number[]): boolean[] {
  return Array.from({ length: rank }, (_, i) => dims.length === 0 || dims.includes(i));
}

/** The output shape: reduced dims dropped, or kept as 1 (same element order either way). */
export function reduceOutputShape(shape: readonly number[], dims: readonly number[], keepdim: number): number[] {
  const reduced = reducedMask(shape.length, dims);
  return keepdim ? keepdimShape(shape, dims) : shape.filter((_, i) => !reduced[i]);
}

/** The shape with every reduced dim set to 1 (the keepdim output shape). */
export function keepdimShape(shape: readonly number[], dims: readonly number[]): number[] {
  const reduced = reducedMask(shape.length, dims);
  return shape.map((d, i) => (reduced[i] ? 1 : d));
}
