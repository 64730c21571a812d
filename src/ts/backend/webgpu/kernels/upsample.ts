// Upsampling on WebGPU (src/wgsl/upsample.wgsl): the per-axis taps of src/ts/ops/upsample.ts as tables.
import { type AxisTap, type UpsampleAttrs, type UpsampleMode, axisTaps } from '../../../ops/upsample.js';
import { type GpuKernel, grid1d } from '../kernel.js';
import { inverseRanges, joinTables, planeGridDefines, planeGridUniforms } from './inverse_ranges.js';

function tapTable(taps: AxisTap[]): Uint32Array {
  const words = new Uint32Array(4 * taps.length);
  const weights = new Float32Array(words.buffer);
  taps.forEach((t, o) => {
    words[4 * o] = t.i0;
    words[4 * o + 1] = t.i1;
    weights[4 * o + 2] = t.w0;
    weights[4 * o + 3] = t.w1;
  });
  return words;
}

function upsampleKernels(mode: UpsampleMode): [GpuKernel, GpuKernel] {
  const tables = (x: number[], y: number[], a: UpsampleAttrs) => [axisTaps(mode, x[2], y[2], a.coord_scale[0]), axisTaps(mode, x[3], y[3], a.coord_scale[1])];
  const uniforms = (total: number, x: number[], y: number[]) => planeGridUniforms(total, x[2], x[3], y[2], y[3]);
  const forward: GpuKernel = (ctx, [x], [y], attrs) => {
    const [th, tw] = tables(x.shape, y.shape, attrs as UpsampleAttrs);
    const total = y.shape.reduce((a, b) => a * b, 1);
    ctx.dispatch({
      pipeline: { shader: 'upsample', entryPoint: 'forward', constants: { NEAREST: mode === 'nearest' ? 1 : 0 }, defines: planeGridDefines() },
      buffers: [x.buffer, ctx.runtime.uploadTemp(joinTables([tapTable(th), tapTable(tw)])), y.buffer],
      uniforms: uniforms(total, x.shape, y.shape),
      workgroups: grid1d(Math.ceil(total / 256)),
    });
  };
  // inputs x, y, dy -> dx
  const backward: GpuKernel = (ctx, [x, , dy], [dx], attrs) => {
    const [th, tw] = tables(x.shape, dy.shape, attrs as UpsampleAttrs);
    const inv = joinTables([inverseRanges(x.shape[2], th.length, (o) => [th[o].i0, th[o].i1]), inverseRanges(x.shape[3], tw.length, (o) => [tw[o].i0, tw[o].i1])]);
    const total = x.shape.reduce((a, b) => a * b, 1);
    ctx.dispatch({
      pipeline: { shader: 'upsample', entryPoint: 'backward', defines: planeGridDefines() },
      buffers: [dy.buffer, ctx.runtime.uploadTemp(joinTables([tapTable(th), tapTable(tw)])), ctx.runtime.uploadTemp(inv), dx.buffer],
      uniforms: uniforms(total, x.shape, dy.shape),
      workgroups: grid1d(Math.ceil(total / 256)),
    });
  };
  return [forward, backward];
}

export const [upsample_bilinear2d, upsample_bilinear2d_backward] = upsampleKernels('bilinear');
export const [upsample_nearest2d, upsample_nearest2d_backward] = upsampleKernels('nearest');
