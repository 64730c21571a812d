// adamw_step on WebGPU (src/wgsl/adamw.wgsl), updating param, m and v in place.
import { type AdamwAttrs, adamwScalars } from '../../../ops/adamw.js';
import { contiguousCopy } from '../../../ops/strided.js';
import { type GpuKernel, grid1d, packUniforms } from '../kernel.js';
import { recordStridedCopy } from './strided_copy.js';

// inputs param, grad, m, v -> outputs param, m, v (normally the same buffers: see OpDef.inplace)
export const adamw_step: GpuKernel = (ctx, [param, grad, m, v], outs, attrs) => {
  const a = attrs as AdamwAttrs;
  const n = param.shape.reduce((x, y) => x * y, 1);
  // A caller that passes separate outputs gets the inputs copied into them first.
  [param, m, v].forEach((t, k) => {
    if (outs[k].buffer !== t.buffer) recordStridedCopy(ctx, contiguousCopy([n]), t.buffer, outs[k].buffer);
  });
  const s = adamwScalars(a);
  ctx.dispatch({
    pipeline: { shader: 'adamw' },
    buffers: [outs[0].buffer, grad.buffer, outs[1].buffer, outs[2].buffer],
    uniforms: packUniforms([
      { u: n }, { f: a.beta1 }, { f: a.beta2 }, { f: 1 - a.beta1 },
      { f: 1 - a.beta2 }, { f: s.decay }, { f: s.stepSize }, { f: s.bias2Sqrt },
      { f: a.eps }, { u: 0 }, { u: 0 }, { u: 0 },
    ]),
    workgroups: grid1d(Math.ceil(n / 256)),
  });
};
