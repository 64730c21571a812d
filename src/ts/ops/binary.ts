import { numel } from '../tensor.js';
import { broadcastOffsets, broadcastShapes, broadcastStrides } from './broadcast.js';
import { defineOp, opError, refTensor } from './op.js';

export type BinaryOpName = 'add' | 'sub' | 'mul' | 'div';

/** One binary op's value and partial derivatives, in float64. */
interface BinaryMath {
  f(a: number, b: number): number;
  dfda(a: number, b: number): number;
  dfdb(a: number, b: number): number;
}

const binaryMath: Record<BinaryOpName, BinaryMath> = {
  add: { f: (a, b) => a + b, dfda: () => 1, dfdb: () => 1 },
  sub: { f: (a, b) => a - b, dfda: () => 1, dfdb: () => -1 },
  mul: { f: (a, b) => a * b, dfda: (_a, b) => b, dfdb: (a) => a },
  div: { f: (a, b) => a / b, dfda: (_a, b) => 1 / b, dfdb: (a, b) => -a / (b * b) },
};

/** torch.add/sub/mul/div of two tensors with NumPy broadcasting; gradients summed back to each shape. */
function binaryOp(name: BinaryOpName) {
  const m = binaryMath[name];
  return defineOp<Record<string, never>>({
    name,
    inputs: ['a', 'b'],
    outputs: ['out'],
    normalize(shapes) {
      if (shapes.length !== 2) throw opError(name, shapes, `expects 2 inputs, got ${shapes.length}`);
      if (!broadcastShapes(shapes[0], shapes[1])) throw opError(name, shapes, 'shapes do not broadcast');
      return {};
    },
    outputShapes([a, b]) {
      return [broadcastShapes(a, b)!];
    },
    differentiable: () => [true, true],
    gradIsSummedDy: name === 'add',
    cost([a, b]) {
      const n = numel(broadcastShapes(a, b)!);
      return { flops: n, bytes: 4 * (numel(a) + numel(b) + n) };
    },
    reference: {
      forward([a, b]) {
        const { shape, aOf, bOf } = operandOffsets(a.shape, b.shape);
        const out = refTensor(shape);
        for (let i = 0; i < out.data.length; i++) out.data[i] = m.f(a.data[aOf[i]], b.data[bOf[i]]);
        return [out];
      },
      backward([a, b], _outs, [dy]) {
        const { aOf, bOf } = operandOffsets(a.shape, b.shape);
        const da = refTensor(a.shape), db = refTensor(b.shape);
        for (let i = 0; i < dy.data.length; i++) {
          const x = a.data[aOf[i]], y = b.data[bOf[i]];
          da.data[aOf[i]] += dy.data[i] * m.dfda(x, y);
          db.data[bOf[i]] += dy.data[i] * m.dfdb(x, y);
        }
        return [da, db];
      },
    },
  });
}

/** For each output element, the element of a and of b it reads. */
function operandOffsets(a: number[], b: number[]): { shape: number[]; aOf: Int32Array; bOf: Int32Array } {
  const shape = broadcastShapes(a, b)!;
  return {
    shape,
    aOf: broadcastOffsets(shape, broadcastStrides(a, shape)),
    bOf: broadcastOffsets(shape, broadcastStrides(b, shape)),
  };
}

export const add = binaryOp('add');
export const sub = binaryOp('sub');
export const mul = binaryOp('mul');
export const div = binaryOp('div');
