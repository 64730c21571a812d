// fill on WebGPU (src/wgsl/fill.wgsl); recordFill also zeroes slice's gradient.
import { numel } from '../../../tensor.js';
import { type GpuKernel, type KernelContext, grid1d, packUniforms } from '../kernel.js';

/** Sets n floats of buf to value. */
export function recordFill(ctx: KernelContext, buf: GPUBuffer, n: number, value: number): void {
  if (n === 0) return;
  ctx.dispatch({ pipeline: { shader: 'fill' }, buffers: [buf], uniforms: packUniforms([{ u: n }, { f: value }]), workgroups: grid1d(Math.ceil(n / 256)) });
}

// input x -> output x (normally the same buffer: OpDef.inplace); only the output is written
export const fill: GpuKernel = (ctx, [x], [out], attrs) => recordFill(ctx, out.buffer, numel(x.shape), attrs.value as number);
