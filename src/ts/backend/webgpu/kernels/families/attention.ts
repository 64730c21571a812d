import type { GpuKernel } from '../../kernel.js';
import { attention } from '../attention.js';

export const kernels: Record<string, GpuKernel> = { attention };
