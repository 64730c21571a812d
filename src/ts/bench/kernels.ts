// Kernel benchmark: times op kernels on a backend (GPU timestamps on WebGPU, wall clock on the
// native stream) after warm-up, median of many runs, on random data.
import type { Backend, DeviceTensor } from '../backend/backend.js';
import type { WebGpuBackend } from '../backend/webgpu/backend.js';
import { whenTuned } from '../backend/webgpu/autotune.js';
import { grid1d, packUniforms } from '../backend/webgpu/kernel.js';
import { CefmError } from '../errors.js';
import { getOp } from '../ops/registry.js';
import { numel } from '../tensor.js';
import type { BenchCase } from './case.js';

export interface BenchOptions {
  repeats: number;
  warmup: number;
}

export interface BenchResult {
  backend: string;
  op: string;
  label: string;
  backward: boolean;
  shapes: number[][];
  medianMs: number;
  minMs: number;
  runs: number;
  gflops: number;
  gbps: number;
  /** Shares of the backend's measured ceilings (null when not measured). */
  flopShare: number | null;
  bwShare: number | null;
}

export interface Ceilings {
  gflops: number | null;
  gbps: number | null;
  note: string;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function randomTensor(be: Backend, shape: number[], seed: number): DeviceTensor {
  const data = new Float32Array(numel(shape));
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 4294967296 - 0.5;
  }
  return be.upload({ shape, data });
}

/** Times one case; all tensors are freed afterwards. */
export async function benchCase(be: Backend, c: BenchCase, opts: BenchOptions, ceilings: Ceilings): Promise<BenchResult> {
  if (!be.timeKernel) throw new CefmError(`${be.kind} backend cannot time kernels`);
  const def = getOp(c.op);
  const attrs = def.normalize(c.shapes, c.attrs ?? {});
  const inputs = c.shapes.map((s, i) => randomTensor(be, s, 17 + i));
  const owned: DeviceTensor[] = [...inputs];
  try {
    let kernel = c.op, kIn = inputs, kOut: DeviceTensor[];
    const outs = def.outputShapes(c.shapes, attrs).map((s) => be.empty(s));
    owned.push(...outs);
    if (c.backward) {
      if (!def.differentiable) throw new CefmError(`${c.op} has no backward to benchmark`);
      be.run(c.op, inputs, outs, attrs);
      const dys = outs.map((o, i) => randomTensor(be, o.shape, 99 + i));
      const diff = def.differentiable(c.shapes, attrs);
      kOut = inputs.filter((_, i) => diff[i]).map((t) => be.empty(t.shape));
      owned.push(...dys, ...kOut);
      kernel = `${c.op}_backward`;
      kIn = [...inputs, ...outs, ...dys];
    } else {
      kOut = outs;
    }
    if (opts.warmup > 0) await be.timeKernel(kernel, kIn, kOut, attrs, opts.warmup);
    // The first use of a size class may start kernel autotuning: time the variant it settles on.
    if (be.kind === 'webgpu') await whenTuned((be as WebGpuBackend).acquired);
    const times = await be.timeKernel(kernel, kIn, kOut, attrs, opts.repeats);
    const cost = c.backward
      ? def.backwardCost?.(c.shapes, attrs) ?? (({ flops, bytes }) => ({ flops: 2 * flops, bytes: 2 * bytes }))(def.cost(c.shapes, attrs))
      : def.cost(c.shapes, attrs);
    const med = median(times);
    const gflops = cost.flops / (med * 1e6);
    const gbps = cost.bytes / (med * 1e6);
    return {
      backend: be.description, op: c.op, label: c.label, backward: !!c.backward, shapes: c.shapes,
      medianMs: med, minMs: Math.min(...times), runs: times.length, gflops, gbps,
      flopShare: ceilings.gflops ? gflops / ceilings.gflops : null,
      bwShare: ceilings.gbps ? gbps / ceilings.gbps : null,
    };
  } finally {
    owned.forEach((t) => t.dispose());
    await be.sync();
  }
}

/** WebGPU ceilings: a large vec4 copy (bandwidth) and the best of a few matmul sizes (FLOP/s). */
export async function measureGpuCeilings(gpu: WebGpuBackend, opts: BenchOptions, bestMatmul: () => Promise<number>): Promise<Ceilings> {
  const software = gpu.acquired.summary.software;
  const bytes = software ? 32 << 20 : 256 << 20;
  const n4 = bytes / 16;
  const src = gpu.runtime.pool.acquire(bytes), dst = gpu.runtime.pool.acquire(bytes);
  try {
    const [x, y] = grid1d(Math.ceil(n4 / 256));
    const run = () => gpu.runtime.dispatch({ pipeline: { shader: 'copy' }, buffers: [src, dst], uniforms: packUniforms([{ u: n4 }, { u: 0 }, { u: 0 }, { u: 0 }]), workgroups: [x, y] });
    await gpu.runtime.time('copy', opts.warmup || 1, run);
    const t = median(await gpu.runtime.time('copy', Math.max(5, Math.min(opts.repeats, 20)), run));
    const gbps = (2 * bytes) / (t * 1e6);
    const gflops = await bestMatmul();
    return { gflops, gbps, note: `copy of ${bytes >> 20} MiB: ${gbps.toFixed(1)} GB/s; best matmul: ${gflops.toFixed(1)} GFLOP/s` };
  } finally {
    gpu.runtime.pool.release(src);
    gpu.runtime.pool.release(dst);
  }
}
