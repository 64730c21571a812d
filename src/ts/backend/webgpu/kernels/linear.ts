// linear on WebGPU: the GEMM of matmul.wgsl (y = x · wᵀ), then src/wgsl/linear.wgsl's in-place
// bias/activation epilogue; the backward is two GEMMs and a column sum for the bias.
import { type LinearActivation, type LinearAttrs, linearGeometry } from '../../../ops/linear.js';
import { type GpuKernel, type KernelContext, grid1d, packUniforms } from '../kernel.js';
import { wgslSource } from '../pipelines.js';
import { recordGemm } from './gemm.js';

// The activation codes of elementwise.wgsl's OP ("activation OP: 0 relu, ... 3 gelu (erf), 4 gelu (tanh)").
const ELEMENTWISE_OP: Record<Exclude<LinearActivation, 'none'>, number> = { relu: 0, gelu: 3, gelu_tanh: 4 };

function linearPipeline(entryPoint: string, constants: Record<string, number>) {
  return { shader: 'linear', entryPoint, constants, defines: { ELEMENTWISE: wgslSource('elementwise') } };
}

function recordEpilogue(ctx: KernelContext, y: GPUBuffer, bias: GPUBuffer | undefined, rows: number, cols: number, activation: LinearActivation): void {
  const n = rows * cols;
  if (n === 0 || (!bias && activation === 'none')) return;
  const constants = { HAS_BIAS: bias ? 1 : 0, ACTIVATE: activation === 'none' ? 0 : 1, OP: activation === 'none' ? 0 : ELEMENTWISE_OP[activation] };
  ctx.dispatch({
    pipeline: linearPipeline('epilogue', constants),
    buffers: [y, bias ?? ctx.scratch(16)], // the bias binding exists in every variant
    uniforms: packUniforms([{ u: rows }, { u: cols }, { u: 0 }, { u: 0 }]),
    workgroups: grid1d(Math.ceil(n / 256)),
  });
}

// linear: x[..., I], w[O, I], bias?[O] -> y[..., O]
export const linear: GpuKernel = (ctx, [x, w, bias], [y], attrs) => {
  const g = linearGeometry(x.shape, w.shape);
  recordGemm(ctx, { M: g.rows, N: g.outF, K: g.inF, transA: false, transB: true, A: x.buffer, B: w.buffer, C: y.buffer, groups: [[[0, 0]]] });
  recordEpilogue(ctx, y.buffer, bias?.buffer, g.rows, g.outF, (attrs as LinearAttrs).activation);
};

// linear_backward: x, w, bias?, y, dy -> dx = dy · w, dw = dyᵀ · x, dbias = Σ_rows dy
export const linear_backward: GpuKernel = (ctx, inputs, [dx, dw, dbias]) => {
  const [x, w] = inputs, dy = inputs[inputs.length - 1];
  const g = linearGeometry(x.shape, w.shape);
  recordGemm(ctx, { M: g.rows, N: g.inF, K: g.outF, transA: false, transB: false, A: dy.buffer, B: w.buffer, C: dx.buffer, groups: [[[0, 0]]] });
  recordGemm(ctx, { M: g.outF, N: g.inF, K: g.rows, transA: true, transB: false, A: dy.buffer, B: x.buffer, C: dw.buffer, groups: [[[0, 0]]] });
  if (dbias && g.outF > 0) {
    ctx.dispatch({
      pipeline: linearPipeline('bias_grad', {}),
      buffers: [dy.buffer, dbias.buffer],
      uniforms: packUniforms([{ u: g.rows }, { u: g.outF }, { u: 0 }, { u: 0 }]),
      workgroups: grid1d(Math.ceil(g.outF / 256)),
    });
  }
};
