// batch_norm: per-channel sums by the reduction core (two-pass: mean, then centred squares), then
// src/wgsl/batch_norm.wgsl turns them into per-channel coefficients and applies them.
import { batchNormGeometry } from '../../../ops/batch_norm.js';
import { numel } from '../../../tensor.js';
import { type GpuKernel, type GpuTensorLike, type KernelContext, grid1d, packUniforms } from '../kernel.js';
import { ReduceTerm, recordReduce } from './reduce.js';

interface ChannelStats {
  mean: GPUBuffer;
  variance: GPUBuffer;
}

/** Batch mean and biased variance (training) or the running statistics (eval). */
function channelStats(ctx: KernelContext, x: GpuTensorLike, rm: GpuTensorLike, rv: GpuTensorLike, training: boolean): ChannelStats {
  if (!training) return { mean: rm.buffer, variance: rv.buffer };
  const { N, C, S } = batchNormGeometry(x.shape);
  const shape = [N, C, S], reduced = [true, false, true], scale = 1 / (N * S);
  const mean = ctx.scratch(4 * C), variance = ctx.scratch(4 * C);
  recordReduce(ctx, { x: x.buffer, out: mean, shape, reduced, scale });
  recordReduce(ctx, { term: ReduceTerm.centeredSquare, x: x.buffer, shift: mean, out: variance, shape, reduced, scale });
  return { mean, variance };
}

/** out = α·p + β·(q − μ) + δ per channel. */
function recordApply(ctx: KernelContext, p: GPUBuffer, q: GPUBuffer, coefs: GPUBuffer, out: GPUBuffer, shape: number[]): void {
  const { C, S } = batchNormGeometry(shape);
  const n = numel(shape);
  if (n === 0) return;
  ctx.dispatch({
    pipeline: { shader: 'batch_norm', entryPoint: 'apply' },
    buffers: [p, q, coefs, out],
    uniforms: packUniforms([{ u: n }, { u: C }, { u: Math.max(S, 1) }]),
    workgroups: grid1d(Math.ceil(n / 256)),
  });
}

function coefUniforms(shape: number[], attrs: Record<string, unknown>): ArrayBuffer {
  const { N, C, S } = batchNormGeometry(shape);
  return packUniforms([{ u: C }, { u: N * S }, { u: attrs.training ? 1 : 0 }, { f: attrs.eps as number }, { f: attrs.momentum as number }]);
}

// x, weight, bias, running_mean, running_var -> y, new_running_mean, new_running_var
export const batch_norm: GpuKernel = (ctx, [x, w, b, rm, rv], [y, newMean, newVar], attrs) => {
  const { C } = batchNormGeometry(x.shape);
  if (C === 0) return;
  const st = channelStats(ctx, x, rm, rv, !!attrs.training);
  const coefs = ctx.scratch(16 * C);
  ctx.dispatch({
    pipeline: { shader: 'batch_norm', entryPoint: 'forward_coefs' },
    buffers: [st.mean, st.variance, w.buffer, b.buffer, rm.buffer, rv.buffer, coefs, newMean.buffer, newVar.buffer],
    uniforms: coefUniforms(x.shape, attrs),
    workgroups: [Math.ceil(C / 64)],
  });
  recordApply(ctx, x.buffer, x.buffer, coefs, y.buffer, x.shape);
};

// x, weight, bias, running_mean, running_var, y, new_mean, new_var, dy, dnew_mean, dnew_var
// -> dx, dweight, dbias (the running statistics are not differentiated, as in PyTorch)
export const batch_norm_backward: GpuKernel = (ctx, [x, w, , rm, rv, , , , dy], [dx, dw, db], attrs) => {
  const { N, C, S } = batchNormGeometry(x.shape);
  if (C === 0) return;
  const st = channelStats(ctx, x, rm, rv, !!attrs.training);
  const shape = [N, C, S], reduced = [true, false, true];
  const sumDy = ctx.scratch(4 * C), sumDyCentered = ctx.scratch(4 * C), coefs = ctx.scratch(16 * C);
  recordReduce(ctx, { x: dy.buffer, out: sumDy, shape, reduced, scale: 1 });
  recordReduce(ctx, { term: ReduceTerm.centeredProduct, x: x.buffer, y: dy.buffer, shift: st.mean, out: sumDyCentered, shape, reduced, scale: 1 });
  ctx.dispatch({
    pipeline: { shader: 'batch_norm', entryPoint: 'backward_coefs' },
    buffers: [st.mean, st.variance, w.buffer, sumDy, sumDyCentered, coefs, dw.buffer, db.buffer],
    uniforms: coefUniforms(x.shape, attrs),
    workgroups: [Math.ceil(C / 64)],
  });
  recordApply(ctx, dy.buffer, x.buffer, coefs, dx.buffer, x.shape);
};
