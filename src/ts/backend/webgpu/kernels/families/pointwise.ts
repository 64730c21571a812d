import type { GpuKernel } from '../../kernel.js';
import * as activations from '../activations.js';
import * as batchNorm from '../batch_norm.js';
import * as binary from '../binary.js';
import * as layerNorm from '../layer_norm.js';
import { mean, mean_backward, sum, sum_backward } from '../reduce.js';
import * as softmax from '../softmax.js';

export const kernels: Record<string, GpuKernel> = {
  ...layerNorm, ...batchNorm, ...softmax, ...activations, ...binary, sum, sum_backward, mean, mean_backward,
};
