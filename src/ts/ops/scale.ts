// y = alpha·x + beta: scalar scaling (loss weights, gradient scaling) without a broadcast tensor.
import { numel } from '../tensor.js';
import { defineOp, numAttr, opError, refTensor, type Attrs } from './op.js';

export interface ScaleAttrs extends Attrs {
  alpha: number;
  beta: number;
}

export const scale = defineOp<ScaleAttrs>({
  name: 'scale',
  inputs: ['x'],
  outputs: ['y'],
  normalize(shapes, attrs) {
    if (shapes.length !== 1) throw opError('scale', shapes, `expects 1 input, got ${shapes.length}`);
    return { alpha: numAttr('scale', shapes, attrs, 'alpha', 1), beta: numAttr('scale', shapes, attrs, 'beta', 0) };
  },
  outputShapes: ([x]) => [x],
  differentiable: () => [true],
  cost: ([x]) => ({ flops: 2 * numel(x), bytes: 8 * numel(x) }),
  reference: {
    forward([x], a) {
      return [refTensor(x.shape, x.data.map((v) => a.alpha * v + a.beta))];
    },
    backward([x], _outs, [dy], a) {
      return [refTensor(x.shape, dy.data.map((v) => a.alpha * v))];
    },
  },
});
