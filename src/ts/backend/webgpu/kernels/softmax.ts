// softmax / log_softmax over the last dim: src/wgsl/softmax.wgsl, one workgroup per row.
import { lastDimRows } from '../../../ops/rows.js';
import { type GpuKernel, grid1d, packUniforms } from '../kernel.js';
import { tunedRowWorkgroupSize, workgroupPipeline } from './reduce.js';

function forward(log: boolean): GpuKernel {
  return (ctx, [x], [y]) => {
    const { rows, D } = lastDimRows(x.shape);
    if (rows === 0) return;
    const WG = tunedRowWorkgroupSize(ctx, 'softmax', D);
    ctx.dispatch({
      pipeline: workgroupPipeline('softmax', 'forward', WG, { LOG: log }),
      buffers: [x.buffer, y.buffer],
      uniforms: packUniforms([{ u: rows }, { u: D }]),
      workgroups: grid1d(rows),
    });
  };
}

// x, y, dy -> dx
function backward(log: boolean): GpuKernel {
  return (ctx, [, y, dy], [dx]) => {
    const { rows, D } = lastDimRows(y.shape);
    if (rows === 0) return;
    const WG = tunedRowWorkgroupSize(ctx, 'softmax_backward', D);
    ctx.dispatch({
      pipeline: workgroupPipeline('softmax', 'backward', WG, { LOG: log }),
      buffers: [y.buffer, dy.buffer, dx.buffer],
      uniforms: packUniforms([{ u: rows }, { u: D }]),
      workgroups: grid1d(rows),
    });
  };
}

export const softmax = forward(false);
export const log_softmax = forward(true);
export const softmax_backward = backward(false);
export const log_softmax_backward = backward(true);
