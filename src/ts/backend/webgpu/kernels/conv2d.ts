import { type ConvAttrs, conv2dGeometry } from '../../../ops/conv_geometry.js';
import type { GpuKernel } from '../kernel.js';
import { recordBiasGrad, recordConvForward, recordConvImageGrad, recordConvWeightGrad } from './conv_gemm.js';

// conv2d: x, weight, bias? -> y
export const conv2d: GpuKernel = (ctx, [x, w, bias], [y], attrs) => {
  const g = conv2dGeometry(x.shape, w.shape, attrs as ConvAttrs);
  recordConvForward(ctx, g, x.buffer, w.buffer, bias?.buffer, y.buffer, ctx.f16);
};

// conv2d_backward: x, weight, bias?, y, dy -> dx, dweight, dbias?
export const conv2d_backward: GpuKernel = (ctx, inputs, [dx, dw, dbias], attrs) => {
  const [x, w] = inputs, dy = inputs[inputs.length - 1];
  const g = conv2dGeometry(x.shape, w.shape, attrs as ConvAttrs);
  recordConvImageGrad(ctx, g, dy.buffer, w.buffer, undefined, dx.buffer, false);
  recordConvWeightGrad(ctx, g, x.buffer, dy.buffer, dw.buffer);
  if (dbias) recordBiasGrad(ctx, dy.buffer, g.n, g.o, g.ho * g.wo, dbias.buffer);
};
