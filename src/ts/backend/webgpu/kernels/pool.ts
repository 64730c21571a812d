// Pooling on WebGPU (src/wgsl/pool.wgsl): the per-axis windows of src/ts/ops/pool.ts as tables.
import { type AxisWindow, type PoolAttrs, type PoolKind, poolWindows } from '../../../ops/pool.js';
import { type GpuKernel, type GpuTensorLike, type KernelContext, grid1d } from '../kernel.js';
import { inverseRanges, joinTables, planeGridDefines, planeGridUniforms } from './inverse_ranges.js';

function windowTable(ws: AxisWindow[]): Uint32Array {
  return Uint32Array.from(ws.flatMap((w) => [w.first, w.step, w.count, w.divisor]));
}

function taps(w: AxisWindow): number[] {
  return Array.from({ length: w.count }, (_, t) => w.first + t * w.step);
}

function record(ctx: KernelContext, kind: PoolKind, x: GpuTensorLike, yShape: number[], attrs: PoolAttrs, buffers: GPUBuffer[], backward: boolean): void {
  const [n, c, h, w] = x.shape, [oh, ow] = [yShape[2], yShape[3]];
  const [wh, ww] = poolWindows(kind, x.shape, yShape, attrs);
  const win = ctx.runtime.uploadTemp(joinTables([windowTable(wh), windowTable(ww)]));
  const total = backward ? n * c * h * w : n * c * oh * ow;
  const tables = backward
    ? [win, ctx.runtime.uploadTemp(joinTables([inverseRanges(h, oh, (o) => taps(wh[o])), inverseRanges(w, ow, (o) => taps(ww[o]))]))]
    : [win];
  const [io, out] = backward ? [buffers.slice(0, 2), buffers[2]] : [buffers.slice(0, 1), buffers[1]];
  ctx.dispatch({
    pipeline: { shader: 'pool', entryPoint: backward ? 'backward' : 'forward', constants: { MAX: kind === 'max' ? 1 : 0 }, defines: planeGridDefines() },
    buffers: [...io, ...tables, out],
    uniforms: planeGridUniforms(total, h, w, oh, ow),
    workgroups: grid1d(Math.ceil(total / 256)),
  });
}

function poolKernels(kind: PoolKind): [GpuKernel, GpuKernel] {
  return [
    (ctx, [x], [y], attrs) => record(ctx, kind, x, y.shape, attrs as PoolAttrs, [x.buffer, y.buffer], false),
    // inputs x, y, dy -> dx
    (ctx, [x, , dy], [dx], attrs) => record(ctx, kind, x, dy.shape, attrs as PoolAttrs, [x.buffer, dy.buffer, dx.buffer], true),
  ];
}

export const [max_pool2d, max_pool2d_backward] = poolKernels('max');
export const [avg_pool2d, avg_pool2d_backward] = poolKernels('avg');
export const [adaptive_avg_pool2d, adaptive_avg_pool2d_backward] = poolKernels('adaptive');
