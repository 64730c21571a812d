import { matmulGeometry } from '../../../ops/matmul.js';
import type { GpuKernel } from '../kernel.js';
import { recordGemm } from './gemm.js';

/** Groups batch indices by the operand matrix they read: the pairs each gradient matrix sums. */
function groupBy(count: number, index: Int32Array, pair: (b: number) => [number, number]): [number, number][][] {
  const groups: [number, number][][] = Array.from({ length: count }, () => []);
  index.forEach((m, b) => groups[m].push(pair(b)));
  return groups;
}

export const matmul: GpuKernel = (ctx, [a, b], [out]) => {
  const g = matmulGeometry(a.shape, b.shape);
  const groups = Array.from(g.aOffsets, (ai, z): [number, number][] => [[ai, g.bOffsets[z]]]);
  // The forward is the inference product: f16 storage when the backend asks for it.
  recordGemm(ctx, { M: g.m, N: g.n, K: g.k, transA: false, transB: false, A: a.buffer, B: b.buffer, C: out.buffer, groups, f16: ctx.f16 });
};

// inputs a, b, out, dOut -> da = dOut * b^T, db = a^T * dOut (summed over broadcast batches)
export const matmul_backward: GpuKernel = (ctx, [a, b, , dy], [da, db]) => {
  const g = matmulGeometry(a.shape, b.shape);
  const aCount = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const bCount = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  recordGemm(ctx, {
    M: g.m, N: g.k, K: g.n, transA: false, transB: true, A: dy.buffer, B: b.buffer, C: da.buffer,
    groups: groupBy(aCount, g.aOffsets, (z) => [z, g.bOffsets[z]]),
  });
  recordGemm(ctx, {
    M: g.k, N: g.n, K: g.m, transA: true, transB: false, A: a.buffer, B: dy.buffer, C: db.buffer,
    groups: groupBy(bCount, g.bOffsets, (z) => [g.aOffsets[z], z]),
  });
};
