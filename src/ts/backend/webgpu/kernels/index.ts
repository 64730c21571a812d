// Every WebGPU kernel by name (docs/ops.md), in the order of the op list (src/ts/ops/index.ts).
// Each module here exports only kernels, except where the names are listed.
import type { GpuKernel } from '../kernel.js';
import * as matmul from './matmul.js';
import * as linear from './linear.js';
import * as conv2d from './conv2d.js';
import * as convTranspose2d from './conv_transpose2d.js';
import * as attention from './attention.js';
import * as layerNorm from './layer_norm.js';
import * as batchNorm from './batch_norm.js';
import * as l2Normalize from './l2_normalize.js';
import * as softmax from './softmax.js';
import * as activations from './activations.js';
import * as binary from './binary.js';
import * as scale from './scale.js';
import * as dropout from './dropout.js';
import { mean, mean_backward, sum, sum_backward } from './reduce.js';
import * as pool from './pool.js';
import * as upsample from './upsample.js';
import * as shape from './shape.js';
import * as slice from './slice.js';
import * as losses from './losses.js';
import * as ntXent from './nt_xent.js';
import * as adamw from './adamw.js';
import { fill } from './fill.js';
import * as accumulate from './accumulate.js';

export const gpuKernels: Record<string, GpuKernel> = {
  ...matmul, ...linear, ...conv2d, ...convTranspose2d, ...attention,
  ...layerNorm, ...batchNorm, ...l2Normalize, ...softmax,
  ...activations, ...binary, ...scale, ...dropout, sum, sum_backward, mean, mean_backward,
  ...pool, ...upsample,
  ...shape, ...slice,
  ...losses, ...ntXent,
  ...adamw, fill, ...accumulate,
};
