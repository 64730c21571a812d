import type { GpuKernel } from '../../kernel.js';
import { attention, attention_backward } from '../attention.js';

export const kernels: Record<string, GpuKernel> = { attention, attention_backward };
