// l2_normalize on WebGPU (src/wgsl/l2_normalize.wgsl): one workgroup per row of the last dim.
import { lastDimRows } from '../../../ops/rows.js';
import { type GpuKernel, grid1d, packUniforms } from '../kernel.js';
import { tunedRowWorkgroupSize, workgroupPipeline } from './reduce.js';

export const l2_normalize: GpuKernel = (ctx, [x], [y], attrs) => {
  const { rows, D } = lastDimRows(x.shape);
  if (rows === 0) return;
  ctx.dispatch({
    pipeline: workgroupPipeline('l2_normalize', 'forward', tunedRowWorkgroupSize(ctx, 'l2_normalize', D)),
    buffers: [x.buffer, y.buffer],
    uniforms: packUniforms([{ u: rows }, { u: D }, { f: attrs.eps as number }]),
    workgroups: grid1d(rows),
  });
};

// inputs x, y, dy -> dx
export const l2_normalize_backward: GpuKernel = (ctx, [x, , dy], [dx], attrs) => {
  const { rows, D } = lastDimRows(x.shape);
  if (rows === 0) return;
  ctx.dispatch({
    pipeline: workgroupPipeline('l2_normalize', 'backward', tunedRowWorkgroupSize(ctx, 'l2_normalize_backward', D)),
    buffers: [x.buffer, dy.buffer, dx.buffer],
    uniforms: packUniforms([{ u: rows }, { u: D }, { f: attrs.eps as number }]),
    workgroups: grid1d(rows),
  });
};
