// layer_norm: src/wgsl/layer_norm.wgsl. Forward and the dx pass take one workgroup per row; the
// dx pass saves each row's (mean, rstd) for the dweight/dbias pass, whose row blocks' partial sums
// are added by the reduction core.
import { lastDimRows } from '../../../ops/rows.js';
import { type GpuKernel, grid1d, packUniforms } from '../kernel.js';
import { recordReduce, tunedRowWorkgroupSize, workgroupPipeline } from './reduce.js';

/** Rows summed by one invocation of backward_params. */
const ROWS_PER_BLOCK = 32;

// x, weight, bias -> y
export const layer_norm: GpuKernel = (ctx, [x, w, b], [y], attrs) => {
  const { rows, D } = lastDimRows(x.shape);
  if (rows === 0) return;
  const WG = tunedRowWorkgroupSize(ctx, 'layer_norm', D);
  ctx.dispatch({
    pipeline: workgroupPipeline('layer_norm', 'forward', WG),
    buffers: [x.buffer, w.buffer, b.buffer, y.buffer],
    uniforms: packUniforms([{ u: rows }, { u: D }, { f: attrs.eps as number }]),
    workgroups: grid1d(rows),
  });
};

// x, weight, bias, y, dy -> dx, dweight, dbias
export const layer_norm_backward: GpuKernel = (ctx, [x, w, , , dy], [dx, dw, db], attrs) => {
  const { rows, D } = lastDimRows(x.shape);
  if (rows === 0) return;
  const stats = ctx.scratch(8 * rows);
  const WG = tunedRowWorkgroupSize(ctx, 'layer_norm_backward', D);
  ctx.dispatch({
    pipeline: workgroupPipeline('layer_norm', 'backward_rows', WG),
    buffers: [x.buffer, w.buffer, dy.buffer, dx.buffer, stats],
    uniforms: packUniforms([{ u: rows }, { u: D }, { f: attrs.eps as number }]),
    workgroups: grid1d(rows),
  });
  const blocks = Math.ceil(rows / ROWS_PER_BLOCK);
  const dwPart = blocks > 1 ? ctx.scratch(4 * blocks * D) : dw.buffer;
  const dbPart = blocks > 1 ? ctx.scratch(4 * blocks * D) : db.buffer;
  ctx.dispatch({
    pipeline: workgroupPipeline('layer_norm', 'backward_params', 256),
    buffers: [x.buffer, dy.buffer, stats, dwPart, dbPart],
    uniforms: packUniforms([{ u: rows }, { u: D }, { u: ROWS_PER_BLOCK }, { u: blocks }]),
    workgroups: grid1d(Math.ceil((blocks * D) / 256)),
  });
  if (blocks > 1) {
    recordReduce(ctx, { x: dwPart, out: dw.buffer, shape: [blocks, D], reduced: [true, false], scale: 1 });
    recordReduce(ctx, { x: dbPart, out: db.buffer, shape: [blocks, D], reduced: [true, false], scale: 1 });
  }
};
