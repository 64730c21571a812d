// F.normalize(x, p=2, dim=-1, eps): rows of the last dim divided by max(‖row‖₂, eps).
import { numel } from '../tensor.js';
import { defineOp, numAttr, opError, refTensor, type Attrs } from './op.js';
import { lastDimRows } from './rows.js';

export interface L2NormalizeAttrs extends Attrs {
  eps: number;
}

/** y = x / max(‖x‖₂ over the last dim, eps). */
export const l2_normalize = defineOp<L2NormalizeAttrs>({
  name: 'l2_normalize',
  inputs: ['x'],
  outputs: ['y'],
  normalize(shapes, attrs) {
    if (shapes.length !== 1) throw opError('l2_normalize', shapes, `expects 1 input, got ${shapes.length}`);
    if (shapes[0].length < 1) throw opError('l2_normalize', shapes, 'needs an input of rank >= 1');
    const eps = numAttr('l2_normalize', shapes, attrs, 'eps', 1e-12);
    if (eps < 0) throw opError('l2_normalize', shapes, `attr eps must be >= 0, got ${eps}`);
    return { eps };
  },
  outputShapes: ([x]) => [x],
  differentiable: () => [true],
  cost: ([x]) => ({ flops: 3 * numel(x), bytes: 8 * numel(x) }),
  reference: {
    forward([x], a) {
      const { rows, D: cols } = lastDimRows(x.shape);
      const y = refTensor(x.shape);
      for (let r = 0; r < rows; r++) {
        let ss = 0;
        for (let j = 0; j < cols; j++) ss += x.data[r * cols + j] ** 2;
        const d = Math.max(Math.sqrt(ss), a.eps);
        for (let j = 0; j < cols; j++) y.data[r * cols + j] = x.data[r * cols + j] / d;
      }
      return [y];
    },
    backward([x], _outs, [dy], a) {
      const { rows, D: cols } = lastDimRows(x.shape);
      const dx = refTensor(x.shape);
      for (let r = 0; r < rows; r++) {
        let ss = 0, xdy = 0;
        for (let j = 0; j < cols; j++) {
          ss += x.data[r * cols + j] ** 2;
          xdy += x.data[r * cols + j] * dy.data[r * cols + j];
        }
        const n = Math.sqrt(ss);
        // n >= eps: dx = (dy − x·(x·dy)/n²)/n; below eps the denominator is the constant eps.
        const clamped = !(n >= a.eps && n > 0);
        const d = clamped ? a.eps : n, k = clamped ? 0 : xdy / (n * n);
        for (let j = 0; j < cols; j++) dx.data[r * cols + j] = (dy.data[r * cols + j] - k * x.data[r * cols + j]) / d;
      }
      return [dx];
    },
  },
});
