// Layout ops on WebGPU: each is one strided copy per output part (src/wgsl/strided_copy.wgsl).
import { layoutCopies } from '../../../ops/shape.js';
import type { GpuKernel } from '../kernel.js';
import { recordStridedCopy } from './strided_copy.js';

function layoutKernel(op: string, backward: boolean): GpuKernel {
  return (ctx, inputs, outputs, attrs) => {
    const nIn = backward ? inputs.length - 2 : inputs.length; // backward: [...inputs, y, dy]
    const shapes = inputs.slice(0, nIn).map((t) => t.shape);
    for (const { copy, src, dst } of layoutCopies(op, shapes, attrs, backward)) recordStridedCopy(ctx, copy, inputs[src].buffer, outputs[dst].buffer);
  };
}

export const permute = layoutKernel('permute', false);
export const permute_backward = layoutKernel('permute', true);
export const transpose = layoutKernel('transpose', false);
export const transpose_backward = layoutKernel('transpose', true);
export const reshape = layoutKernel('reshape', false);
export const reshape_backward = layoutKernel('reshape', true);
export const concat = layoutKernel('concat', false);
export const concat_backward = layoutKernel('concat', true);
