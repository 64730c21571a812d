import { type ConvTransposeAttrs, convTransposeGeometry } from '../../../ops/conv_geometry.js';
import type { GpuKernel } from '../kernel.js';
import { recordBiasGrad, recordConvForward, recordConvImageGrad, recordConvWeightGrad } from './conv_gemm.js';

// conv_transpose2d is the image gradient of the convolution from y to x (image = y, output = x).

// conv_transpose2d: x, weight, bias? -> y
export const conv_transpose2d: GpuKernel = (ctx, [x, w, bias], [y], attrs) => {
  const g = convTransposeGeometry(x.shape, w.shape, attrs as ConvTransposeAttrs);
  recordConvImageGrad(ctx, g, x.buffer, w.buffer, bias?.buffer, y.buffer, ctx.f16);
};

// conv_transpose2d_backward: x, weight, bias?, y, dy -> dx, dweight, dbias?
export const conv_transpose2d_backward: GpuKernel = (ctx, inputs, [dx, dw, dbias], attrs) => {
  const [x, w] = inputs, dy = inputs[inputs.length - 1];
  const g = convTransposeGeometry(x.shape, w.shape, attrs as ConvTransposeAttrs);
  recordConvForward(ctx, g, dy.buffer, w.buffer, undefined, dx.buffer, false);
  recordConvWeightGrad(ctx, g, dy.buffer, x.buffer, dw.buffer);
  if (dbias) recordBiasGrad(ctx, dy.buffer, g.n, g.c, g.h * g.w, dbias.buffer);
};
