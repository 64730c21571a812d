// linear on WebGPU: one GEMM of matmul.wgsl (y = x · wᵀ) with the bias and activation fused into
// its epilogue; the backward is two GEMMs and a column sum for the bias (src/wgsl/linear.wgsl).
import { type LinearAttrs, linearGeometry } from '../../../ops/linear.js';
import { type GpuKernel, grid1d, packUniforms } from '../kernel.js';
import { recordGemm } from './gemm.js';

// linear: x[..., I], w[O, I], bias?[O] -> y[..., O]; f16 storage when the call asks for it (inference).
export const linear: GpuKernel = (ctx, [x, w, bias], [y], attrs) => {
  const g = linearGeometry(x.shape, w.shape);
  recordGemm(ctx, {
    M: g.rows, N: g.outF, K: g.inF, transA: false, transB: true, A: x.buffer, B: w.buffer, C: y.buffer, groups: [[[0, 0]]],
    bias: bias?.buffer, activation: (attrs as LinearAttrs).activation, f16: ctx.f16,
  });
};

// linear_backward: x, w, bias?, y, dy -> dx = dy · w, dw = dyᵀ · x, dbias = Σ_rows dy
export const linear_backward: GpuKernel = (ctx, inputs, [dx, dw, dbias]) => {
  const [x, w] = inputs, dy = inputs[inputs.length - 1];
  const g = linearGeometry(x.shape, w.shape);
  recordGemm(ctx, { M: g.rows, N: g.inF, K: g.outF, transA: false, transB: false, A: dy.buffer, B: w.buffer, C: dx.buffer, groups: [[[0, 0]]] });
  recordGemm(ctx, { M: g.outF, N: g.inF, K: g.rows, transA: true, transB: false, A: dy.buffer, B: x.buffer, C: dw.buffer, groups: [[[0, 0]]] });
  if (dbias && g.outF > 0) {
    ctx.dispatch({
      pipeline: { shader: 'linear', entryPoint: 'bias_grad' },
      buffers: [dy.buffer, dbias.buffer],
      uniforms: packUniforms([{ u: g.rows }, { u: g.outF }, { u: 0 }, { u: 0 }]),
      workgroups: grid1d(Math.ceil(g.outF / 256)),
    });
  }
};
