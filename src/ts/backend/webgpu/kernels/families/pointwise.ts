import type { GpuKernel } from '../../kernel.js';

export const kernels: Record<string, GpuKernel> = {};
