// Every element of x set to `value`, in place (zeroing gradient buffers without allocating).
import { numel } from '../tensor.js';
import { defineOp, numAttr, opError, refTensor, type Attrs } from './op.js';

export interface FillAttrs extends Attrs {
  value: number;
}

/** x → x filled with value; the output aliases the input (OpDef.inplace). No backward. */
export const fill = defineOp<FillAttrs>({
  name: 'fill',
  inputs: ['x'],
  outputs: ['x'],
  inplace: { 0: 0 },
  normalize(shapes, attrs) {
    if (shapes.length !== 1) throw opError('fill', shapes, `expects 1 input, got ${shapes.length}`);
    return { value: numAttr('fill', shapes, attrs, 'value', 0) };
  },
  outputShapes: ([x]) => [x],
  cost: ([x]) => ({ flops: 0, bytes: 4 * numel(x) }),
  reference: {
    forward([x], a) {
      return [refTensor(x.shape, new Float64Array(x.data.length).fill(a.value))];
    },
  },
});
