// scale on WebGPU (src/wgsl/scale.wgsl): y = alpha·x + beta; backward dx = alpha·dy.
import { numel } from '../../../tensor.js';
import { type GpuKernel, type KernelContext, grid1d, packUniforms } from '../kernel.js';

function recordAffine(ctx: KernelContext, x: GPUBuffer, y: GPUBuffer, n: number, alpha: number, beta: number): void {
  if (n === 0) return;
  ctx.dispatch({ pipeline: { shader: 'scale' }, buffers: [x, y], uniforms: packUniforms([{ u: n }, { f: alpha }, { f: beta }]), workgroups: grid1d(Math.ceil(n / 256)) });
}

export const scale: GpuKernel = (ctx, [x], [y], attrs) => recordAffine(ctx, x.buffer, y.buffer, numel(x.shape), attrs.alpha as number, attrs.beta as number);

// inputs x, y, dy -> dx
export const scale_backward: GpuKernel = (ctx, [x, , dy], [dx], attrs) => recordAffine(ctx, dy.buffer, dx.buffer, numel(x.shape), attrs.alpha as number, 0);
