import type { GpuKernel } from '../../kernel.js';
import { linear, linear_backward } from '../linear.js';

export const kernels: Record<string, GpuKernel> = { linear, linear_backward };
