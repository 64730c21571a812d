// Records src/wgsl/elementwise.wgsl: the broadcasting binary op and the activations.
import { broadcastStrides } from '../../../ops/broadcast.js';
import { numel } from '../../../tensor.js';
import { type KernelContext, grid1d, packUniforms } from '../kernel.js';

/** elementwise.wgsl's binary OP codes; NEG_MUL (−a·b) serves div's gradient. */
export const BinaryCode = { add: 0, sub: 1, mul: 2, div: 3, negMul: 4 } as const;
export type BinaryCode = (typeof BinaryCode)[keyof typeof BinaryCode];

/** elementwise.wgsl's activation OP codes. */
export const ActivationCode = { relu: 0, sigmoid: 1, tanh: 2, gelu: 3, geluTanh: 4 } as const;
export type ActivationCode = (typeof ActivationCode)[keyof typeof ActivationCode];

export interface Operand {
  buffer: GPUBuffer;
  shape: readonly number[];
}

const WG = 256;

/**
 * Output dims (innermost first) as [size, strideA, strideB]: size-1 dims dropped, neighbours merged
 * where both operands continue contiguously (or both stay broadcast).
 */
export function coalesceBroadcast(out: readonly number[], a: readonly number[], b: readonly number[]): [number, number, number][] {
  const sa = broadcastStrides(a, out), sb = broadcastStrides(b, out);
  const dims: [number, number, number][] = [];
  for (let d = out.length - 1; d >= 0; d--) {
    if (out[d] === 1) continue;
    const inner = dims[dims.length - 1];
    if (inner && sa[d] === inner[1] * inner[0] && sb[d] === inner[2] * inner[0]) inner[0] *= out[d];
    else dims.push([out[d], sa[d], sb[d]]);
  }
  return dims;
}

/** out = op(a, b) with a and b broadcast to outShape. */
export function recordBinary(ctx: KernelContext, op: BinaryCode, a: Operand, b: Operand, out: GPUBuffer, outShape: readonly number[]): void {
  const n = numel(outShape);
  if (n === 0) return;
  const dims = coalesceBroadcast(outShape, a.shape, b.shape);
  ctx.dispatch({
    pipeline: { shader: 'elementwise', entryPoint: 'binary', constants: { OP: op } },
    buffers: [a.buffer, b.buffer, out, ctx.runtime.uploadTemp(Uint32Array.from(dims.flat()))],
    uniforms: packUniforms([{ u: n }, { u: dims.length }]),
    workgroups: grid1d(Math.ceil(n / WG)),
  });
}

/** y = act(x) over n elements. */
export function recordActivation(ctx: KernelContext, op: ActivationCode, x: GPUBuffer, y: GPUBuffer, n: number): void {
  if (n === 0) return;
  ctx.dispatch({
    pipeline: { shader: 'elementwise', entryPoint: 'unary', constants: { OP: op } },
    buffers: [x, y],
    uniforms: packUniforms([{ u: n }]),
    workgroups: grid1d(Math.ceil(n / WG)),
  });
}

/** dx = act'(x, y)·dy over n elements. */
export function recordActivationBackward(ctx: KernelContext, op: ActivationCode, x: GPUBuffer, y: GPUBuffer, dy: GPUBuffer, dx: GPUBuffer, n: number): void {
  if (n === 0) return;
  ctx.dispatch({
    pipeline: { shader: 'elementwise', entryPoint: 'unary_backward', constants: { OP: op } },
    buffers: [x, y, dy, dx],
    uniforms: packUniforms([{ u: n }]),
    workgroups: grid1d(Math.ceil(n / WG)),
  });
}
