// Scalar losses on WebGPU (src/wgsl/losses.wgsl); every mean ends in one sum_scale dispatch.
import { numel } from '../../../tensor.js';
import { type GpuKernel, type KernelContext, grid1d, packUniforms } from '../kernel.js';
import { type SoftmaxRows, lossesPipeline, recordSoftmaxGrad, recordSoftmaxRows, recordSumScale } from './softmax_rows.js';

/** Elements each workgroup of a partial-sum pass reduces. */
const CHUNK = 4096;

function chunkUniforms(o: { n: number; chunks?: number; samples?: number; smooth?: number; weight?: number; hasWeight?: boolean }): ArrayBuffer {
  return packUniforms([
    { u: o.n }, { u: CHUNK }, { u: o.chunks ?? 0 }, { u: o.samples ?? 1 },
    { f: o.smooth ?? 0 }, { f: o.weight ?? 0 }, { u: o.hasWeight ? 1 : 0 }, { u: 0 },
  ]);
}

export const cross_entropy: GpuKernel = (ctx, [logits, target], [loss]) => {
  const [n, c] = logits.shape;
  const { losses } = recordSoftmaxRows(ctx, { x: logits.buffer, target: target.buffer, rows: n, cols: c, scale: 1, maskDiag: false });
  recordSumScale(ctx, losses, n, 1 / n, loss.buffer);
};

// inputs logits, target, loss, dloss -> dlogits
export const cross_entropy_backward: GpuKernel = (ctx, [logits, target, , dloss], [dlogits]) => {
  const [n, c] = logits.shape;
  const rows: SoftmaxRows = { x: logits.buffer, target: target.buffer, rows: n, cols: c, scale: 1, maskDiag: false };
  const { lse } = recordSoftmaxRows(ctx, rows);
  recordSoftmaxGrad(ctx, rows, lse, dloss.buffer, 1 / n, dlogits.buffer);
};

// inputs x, y, weight? -> loss; without a weight its binding holds x, unread
export const bce_with_logits: GpuKernel = (ctx, [x, y, w], [loss]) => {
  const n = numel(x.shape), chunks = Math.ceil(n / CHUNK);
  const partials = ctx.scratch(4 * chunks);
  ctx.dispatch({
    pipeline: lossesPipeline('bce_partials'),
    buffers: [x.buffer, y.buffer, (w ?? x).buffer, partials],
    uniforms: chunkUniforms({ n, chunks, hasWeight: w !== undefined }),
    workgroups: grid1d(chunks),
  });
  recordSumScale(ctx, partials, chunks, 1 / n, loss.buffer);
};

// inputs x, y, weight?, loss, dloss -> dx
export const bce_with_logits_backward: GpuKernel = (ctx, inputs, [dx]) => {
  const [x, y] = inputs, w = inputs.length === 5 ? inputs[2] : undefined, dloss = inputs[inputs.length - 1];
  const n = numel(x.shape);
  ctx.dispatch({
    pipeline: lossesPipeline('bce_grad'),
    buffers: [x.buffer, y.buffer, (w ?? x).buffer, dloss.buffer, dx.buffer],
    uniforms: chunkUniforms({ n, weight: 1 / n, hasWeight: w !== undefined }),
    workgroups: grid1d(Math.ceil(n / 256)),
  });
};

/** Per-sample dice sums (I, S, Y) and losses into scratch buffers. */
function recordDiceRows(ctx: KernelContext, x: GPUBuffer, y: GPUBuffer, shape: number[], smooth: number): { stats: GPUBuffer; losses: GPUBuffer; samples: number; m: number } {
  const samples = shape[0], m = numel(shape) / samples, chunks = Math.ceil(m / CHUNK);
  const partials = ctx.scratch(12 * samples * chunks), stats = ctx.scratch(12 * samples), losses = ctx.scratch(4 * samples);
  const uniforms = chunkUniforms({ n: m, chunks, samples, smooth });
  ctx.dispatch({ pipeline: lossesPipeline('dice_partials'), buffers: [x, y, partials], uniforms, workgroups: grid1d(samples * chunks) });
  ctx.dispatch({ pipeline: lossesPipeline('dice_rows'), buffers: [partials, stats, losses], uniforms, workgroups: [Math.ceil(samples / 64)] });
  return { stats, losses, samples, m };
}

export const dice_loss: GpuKernel = (ctx, [x, y], [loss], attrs) => {
  const { losses, samples } = recordDiceRows(ctx, x.buffer, y.buffer, x.shape, attrs.smooth as number);
  recordSumScale(ctx, losses, samples, 1 / samples, loss.buffer);
};

// inputs x, y, loss, dloss -> dx
export const dice_loss_backward: GpuKernel = (ctx, [x, y, , dloss], [dx], attrs) => {
  const smooth = attrs.smooth as number;
  const { stats, samples, m } = recordDiceRows(ctx, x.buffer, y.buffer, x.shape, smooth);
  ctx.dispatch({
    pipeline: lossesPipeline('dice_grad'),
    buffers: [x.buffer, y.buffer, stats, dloss.buffer, dx.buffer],
    uniforms: chunkUniforms({ n: m, samples, smooth, weight: 1 / samples }),
    workgroups: grid1d(Math.ceil((samples * m) / 256)),
  });
};
