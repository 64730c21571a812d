// Records the grouped batched GEMM of src/wgsl/matmul.wgsl; shared by matmul, linear and others.
import type { KernelContext } from '../kernel.js';
import { packUniforms } from '../kernel.js';

export interface GemmProblem {
  M: number; N: number; K: number;
  transA: boolean; transB: boolean;
  A: GPUBuffer; B: GPUBuffer; C: GPUBuffer;
  /** For each output matrix, the (A matrix, B matrix) pairs whose products it sums. */
  groups: [number, number][][];
}

export function recordGemm(ctx: KernelContext, g: GemmProblem): void {
  const nGroups = g.groups.length;
  const nPairs = g.groups.reduce((s, x) => s + x.length, 0);
  const plan = new Uint32Array(nGroups + 1 + 2 * nPairs);
  let q = 0;
  g.groups.forEach((pairs, z) => {
    plan[z] = q;
    for (const [a, b] of pairs) {
      plan[nGroups + 1 + 2 * q] = a;
      plan[nGroups + 1 + 2 * q + 1] = b;
      q++;
    }
  });
  plan[nGroups] = q;
  const planBuf = ctx.runtime.uploadTemp(plan);
  ctx.dispatch({
    pipeline: { shader: 'matmul', constants: { TRANS_A: g.transA ? 1 : 0, TRANS_B: g.transB ? 1 : 0 } },
    buffers: [g.A, g.B, g.C, planBuf],
    uniforms: packUniforms([{ u: g.M }, { u: g.N }, { u: g.K }, { u: nGroups }, { u: g.M * g.K }, { u: g.K * g.N }, { u: g.M * g.N }, { u: 0 }]),
    workgroups: [Math.ceil(g.N / 64), Math.ceil(g.M / 64), nGroups],
  });
}
