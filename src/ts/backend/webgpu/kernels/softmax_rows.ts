// The row-softmax cross-entropy shared by cross_entropy and nt_xent, and the final mean of a
// loss (src/wgsl/losses.wgsl: ce_rows, ce_grad, sum_scale).
import { type KernelContext, grid1d, packUniforms } from '../kernel.js';
import type { PipelineVariant } from '../pipelines.js';
import { workgroupPipeline } from './reduce.js';

/** A losses.wgsl entry point: its sums splice in workgroup_reduce.wgsl, at 256 invocations per workgroup. */
export function lossesPipeline(entryPoint: string): PipelineVariant {
  return workgroupPipeline('losses', entryPoint, 256);
}

/** Rows of scale·x[rows, cols] against target[row] (class indices as f32), column `row` masked when maskDiag. */
export interface SoftmaxRows {
  x: GPUBuffer;
  target: GPUBuffer;
  rows: number;
  cols: number;
  scale: number;
  maskDiag: boolean;
}

function ceUniforms(s: SoftmaxRows, weight: number): ArrayBuffer {
  return packUniforms([{ u: s.rows }, { u: s.cols }, { f: s.scale }, { u: s.maskDiag ? 1 : 0 }, { f: weight }, { u: 0x7fc00000 }, { u: 0 }, { u: 0 }]);
}

/** Each row's log-sum-exp and cross-entropy into scratch buffers of `rows` floats. */
export function recordSoftmaxRows(ctx: KernelContext, s: SoftmaxRows): { lse: GPUBuffer; losses: GPUBuffer } {
  const lse = ctx.scratch(4 * s.rows), losses = ctx.scratch(4 * s.rows);
  ctx.dispatch({
    pipeline: lossesPipeline('ce_rows'),
    buffers: [s.x, s.target, lse, losses],
    uniforms: ceUniforms(s, 0),
    workgroups: grid1d(s.rows),
  });
  return { lse, losses };
}

/** grad = dloss[0]·weight·d(Σ loss_i)/dx, x unscaled (needs the rows' lse). */
export function recordSoftmaxGrad(ctx: KernelContext, s: SoftmaxRows, lse: GPUBuffer, dloss: GPUBuffer, weight: number, grad: GPUBuffer): void {
  ctx.dispatch({
    pipeline: lossesPipeline('ce_grad'),
    buffers: [s.x, s.target, lse, dloss, grad],
    uniforms: ceUniforms(s, weight),
    workgroups: grid1d(Math.ceil((s.rows * s.cols) / 256)),
  });
}

/** out[0] = scale · Σ values[0..count). */
export function recordSumScale(ctx: KernelContext, values: GPUBuffer, count: number, scale: number, out: GPUBuffer): void {
  ctx.dispatch({
    pipeline: lossesPipeline('sum_scale'),
    buffers: [values, out],
    uniforms: packUniforms([{ u: count }, { f: scale }, { u: 0 }, { u: 0 }]),
    workgroups: [1],
  });
}
