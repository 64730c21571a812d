// acc += x in place: gradients accumulate into their buffer without a new allocation.
import { numel, shapeString } from '../tensor.js';
import { defineOp, opError, refTensor } from './op.js';

/** (acc, x) → acc + x, same shapes; the output aliases acc (OpDef.inplace). No backward. */
export const accumulate = defineOp<Record<string, never>>({
  name: 'accumulate',
  inputs: ['acc', 'x'],
  outputs: ['acc'],
  inplace: { 0: 0 },
  normalize(shapes) {
    if (shapes.length !== 2) throw opError('accumulate', shapes, `expects 2 inputs (acc, x), got ${shapes.length}`);
    if (shapeString(shapes[0]) !== shapeString(shapes[1])) throw opError('accumulate', shapes, 'acc and x shapes differ');
    return {};
  },
  outputShapes: ([acc]) => [acc],
  cost: ([acc]) => ({ flops: numel(acc), bytes: 12 * numel(acc) }),
  reference: {
    forward([acc, x]) {
      return [refTensor(acc.shape, acc.data.map((v, i) => v + x.data[i]))];
    },
  },
});
