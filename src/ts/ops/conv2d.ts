import {
  type ConvAttrs, checkBias, checkConvInputs, checkWeightGroups, conv2dGeometry, convOpParts, readConvAttrs, samePadding,
} from './conv_geometry.js';
import { defineOp, opError } from './op.js';

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
    checkWeightGroups(OP, shapes, a.groups);
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
  ...convOpParts(conv2dGeometry, 'x-is-image'),
});
