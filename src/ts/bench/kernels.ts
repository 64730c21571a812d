// Kernel benchmark: times op kernels on a backend (GPU timestamps on WebGPU, wall clock on the
// native stream) after warm-up, median of many runs, on random data.
import type { Backend, DeviceTensor } from '../backend/backend.js';
import { CefmError } from '../errors.js';
import { backwardCall } from '../ops/backward-call.js';
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
      const grads = inputs.map((t, i) => (diff[i] ? be.empty(t.shape) : null));
      const call = backwardCall(c.op, inputs, outs, dys, grads);
      owned.push(...dys, ...call.outputs);
      ({ kernel, inputs: kIn, outputs: kOut } = call);
    } else {
      kOut = outs;
    }
    if (opts.warmup > 0) await be.timeKernel(kernel, kIn, kOut, attrs, opts.warmup);
    // The first use of a size class may start kernel autotuning: time the variant it settles on.
    await be.settled?.();
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

/**
 * The device's ceilings, where the backend can time a copy (WebGPU): a large copy (bandwidth) and
 * the best of a few matmul sizes (FLOP/s). Other backends: none measured.
 */
export async function measureCeilings(be: Backend, opts: BenchOptions, bestMatmul: () => Promise<number>): Promise<Ceilings> {
  if (!be.timeCopy) return { gflops: null, gbps: null, note: 'no ceilings measured' };
  const bytes = be.software ? 32 << 20 : 256 << 20;
  await be.timeCopy(bytes, opts.warmup || 1);
  const t = median(await be.timeCopy(bytes, Math.max(5, Math.min(opts.repeats, 20))));
  const gbps = (2 * bytes) / (t * 1e6);
  const gflops = await bestMatmul();
  return { gflops, gbps, note: `copy of ${bytes >> 20} MiB: ${gbps.toFixed(1)} GB/s; best matmul: ${gflops.toFixed(1)} GFLOP/s` };
}
