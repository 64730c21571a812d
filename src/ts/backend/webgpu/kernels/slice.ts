// slice on WebGPU: one strided copy (src/wgsl/strided_copy.wgsl); backward zeroes dx
// (src/wgsl/fill.wgsl) and scatters dy into it.
import { type SliceAttrs, sliceCopy } from '../../../ops/slice.js';
import { reversedCopy } from '../../../ops/strided.js';
import { numel } from '../../../tensor.js';
import type { GpuKernel } from '../kernel.js';
import { recordFill } from './fill.js';
import { recordStridedCopy } from './strided_copy.js';

export const slice: GpuKernel = (ctx, [x], [y], attrs) => recordStridedCopy(ctx, sliceCopy(x.shape, attrs as SliceAttrs), x.buffer, y.buffer);

// inputs x, y, dy -> dx
export const slice_backward: GpuKernel = (ctx, [x, , dy], [dx], attrs) => {
  recordFill(ctx, dx.buffer, numel(x.shape), 0);
  recordStridedCopy(ctx, reversedCopy(sliceCopy(x.shape, attrs as SliceAttrs)), dy.buffer, dx.buffer);
};
