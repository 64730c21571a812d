// The one list of ops (docs/ops.md): the backends' registry, the op harness and the benchmarks
// all read it, in this order. One op = src/ts/ops/<op>.ts + src/wgsl + native/kernels.
import type { OpDef } from './op.js';
import { accumulate } from './accumulate.js';
import { gelu, relu, sigmoid, tanh } from './activations.js';
import { adamwStep } from './adamw.js';
import { attention } from './attention.js';
import { batch_norm } from './batch_norm.js';
import { add, div, mul, sub } from './binary.js';
import { conv2d } from './conv2d.js';
import { conv_transpose2d } from './conv_transpose2d.js';
import { dropout } from './dropout.js';
import { fill } from './fill.js';
import { l2_normalize } from './l2_normalize.js';
import { layer_norm } from './layer_norm.js';
import { linear } from './linear.js';
import { bceWithLogits, crossEntropy, diceLoss } from './losses.js';
import { matmul } from './matmul.js';
import { ntXent } from './nt_xent.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from './pool.js';
import { mean, sum } from './reduce.js';
import { scale } from './scale.js';
import { concat, permute, reshape, transpose } from './shape.js';
import { slice } from './slice.js';
import { log_softmax, softmax } from './softmax.js';
import { upsampleBilinear2d, upsampleNearest2d } from './upsample.js';

export const allOps: OpDef<any>[] = [
  // dense
  matmul, linear, conv2d, conv_transpose2d, attention,
  // normalisation
  layer_norm, batch_norm, l2_normalize, softmax, log_softmax,
  // elementwise and reductions
  gelu, relu, sigmoid, tanh, add, sub, mul, div, scale, dropout, sum, mean,
  // pooling and resampling
  maxPool2d, avgPool2d, adaptiveAvgPool2d, upsampleBilinear2d, upsampleNearest2d,
  // layout
  concat, permute, transpose, reshape, slice,
  // losses
  crossEntropy, bceWithLogits, diceLoss, ntXent,
  // training state: optimizer step, buffers updated in place
  adamwStep, fill, accumulate,
];
