import { numel } from '../tensor.js';
import { defineOp, opError, refTensor } from './op.js';
import { lastDimRows } from './rows.js';

/** torch.softmax / torch.log_softmax over the last dim, computed as exp(x − max) for stability. */
function softmaxOp(name: 'softmax' | 'log_softmax') {
  const log = name === 'log_softmax';
  return defineOp<Record<string, never>>({
    name,
    inputs: ['x'],
    outputs: ['y'],
    normalize(shapes) {
      if (shapes.length !== 1) throw opError(name, shapes, `expects 1 input, got ${shapes.length}`);
      return {};
    },
    outputShapes: ([x]) => [x],
    differentiable: () => [true],
    cost: ([x]) => ({ flops: 5 * numel(x), bytes: 8 * numel(x) }),
    backwardCost: ([x]) => ({ flops: 4 * numel(x), bytes: 12 * numel(x) }),
    reference: {
      forward([x]) {
        const { rows, D } = lastDimRows(x.shape);
        const y = refTensor(x.shape);
        for (let r = 0; r < rows; r++) {
          const row = x.data.subarray(r * D, (r + 1) * D);
          const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
          const sumExp = row.reduce((s, v) => s + Math.exp(v - max), 0);
          for (let j = 0; j < D; j++) {
            y.data[r * D + j] = log ? row[j] - max - Math.log(sumExp) : Math.exp(row[j] - max) / sumExp;
          }
        }
        return [y];
      },
      // softmax: dx = y (dy − Σ dy·y); log_softmax: dx = dy − exp(y) Σ dy.
      backward([x], [y], [dy]) {
        const { rows, D } = lastDimRows(x.shape);
        const dx = refTensor(x.shape);
        for (let r = 0; r < rows; r++) {
          let s = 0;
          for (let j = r * D; j < (r + 1) * D; j++) s += log ? dy.data[j] : dy.data[j] * y.data[j];
          for (let j = r * D; j < (r + 1) * D; j++) {
            dx.data[j] = log ? dy.data[j] - Math.exp(y.data[j]) * s : y.data[j] * (dy.data[j] - s);
          }
        }
        return [dx];
      },
    },
  });
}

export const softmax = softmaxOp('softmax');
export const log_softmax = softmaxOp('log_softmax');
