// Records src/wgsl/reduce.wgsl (the reduction core shared by sum/mean, the binary ops' gradients,
// batch_norm and layer_norm) and implements the sum / mean kernels on it.
import { keepdimShape, reducedMask } from '../../../ops/reduce.js';
import { numel } from '../../../tensor.js';
import { type GpuKernel, type KernelContext, grid1d, packUniforms } from '../kernel.js';
import type { PipelineVariant } from '../pipelines.js';
import { wgslSource } from '../pipelines.js';
import { BinaryCode, recordBinary } from './elementwise.js';

/** What each element adds: x; (x − shift[o])²; y·(x − shift[o]). */
export const ReduceTerm = { sum: 0, centeredSquare: 1, centeredProduct: 2 } as const;
export type ReduceTerm = (typeof ReduceTerm)[keyof typeof ReduceTerm];

export interface ReduceJob {
  term?: ReduceTerm;
  x: GPUBuffer;
  /** centeredProduct: the second operand, same layout as x. */
  y?: GPUBuffer;
  /** Centred terms: one value per output. */
  shift?: GPUBuffer;
  /** The kept dims in row-major order (the keepdim layout). */
  out: GPUBuffer;
  shape: readonly number[];
  reduced: readonly boolean[];
  scale: number;
}

/** A pipeline of a WGSL file that splices in workgroup_reduce.wgsl, with WG invocations per workgroup. */
export function workgroupPipeline(shader: string, entryPoint: string, wg: number, constants: Record<string, number | boolean> = {}): PipelineVariant {
  const numeric = Object.fromEntries(Object.entries(constants).map(([k, v]) => [k, Number(v)]));
  return { shader, entryPoint, constants: { WG: wg, ...numeric }, defines: { WORKGROUP_REDUCE: wgslSource('workgroup_reduce') } };
}

/**
 * Workgroup size for a kernel that reduces rows of D elements with one workgroup per row: about 4
 * elements per invocation, 32..256. A software adapter runs a workgroup as 8-lane batches that
 * switch at every barrier, so there small workgroups are several times faster (llvmpipe: softmax
 * [18912, 197] WG 16: ~75 ms, WG 256: ~1350 ms).
 */
export function rowWorkgroupSize(ctx: KernelContext, D: number): number {
  if (ctx.acquired.summary.software) return 16;
  let wg = 32;
  while (wg < 256 && wg * 4 < D) wg *= 2;
  return wg;
}

/** rowWorkgroupSize, unless the adapter's tuning table has a (valid: a power of two <= 256) value. */
export function tunedRowWorkgroupSize(ctx: KernelContext, kernel: string, D: number): number {
  const dflt = rowWorkgroupSize(ctx, D);
  const { WG } = ctx.tuning(kernel, `${D}`, { WG: dflt });
  return Number.isInteger(WG) && WG >= 1 && WG <= 256 && (WG & (WG - 1)) === 0 ? WG : dflt;
}

interface ReducePlan {
  /** [size, stride] per dim, innermost first. */
  kept: [number, number][];
  reduced: [number, number][];
  outputs: number;
  count: number;
  /** The innermost dim is reduced: each output reads contiguous runs. */
  rows: boolean;
}

/** Size-1 dims dropped, neighbours of one kind merged. */
function planReduce(shape: readonly number[], reduced: readonly boolean[]): ReducePlan {
  const runs: { size: number; stride: number; reduced: boolean }[] = [];
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    const inner = runs[runs.length - 1];
    if (inner && inner.reduced === reduced[d]) inner.size *= shape[d];
    else runs.push({ size: shape[d], stride, reduced: reduced[d] });
    stride *= shape[d];
  }
  const pick = (r: boolean): [number, number][] => runs.filter((x) => x.reduced === r).map((x): [number, number] => [x.size, x.stride]);
  const kept = pick(false), red = pick(true);
  return {
    kept,
    reduced: red,
    outputs: kept.reduce((n, [s]) => n * s, 1),
    count: red.reduce((n, [s]) => n * s, 1),
    rows: runs.length > 0 && runs[0].reduced,
  };
}

/** Invocations per workgroup of reduce_thread (no barriers: only the dispatch granularity). */
const THREAD_WG = 256;
// Enough parallel work for a GPU: split long reductions into chunks until there are about this
// many workgroups (contiguous rows) or invocations (strided columns); the chunks' partial sums
// are added by a second, small reduction.
const TARGET_WORKGROUPS = 128;
const TARGET_INVOCATIONS = 16384;

export function recordReduce(ctx: KernelContext, job: ReduceJob): void {
  const p = planReduce(job.shape, job.reduced);
  if (p.outputs === 0) return;
  const perWorkgroup = p.rows && p.count >= 64;
  const chunks = perWorkgroup
    ? Math.max(1, Math.min(Math.ceil(TARGET_WORKGROUPS / p.outputs), Math.ceil(p.count / 1024)))
    : Math.max(1, Math.min(Math.ceil(TARGET_INVOCATIONS / p.outputs), Math.ceil(p.count / 256)));
  const chunk = Math.ceil(p.count / chunks);
  const dst = chunks > 1 ? ctx.scratch(4 * p.outputs * chunks) : job.out;
  const items = p.outputs * chunks;
  const wg = perWorkgroup ? rowWorkgroupSize(ctx, chunk) : THREAD_WG;
  ctx.dispatch({
    pipeline: workgroupPipeline('reduce', perWorkgroup ? 'reduce_workgroup' : 'reduce_thread', wg, { TERM: job.term ?? ReduceTerm.sum }),
    buffers: [job.x, job.y ?? job.x, job.shift ?? job.x, dst, ctx.runtime.uploadTemp(Uint32Array.from([...p.kept.flat(), ...p.reduced.flat()]))],
    uniforms: packUniforms([
      { u: p.outputs }, { u: p.count }, { u: chunk }, { u: chunks }, { u: p.kept.length }, { u: p.reduced.length },
      { f: chunks > 1 ? 1 : job.scale },
    ]),
    workgroups: grid1d(perWorkgroup ? items : Math.ceil(items / THREAD_WG)),
  });
  if (chunks > 1) {
    // reduce_workgroup writes partials as [outputs, chunks], reduce_thread as [chunks, outputs].
    const shape = perWorkgroup ? [p.outputs, chunks] : [chunks, p.outputs];
    recordReduce(ctx, { x: dst, out: job.out, shape, reduced: perWorkgroup ? [false, true] : [true, false], scale: job.scale });
  }
}

/** Sums `full` (at outShape) over the dims along which an operand of `operandShape` was broadcast. */
export function recordSumToShape(ctx: KernelContext, full: GPUBuffer, outShape: readonly number[], operandShape: readonly number[], out: GPUBuffer, scale: number): void {
  const lead = outShape.length - operandShape.length;
  const reduced = outShape.map((_, d) => d < lead || operandShape[d - lead] === 1);
  recordReduce(ctx, { x: full, out, shape: outShape, reduced, scale });
}

function reduceForward(mean: boolean): GpuKernel {
  return (ctx, [x], [y], attrs) => {
    const dims = attrs.dims as number[];
    const reduced = reducedMask(x.shape.length, dims);
    const count = numel(x.shape) / Math.max(1, numel(keepdimShape(x.shape, dims)));
    recordReduce(ctx, { x: x.buffer, out: y.buffer, shape: x.shape, reduced, scale: mean ? 1 / count : 1 });
  };
}

// x, y, dy -> dx: dy (· 1/count) broadcast back over the reduced dims.
function reduceBackward(mean: boolean): GpuKernel {
  return (ctx, [x, , dy], [dx], attrs) => {
    const keep = keepdimShape(x.shape, attrs.dims as number[]);
    const scale = mean ? numel(keep) / numel(x.shape) : 1;
    const scalar = ctx.runtime.uploadTemp(Float32Array.of(scale));
    recordBinary(ctx, BinaryCode.mul, { buffer: dy.buffer, shape: keep }, { buffer: scalar, shape: [] }, dx.buffer, x.shape);
  };
}

export const sum = reduceForward(false);
export const mean = reduceForward(true);
export const sum_backward = reduceBackward(false);
export const mean_backward = reduceBackward(true);
