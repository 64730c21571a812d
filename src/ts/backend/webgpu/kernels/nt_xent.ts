// nt_xent on WebGPU: normalise rows (src/wgsl/nt_xent.wgsl), sim = z·zᵀ on the shared GEMM, then
// the row-softmax cross-entropy of src/wgsl/losses.wgsl with the diagonal masked and each row's
// pair as its target. The 2N×2N similarity matrix lives in a scratch buffer.
import { packUniforms, type GpuKernel, type GpuTensorLike, type KernelContext, grid1d } from '../kernel.js';
import { recordGemm } from './gemm.js';
import { workgroupPipeline } from './reduce.js';
import { type SoftmaxRows, recordSoftmaxGrad, recordSoftmaxRows, recordSumScale } from './softmax_rows.js';

interface Forward {
  z: GPUBuffer;
  norms: GPUBuffer;
  rows: SoftmaxRows;
  lse: GPUBuffer;
  losses: GPUBuffer;
}

function recordForward(ctx: KernelContext, z1: GpuTensorLike, z2: GpuTensorLike, tau: number): Forward {
  const [n, d] = z1.shape, rows = 2 * n;
  const z = ctx.scratch(4 * rows * d), norms = ctx.scratch(4 * rows), sim = ctx.scratch(4 * rows * rows);
  ctx.dispatch({
    pipeline: workgroupPipeline('nt_xent', 'normalize_rows', 256),
    buffers: [z1.buffer, z2.buffer, z, norms],
    uniforms: packUniforms([{ u: n }, { u: d }, { u: 0 }, { u: 0 }]),
    workgroups: grid1d(rows),
  });
  recordGemm(ctx, { M: rows, N: rows, K: d, transA: false, transB: true, A: z, B: z, C: sim, groups: [[[0, 0]]] });
  const pairs = Float32Array.from({ length: rows }, (_, i) => (i + n) % rows);
  const softmax: SoftmaxRows = { x: sim, target: ctx.runtime.uploadTemp(pairs), rows, cols: rows, scale: 1 / tau, maskDiag: true };
  return { z, norms, rows: softmax, ...recordSoftmaxRows(ctx, softmax) };
}

export const nt_xent: GpuKernel = (ctx, [z1, z2], [loss], attrs) => {
  const f = recordForward(ctx, z1, z2, attrs.tau as number);
  recordSumScale(ctx, f.losses, f.rows.rows, 1 / f.rows.rows, loss.buffer);
};

// inputs z1, z2, loss, dloss -> dz1, dz2: G = dL/dsim, dL/dz = G·z + Gᵀ·z, then through the normalisation.
export const nt_xent_backward: GpuKernel = (ctx, [z1, z2, , dloss], [dz1, dz2], attrs) => {
  const [n, d] = z1.shape, rows = 2 * n;
  const f = recordForward(ctx, z1, z2, attrs.tau as number);
  const g = ctx.scratch(4 * rows * rows), g1 = ctx.scratch(4 * rows * d), g2 = ctx.scratch(4 * rows * d);
  recordSoftmaxGrad(ctx, f.rows, f.lse, dloss.buffer, 1 / rows, g);
  recordGemm(ctx, { M: rows, N: d, K: rows, transA: false, transB: false, A: g, B: f.z, C: g1, groups: [[[0, 0]]] });
  recordGemm(ctx, { M: rows, N: d, K: rows, transA: true, transB: false, A: g, B: f.z, C: g2, groups: [[[0, 0]]] });
  ctx.dispatch({
    pipeline: workgroupPipeline('nt_xent', 'normalize_rows_backward', 256),
    buffers: [f.z, f.norms, g1, g2, dz1.buffer, dz2.buffer],
    uniforms: packUniforms([{ u: n }, { u: d }, { u: 0 }, { u: 0 }]),
    workgroups: grid1d(rows),
  });
};
