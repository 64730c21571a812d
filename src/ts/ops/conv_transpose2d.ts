import {
  type ConvTransposeAttrs, addBias, biasGrad, checkBias, checkConvInputs, convCost, convTransposeGeometry, forEachTap, readConvAttrs,
} from './conv_geometry.js';
import { defineOp, opError, pairAttr, refTensor } from './op.js';

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
    if (w[0] % a.groups !== 0) throw opError(OP, shapes, `given groups=${a.groups}, expected weight to be divisible by ${a.groups} at dimension 0`);
    if (w[0] !== x[1]) throw opError(OP, shapes, `weight [${w}] expects x to have ${w[0]} channels, but got ${x[1]} channels instead`);
    checkBias(OP, shapes, w[1] * a.groups);
    const norm: ConvTransposeAttrs = { stride: a.stride, padding: a.padding, output_padding: outputPadding, dilation: a.dilation, groups: a.groups };
    const g = convTransposeGeometry(x, w, norm);
    if (g.h < 1 || g.w < 1) throw opError(OP, shapes, `calculated output size ${g.h}x${g.w} is too small`);
    return norm;
  },
  outputShapes([x, w], a) {
    const g = convTransposeGeometry(x, w, a);
    return [[g.n, g.c, g.h, g.w]];
  },
  differentiable: (shapes) => [true, true, shapes.length > 2],
  cost(shapes, a) {
    const g = convTransposeGeometry(shapes[0], shapes[1], a);
    return convCost(g, shapes, g.n * g.c * g.h * g.w);
  },
  reference: {
    // The taps are those of the underlying conv: image = y, output = x.
    forward([x, w, bias], a) {
      const g = convTransposeGeometry(x.shape, w.shape, a);
      const y = refTensor([g.n, g.c, g.h, g.w]);
      forEachTap(g, (yi, wi, xi) => { y.data[yi] += x.data[xi] * w.data[wi]; });
      if (bias) addBias(y, bias);
      return [y];
    },
    backward([x, w, bias], _outs, [dy], a) {
      const g = convTransposeGeometry(x.shape, w.shape, a);
      const dx = refTensor(x.shape), dw = refTensor(w.shape);
      forEachTap(g, (yi, wi, xi) => {
        dx.data[xi] += dy.data[yi] * w.data[wi];
        dw.data[wi] += x.data[xi] * dy.data[yi];
      });
      return [dx, dw, bias ? biasGrad(dy) : null];
    },
  },
});
