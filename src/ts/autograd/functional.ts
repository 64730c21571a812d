// Typed wrappers over the op table for model code (the `F` of torch.nn.functional). Each call runs
// the op on the inputs' backend and, when the current graph records, appends it to the tape.
import type { Backend } from '../backend/backend.js';
import { CefmError } from '../errors.js';
import type { Attrs } from '../ops/op.js';
import { getOp } from '../ops/registry.js';
import type { HostTensor } from '../tensor.js';
import { Graph } from './graph.js';
import { Tensor } from './tensor.js';

/** Apply op `name`; absent optional inputs (undefined/null) are left out as the kernels expect. */
export function apply(name: string, inputs: (Tensor | null | undefined)[], attrs: Attrs = {}): Tensor[] {
  const present = inputs.filter((t): t is Tensor => !!t);
  if (!present.length) throw new CefmError(`${name}: no inputs`);
  const be = present[0].backend;
  const outs = be.op(name, present.map((t) => t.value), attrs);
  const def = getOp(name);
  const graph = Graph.current;
  const needGrad = !!graph?.grad && !!def.differentiable && present.some((t) => t.requiresGrad);
  const tensors = outs.map((o, k) => new Tensor(o, needGrad && (def.gradOutputs?.[k] ?? true)));
  if (graph) tensors.forEach((t) => graph.own(t));
  if (needGrad) graph!.record(name, attrs, present, tensors);
  return tensors;
}

const one = (name: string, inputs: (Tensor | null | undefined)[], attrs: Attrs = {}): Tensor => apply(name, inputs, attrs)[0];

/** A constant input (no gradient) owned by the current graph. */
export function constant(be: Backend, t: HostTensor): Tensor {
  const x = new Tensor(be.upload(t), false);
  Graph.current?.own(x);
  return x;
}

export type Pair = number | [number, number];

export const matmul = (a: Tensor, b: Tensor) => one('matmul', [a, b]);
export const linear = (x: Tensor, w: Tensor, b?: Tensor | null) => one('linear', [x, w, b]);
export const conv2d = (x: Tensor, w: Tensor, b: Tensor | null | undefined, o: { stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number } = {}) =>
  one('conv2d', [x, w, b], o as Attrs);
export const convTranspose2d = (
  x: Tensor, w: Tensor, b: Tensor | null | undefined,
  o: { stride?: Pair; padding?: Pair; output_padding?: Pair; dilation?: Pair; groups?: number } = {},
) => one('conv_transpose2d', [x, w, b], o as Attrs);
export const attention = (q: Tensor, k: Tensor, v: Tensor, scale?: number) => one('attention', [q, k, v], scale === undefined ? {} : { scale });
export const layerNorm = (x: Tensor, w: Tensor, b: Tensor, eps = 1e-5) => one('layer_norm', [x, w, b], { eps });

/** Batch norm; returns y and the updated running statistics (unchanged in eval mode). */
export function batchNorm(x: Tensor, w: Tensor, b: Tensor, runningMean: Tensor, runningVar: Tensor, o: { training: boolean; momentum?: number; eps?: number }): [Tensor, Tensor, Tensor] {
  const [y, rm, rv] = apply('batch_norm', [x, w, b, runningMean, runningVar], { training: o.training ? 1 : 0, momentum: o.momentum ?? 0.1, eps: o.eps ?? 1e-5 });
  return [y, rm, rv];
}

export const softmax = (x: Tensor) => one('softmax', [x]);
export const logSoftmax = (x: Tensor) => one('log_softmax', [x]);
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none') => one('gelu', [x], { approximate });
export const relu = (x: Tensor) => one('relu', [x]);
export const sigmoid = (x: Tensor) => one('sigmoid', [x]);
export const tanh = (x: Tensor) => one('tanh', [x]);
export const add = (a: Tensor, b: Tensor) => one('add', [a, b]);
export const sub = (a: Tensor, b: Tensor) => one('sub', [a, b]);
export const mul = (a: Tensor, b: Tensor) => one('mul', [a, b]);
export const div = (a: Tensor, b: Tensor) => one('div', [a, b]);
export const sum = (x: Tensor, dims: number[] = [], keepdim = false) => one('sum', [x], { dims, keepdim: keepdim ? 1 : 0 });
export const mean = (x: Tensor, dims: number[] = [], keepdim = false) => one('mean', [x], { dims, keepdim: keepdim ? 1 : 0 });
/** y = alpha·x + beta. */
export const scale = (x: Tensor, alpha: number, beta = 0) => one('scale', [x], { alpha, beta });

export const maxPool2d = (x: Tensor, kernel: Pair, stride?: Pair, padding: Pair = 0) =>
  one('max_pool2d', [x], { kernel, ...(stride === undefined ? {} : { stride }), padding } as Attrs);
export const avgPool2d = (x: Tensor, kernel: Pair, stride?: Pair, padding: Pair = 0) =>
  one('avg_pool2d', [x], { kernel, ...(stride === undefined ? {} : { stride }), padding } as Attrs);
export const adaptiveAvgPool2d = (x: Tensor, size: Pair) => one('adaptive_avg_pool2d', [x], { output_size: size } as Attrs);
export const upsampleBilinear = (x: Tensor, size: [number, number]) => one('upsample_bilinear2d', [x], { size });
export const upsampleNearest = (x: Tensor, size: [number, number]) => one('upsample_nearest2d', [x], { size });

export const concat = (xs: Tensor[], dim: number) => one('concat', xs, { dim });
export const permute = (x: Tensor, dims: number[]) => one('permute', [x], { dims });
export const transpose = (x: Tensor, dim0: number, dim1: number) => one('transpose', [x], { dim0, dim1 });
export const reshape = (x: Tensor, shape: number[]) => one('reshape', [x], { shape });
/** x.narrow(dim, start, length). */
export const slice = (x: Tensor, dim: number, start: number, length: number) => one('slice', [x], { dim, start, length });
/** F.normalize(x, dim=-1). */
export const l2Normalize = (x: Tensor, eps = 1e-12) => one('l2_normalize', [x], { eps });

export const crossEntropy = (logits: Tensor, target: Tensor) => one('cross_entropy', [logits, target]);
/** mean(weight · BCE(x, y)) as F.binary_cross_entropy_with_logits(x, y, weight). */
export const bceWithLogits = (x: Tensor, y: Tensor, weight?: Tensor | null) => one('bce_with_logits', [x, y, weight]);
export const diceLoss = (x: Tensor, y: Tensor, smooth = 1) => one('dice_loss', [x, y], { smooth });
export const ntXent = (z1: Tensor, z2: Tensor, tau: number) => one('nt_xent', [z1, z2], { tau });
