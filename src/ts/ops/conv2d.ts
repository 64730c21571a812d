import {
  type ConvAttrs, addBias, biasGrad, checkBias, checkConvInputs, conv2dGeometry, convCost, forEachTap, readConvAttrs, samePadding,
} from './conv_geometry.js';
import { defineOp, opError, refTensor } from './op.js';

const OP = 'conv2d';

/** F.conv2d: x[N, C, H, W], weight[O, C/groups, kh, kw], bias?[O] -> y[N, O, Ho, Wo]. */
export const conv2d = defineOp<ConvAttrs>({
  name: OP,
  inputs: ['x', 'weight', 'bias?'],
  outputs: ['y'],
  normalize(shapes, attrs) {
    checkConvInputs(OP, shapes);
    const [x, w] = shapes;
    const { paddingMode, ...a } = readConvAttrs(OP, shapes, attrs, true);
    if (w[0] % a.groups !== 0) throw opError(OP, shapes, `given groups=${a.groups}, expected weight to be divisible by ${a.groups} at dimension 0`);
    if (w[1] * a.groups !== x[1]) {
      throw opError(OP, shapes, `given groups=${a.groups}, expected x to have ${w[1] * a.groups} channels, but got ${x[1]} channels instead`);
    }
    checkBias(OP, shapes, w[0]);
    if (paddingMode === 'same') a.padding = samePadding(OP, shapes, [w[2], w[3]], a.dilation);
    for (const d of [0, 1]) {
      const padded = x[2 + d] + 2 * a.padding[d], extent = a.dilation[d] * (w[2 + d] - 1) + 1;
      if (padded < extent) throw opError(OP, shapes, `padded input size ${padded} is smaller than the dilated kernel size ${extent} along dim ${2 + d}`);
    }
    return a;
  },
  outputShapes([x, w], a) {
    const g = conv2dGeometry(x, w, a);
    return [[g.n, g.o, g.ho, g.wo]];
  },
  differentiable: (shapes) => [true, true, shapes.length > 2],
  cost(shapes, a) {
    const g = conv2dGeometry(shapes[0], shapes[1], a);
    return convCost(g, shapes, g.n * g.o * g.ho * g.wo);
  },
  reference: {
    forward([x, w, bias], a) {
      const g = conv2dGeometry(x.shape, w.shape, a);
      const y = refTensor([g.n, g.o, g.ho, g.wo]);
      forEachTap(g, (xi, wi, yi) => { y.data[yi] += x.data[xi] * w.data[wi]; });
      if (bias) addBias(y, bias);
      return [y];
    },
    backward([x, w, bias], _outs, [dy], a) {
      const g = conv2dGeometry(x.shape, w.shape, a);
      const dx = refTensor(x.shape), dw = refTensor(w.shape);
      forEachTap(g, (xi, wi, yi) => {
        dx.data[xi] += dy.data[yi] * w.data[wi];
        dw.data[wi] += x.data[xi] * dy.data[yi];
      });
      return [dx, dw, bias ? biasGrad(dy) : null];
    },
  },
});
