import type { GpuKernel } from '../../kernel.js';
import { conv2d, conv2d_backward } from '../conv2d.js';
import { conv_transpose2d, conv_transpose2d_backward } from '../conv_transpose2d.js';

export const kernels: Record<string, GpuKernel> = { conv2d, conv2d_backward, conv_transpose2d, conv_transpose2d_backward };
