// Every WebGPU kernel by name (docs/ops.md), gathered from the op families.
import type { GpuKernel } from '../kernel.js';
import * as matmul from './matmul.js';
import { kernels as dense } from './families/dense.js';
import { kernels as conv } from './families/conv.js';
import { kernels as attention } from './families/attention.js';
import { kernels as pointwise } from './families/pointwise.js';
import { kernels as spatial } from './families/spatial.js';

export const gpuKernels: Record<string, GpuKernel> = { ...matmul, ...dense, ...conv, ...attention, ...pointwise, ...spatial };
