// x.narrow(dim, start, length), made contiguous: one strided copy (./strided.ts) on every backend.
import { numel, stridesOf } from '../tensor.js';
import { defineOp, opError, refTensor, type Attrs } from './op.js';
import { wrapDim } from './shape.js';
import { applyCopy, reversedCopy, type StridedCopy } from './strided.js';

export interface SliceAttrs extends Attrs {
  /** Non-negative after normalize. */
  dim: number;
  /** Non-negative after normalize; start + length <= size of dim. */
  start: number;
  length: number;
}

function intAttr(shapes: number[][], attrs: Attrs, name: string): number {
  const v = attrs[name];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw opError('slice', shapes, `attr ${name} must be an integer, got ${JSON.stringify(v)}`);
  return v;
}

/** The copy that gathers the slice from x into a contiguous y (reversed: scatters dy into dx). */
export function sliceCopy(xShape: readonly number[], a: SliceAttrs): StridedCopy {
  const xs = stridesOf(xShape);
  const shape = [...xShape];
  shape[a.dim] = a.length;
  return { shape, srcOffset: a.start * xs[a.dim], srcStrides: xs, dstOffset: 0, dstStrides: stridesOf(shape) };
}

/** y = x.narrow(dim, start, length); dim and start may be negative (python-style) and are normalised. */
export const slice = defineOp<SliceAttrs>({
  name: 'slice',
  inputs: ['x'],
  outputs: ['y'],
  normalize(shapes, attrs) {
    if (shapes.length !== 1) throw opError('slice', shapes, `expects 1 input, got ${shapes.length}`);
    const x = shapes[0];
    if (x.length < 1) throw opError('slice', shapes, 'cannot slice a scalar');
    const dim = wrapDim('slice', shapes, intAttr(shapes, attrs, 'dim'), x.length);
    const size = x[dim];
    let start = intAttr(shapes, attrs, 'start');
    if (start < -size || start > size) throw opError('slice', shapes, `start ${start} is out of range for dim ${dim} of size ${size}`);
    if (start < 0) start += size;
    const length = intAttr(shapes, attrs, 'length');
    if (length < 0 || start + length > size) {
      throw opError('slice', shapes, `length ${length} from start ${start} does not fit dim ${dim} of size ${size}`);
    }
    return { dim, start, length };
  },
  outputShapes: ([x], a) => {
    const y = [...x];
    y[a.dim] = a.length;
    return [y];
  },
  differentiable: () => [true],
  cost: ([x], a) => ({ flops: 0, bytes: 8 * (numel(x) / Math.max(1, x[a.dim])) * a.length }),
  reference: {
    forward([x], a) {
      const c = sliceCopy(x.shape, a);
      const y = refTensor(c.shape);
      applyCopy(c, x.data, y.data);
      return [y];
    },
    backward([x], _outs, [dy], a) {
      const dx = refTensor(x.shape); // zeros outside the slice
      applyCopy(reversedCopy(sliceCopy(x.shape, a)), dy.data, dx.data);
      return [dx];
    },
  },
});
