import {
  type ConvTransposeAttrs, checkBias, checkConvInputs, checkWeightGroups, convOpParts, convTransposeGeometry, readConvAttrs,
} from './conv_geometry.js';
import { defineOp, opError, pairAttr } from './op.js';

const OP = 'conv_transpose2d';

/**
 * F.conv_transpose2d: x[N, C, H, W], weight[C, O/groups, kh, kw], bias?[O] -> y[N, O, Ho, Wo];
 * the adjoint (input gradient) of the conv2d from y's shape to x's shape with the same weight.
 */
export const conv_transpose2d = defineOp<ConvTransposeAttrs>({
  name: OP,
  inputs: ['x', 'weight', 'bias?'],
  outputs: ['y'],
  normalize(shapes, attrs) {
    checkConvInputs(OP, shapes);
    const [x, w] = shapes;
    const a = readConvAttrs(OP, shapes, attrs, false);
    const outputPadding = pairAttr(OP, shapes, attrs, 'output_padding', [0, 0]);
    if (outputPadding.some((p) => p < 0)) throw opError(OP, shapes, `negative output_padding is not supported (output_padding ${outputPadding})`);
    for (const d of [0, 1]) {
      if (outputPadding[d] >= a.stride[d] && outputPadding[d] >= a.dilation[d]) {
        throw opError(OP, shapes, `output padding must be smaller than either stride or dilation (output_padding ${outputPadding}, stride ${a.stride}, dilation ${a.dilation})`);
      }
    }
    checkWeightGroups(OP, shapes, a.groups);
    if (w[0] !== x[1]) throw opError(OP, shapes, `weight [${w}] expects x to have ${w[0]} channels, but got ${x[1]} channels instead`);
    checkBias(OP, shapes, w[1] * a.groups);
    const norm: ConvTransposeAttrs = { stride: a.stride, padding: a.padding, output_padding: outputPadding, dilation: a.dilation, groups: a.groups };
    const g = convTransposeGeometry(x, w, norm);
    if (g.h < 1 || g.w < 1) throw opError(OP, shapes, `calculated output size ${g.h}x${g.w} is too small`);
    return norm;
  },
  // The taps are those of the underlying conv: image = y, output = x.
  ...convOpParts(convTransposeGeometry, 'x-is-output'),
});
