// accumulate on WebGPU (src/wgsl/accumulate.wgsl): acc += x in place.
import { contiguousCopy } from '../../../ops/strided.js';
import { numel } from '../../../tensor.js';
import { type GpuKernel, grid1d, packUniforms } from '../kernel.js';
import { recordStridedCopy } from './strided_copy.js';

// inputs acc, x -> output acc (normally the same buffer: OpDef.inplace)
export const accumulate: GpuKernel = (ctx, [acc, x], [out]) => {
  const n = numel(acc.shape);
  if (n === 0) return;
  // A caller that passes a separate output gets acc copied into it first.
  if (out.buffer !== acc.buffer) recordStridedCopy(ctx, contiguousCopy([n]), acc.buffer, out.buffer);
  ctx.dispatch({ pipeline: { shader: 'accumulate' }, buffers: [out.buffer, x.buffer], uniforms: packUniforms([{ u: n }]), workgroups: grid1d(Math.ceil(n / 256)) });
};
