// Layout ops: permute, transpose, reshape, concat. Each is one or more strided copies
// (./strided.ts), forward and backward, on every backend.
import { numel, shapeString } from '../tensor.js';
import { defineOp, opError, refTensor, type Attrs, type OpDef, type RefTensor } from './op.js';
import { applyCopy, concatCopies, contiguousCopy, permuteCopy, reversedCopy, type StridedCopy } from './strided.js';

/** An integer list attr (a single integer counts as a list of one). */
function intList(op: string, shapes: number[][], attrs: Attrs, name: string): number[] {
  const v = attrs[name];
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || !list.every((x) => Number.isInteger(x))) {
    throw opError(op, shapes, `attr ${name} must be a list of integers, got ${JSON.stringify(v)}`);
  }
  return [...list];
}

/** A dim in [-rank, rank) made non-negative, as PyTorch wraps it. */
export function wrapDim(op: string, shapes: number[][], d: number, rank: number): number {
  if (!Number.isInteger(d) || d < -rank || d >= rank) throw opError(op, shapes, `dim ${d} is out of range for rank ${rank}`);
  return d < 0 ? d + rank : d;
}

function oneInput(op: string, shapes: number[][]): number[] {
  if (shapes.length !== 1) throw opError(op, shapes, `expects 1 input, got ${shapes.length}`);
  return shapes[0];
}

function checkPermutation(op: string, shapes: number[][], dims: number[]): number[] {
  const rank = shapes[0].length;
  if (dims.length !== rank) throw opError(op, shapes, `dims [${dims}] must list all ${rank} dims`);
  const perm = dims.map((d) => wrapDim(op, shapes, d, rank));
  if (new Set(perm).size !== rank) throw opError(op, shapes, `dims [${dims}] repeat a dim`);
  return perm;
}

function inverse(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => { inv[p] = i; });
  return inv;
}

const copyCost = (shapes: number[][]) => ({ flops: 0, bytes: 8 * shapes.reduce((s, x) => s + numel(x), 0) });

/** Runs copies from one float64 tensor into a new one of `shape`. */
function copyInto(shape: number[], parts: [StridedCopy, RefTensor][]): RefTensor {
  const out = refTensor(shape);
  for (const [c, src] of parts) applyCopy(c, src.data, out.data);
  return out;
}

interface PermuteAttrs extends Attrs {
  dims: number[];
}

function permuteLike(name: string, normalize: (shapes: number[][], attrs: Attrs) => PermuteAttrs): OpDef<PermuteAttrs> {
  return defineOp<PermuteAttrs>({
    name,
    inputs: ['x'],
    outputs: ['y'],
    normalize,
    outputShapes: ([x], a) => [a.dims.map((d) => x[d])],
    differentiable: () => [true],
    cost: copyCost,
    reference: {
      forward([x], a) {
        const c = permuteCopy(x.shape, a.dims);
        return [copyInto(c.shape, [[c, x]])];
      },
      backward([x], _outs, [dy], a) {
        return [copyInto(x.shape, [[permuteCopy(dy.shape, inverse(a.dims)), dy]])];
      },
    },
  });
}

/** x.permute(dims); negative dims allowed. */
export const permute = permuteLike('permute', (shapes, attrs) => {
  oneInput('permute', shapes);
  return { dims: checkPermutation('permute', shapes, intList('permute', shapes, attrs, 'dims')) };
});

/** x.transpose(dim0, dim1), normalised to the permutation `dims` (which may also be given directly). */
export const transpose = permuteLike('transpose', (shapes, attrs) => {
  const rank = oneInput('transpose', shapes).length;
  if (attrs.dim0 === undefined && attrs.dim1 === undefined && attrs.dims !== undefined) {
    return { dims: checkPermutation('transpose', shapes, intList('transpose', shapes, attrs, 'dims')) };
  }
  const pick = (name: string) => {
    const v = attrs[name];
    if (typeof v !== 'number') throw opError('transpose', shapes, `attr ${name} must be a dim, got ${JSON.stringify(v)}`);
    return wrapDim('transpose', shapes, v, rank);
  };
  const d0 = pick('dim0'), d1 = pick('dim1');
  const dims = Array.from({ length: rank }, (_, i) => i);
  [dims[d0], dims[d1]] = [dims[d1], dims[d0]];
  return { dims };
});

interface ReshapeAttrs extends Attrs {
  shape: number[];
}

/**
 * x.reshape(shape) with at most one -1. Tensors are always contiguous, so the result is a view
 * where the backend shares storage (native) and a copy elsewhere.
 */
export const reshape = defineOp<ReshapeAttrs>({
  name: 'reshape',
  inputs: ['x'],
  outputs: ['y'],
  view: true,
  gradIsSummedDy: true,
  normalize(shapes, attrs) {
    const x = oneInput('reshape', shapes);
    const shape = intList('reshape', shapes, attrs, 'shape');
    const free = shape.filter((d) => d === -1).length;
    if (free > 1 || shape.some((d) => d < -1)) throw opError('reshape', shapes, `invalid shape [${shape}]: sizes must be >= 0 with at most one -1`);
    const known = shape.reduce((s, d) => (d === -1 ? s : s * d), 1);
    if (free) {
      if (known === 0 || numel(x) % known !== 0) throw opError('reshape', shapes, `shape [${shape}] is invalid for input of size ${numel(x)}`);
      shape[shape.indexOf(-1)] = numel(x) / known;
    }
    if (numel(shape) !== numel(x)) throw opError('reshape', shapes, `shape [${shape}] is invalid for input of size ${numel(x)}`);
    return { shape };
  },
  outputShapes: (_shapes, a) => [[...a.shape]],
  differentiable: () => [true],
  cost: copyCost,
  reference: {
    forward([x], a) {
      return [copyInto(a.shape, [[contiguousCopy([numel(x.shape)]), x]])];
    },
    backward([x], _outs, [dy]) {
      return [copyInto(x.shape, [[contiguousCopy([numel(x.shape)]), dy]])];
    },
  },
});

interface ConcatAttrs extends Attrs {
  dim: number;
}

/** torch.cat(xs, dim): any number (>= 1) of inputs with equal sizes except along dim. */
export const concat = defineOp<ConcatAttrs>({
  name: 'concat',
  // Variadic: x0, x1, ... (any count >= 1); every input gets a gradient.
  inputs: ['xs...'],
  outputs: ['y'],
  normalize(shapes, attrs) {
    if (shapes.length < 1) throw opError('concat', shapes, 'needs at least one input');
    const rank = shapes[0].length;
    if (rank < 1) throw opError('concat', shapes, 'cannot concatenate scalars');
    const d = attrs.dim ?? 0;
    if (typeof d !== 'number') throw opError('concat', shapes, `attr dim must be a dim, got ${JSON.stringify(d)}`);
    const dim = wrapDim('concat', shapes, d, rank);
    shapes.forEach((s, k) => {
      if (s.length !== rank || s.some((n, i) => i !== dim && n !== shapes[0][i])) {
        throw opError('concat', shapes, `input ${k} ${shapeString(s)} does not match input 0 except along dim ${dim}`);
      }
    });
    return { dim };
  },
  outputShapes(shapes, a) {
    const y = [...shapes[0]];
    y[a.dim] = shapes.reduce((s, x) => s + x[a.dim], 0);
    return [y];
  },
  differentiable: (shapes) => shapes.map(() => true),
  cost: copyCost,
  reference: {
    forward(xs, a) {
      const copies = concatCopies(xs.map((x) => x.shape), a.dim);
      const y = [...xs[0].shape];
      y[a.dim] = xs.reduce((s, x) => s + x.shape[a.dim], 0);
      return [copyInto(y, copies.map((c, k) => [c, xs[k]]))];
    },
    backward(xs, _outs, [dy], a) {
      return concatCopies(xs.map((x) => x.shape), a.dim).map((c, k) => copyInto(xs[k].shape, [[reversedCopy(c), dy]]));
    },
  },
});

/**
 * The copies that run a layout op's kernel: forward (y from the inputs) or backward (each dx from
 * dy). `src` indexes the kernel's inputs (backward: [...inputs, y, dy]), `dst` its outputs.
 */
export function layoutCopies(op: string, inShapes: number[][], attrs: Attrs, backward: boolean): { copy: StridedCopy; src: number; dst: number }[] {
  const dy = inShapes.length + 1;
  switch (op) {
    case 'permute':
    case 'transpose': {
      const dims = attrs.dims as number[];
      const x = inShapes[0];
      return [backward ? { copy: permuteCopy(dims.map((d) => x[d]), inverse(dims)), src: dy, dst: 0 } : { copy: permuteCopy(x, dims), src: 0, dst: 0 }];
    }
    case 'reshape':
      return [{ copy: contiguousCopy([numel(inShapes[0])]), src: backward ? dy : 0, dst: 0 }];
    case 'concat':
      return concatCopies(inShapes, attrs.dim as number).map((c, k) =>
        backward ? { copy: reversedCopy(c), src: dy, dst: k } : { copy: c, src: k, dst: 0 });
    default:
      throw new Error(`layoutCopies: '${op}' is not a layout op`);
  }
}
