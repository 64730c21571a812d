// Records the strided copy of src/wgsl/strided_copy.wgsl: layout ops and in-place fallbacks use it.
import { type StridedCopy, coalesce } from '../../../ops/strided.js';
import { type KernelContext, grid1d, packUniforms } from '../kernel.js';

/** Records one strided copy from src into dst (both flat f32 buffers). */
export function recordStridedCopy(ctx: KernelContext, copy: StridedCopy, src: GPUBuffer, dst: GPUBuffer): void {
  const c = coalesce(copy);
  const total = c.shape.reduce((a, b) => a * b, 1);
  if (total === 0) return;
  ctx.dispatch({
    pipeline: { shader: 'strided_copy' },
    buffers: [src, ctx.runtime.uploadTemp(Uint32Array.from([...c.shape, ...c.srcStrides, ...c.dstStrides, 0])), dst],
    uniforms: packUniforms([{ u: total }, { u: c.shape.length }, { u: c.srcOffset }, { u: c.dstOffset }]),
    workgroups: grid1d(Math.ceil(total / 256)),
  });
}

