// dropout on WebGPU (src/wgsl/dropout.wgsl): the mask from the same hash as the reference.
import { type DropoutAttrs, dropoutScalars } from '../../../ops/dropout.js';
import { numel } from '../../../tensor.js';
import { type GpuKernel, grid1d, packUniforms } from '../kernel.js';

function uniforms(n: number, a: DropoutAttrs): ArrayBuffer {
  const s = dropoutScalars(a);
  return packUniforms([{ u: n }, { u: s.seedHash }, { u: s.threshold }, { f: s.keptScale }]);
}

// x -> y, mask
export const dropout: GpuKernel = (ctx, [x], [y, mask], attrs) => {
  const n = numel(x.shape);
  if (n === 0) return;
  ctx.dispatch({ pipeline: { shader: 'dropout', entryPoint: 'forward' }, buffers: [x.buffer, y.buffer, mask.buffer], uniforms: uniforms(n, attrs as DropoutAttrs), workgroups: grid1d(Math.ceil(n / 256)) });
};

// inputs x, y, mask, dy, dmask -> dx = dy·mask
export const dropout_backward: GpuKernel = (ctx, [x, , mask, dy], [dx], attrs) => {
  const n = numel(x.shape);
  if (n === 0) return;
  ctx.dispatch({ pipeline: { shader: 'dropout', entryPoint: 'backward' }, buffers: [mask.buffer, dy.buffer, dx.buffer], uniforms: uniforms(n, attrs as DropoutAttrs), workgroups: grid1d(Math.ceil(n / 256)) });
};
