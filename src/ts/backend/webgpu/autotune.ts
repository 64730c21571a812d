// Autotuning of kernel variants per adapter. On first use of a (kernel, size class) that the
// adapter's tuning cache lacks, the kernel asks for a job: its candidates are timed on a small
// problem of the class with timestamp queries (runtime.time), each checked against the first
// one's result, and the fastest is remembered for this process and stored with Tuner.set (the
// cache on disk keyed by adapter, read by `ctx.tuning` from then on). Jobs run in the background,
// one at a time per device, on a private GpuRuntime of the same device, so they neither mix into
// the caller's command stream nor take the caller's pending errors; until a job ends, the kernel
// uses its default. CEFM_AUTOTUNE=0 turns tuning off (defaults, or what the cache already holds).
import type { AcquiredDevice } from './device.js';
import type { KernelContext } from './kernel.js';
import { GpuRuntime } from './runtime.js';
import { Tuner } from './tuning.js';

type Params = Record<string, number>;

export interface TuningJob {
  kernel: string;
  key: string;
  /** Compute-pass label of the timed runs. */
  label: string;
  /** Parameter sets to time; the first is the reference that the others must match. */
  candidates: Params[];
  /** f32 element counts of the random inputs and of the outputs that `record` gets. */
  inputs: number[];
  outputs: number[];
  /** Records one run of the kernel with a candidate's parameters. */
  record(ctx: KernelContext, params: Params, inputs: GPUBuffer[], outputs: GPUBuffer[]): void;
}

export interface TuningRecord {
  kernel: string;
  key: string;
  /** Best of the timed runs per candidate (JSON of its parameters), ms; failed or wrong ones absent. */
  ms: Record<string, number>;
  chosen: Params | null;
  /** Wall time of the whole job, compiles included. */
  wallMs: number;
}

/** Timed runs per candidate after one warm-up run (which also compiles it). */
const RUNS = 3;
/** Largest relative difference (‖x − ref‖ / ‖ref‖) a candidate's result may have from the reference's. */
const MATCH_TOLERANCE = 1e-3;

export function autotuneEnabled(): boolean {
  return process.env.CEFM_AUTOTUNE !== '0';
}

/** Per-device tuning state. */
class DeviceTuning {
  readonly results = new Map<string, Params>();
  readonly requested = new Set<string>();
  readonly log: TuningRecord[] = [];
  queue: Promise<void> = Promise.resolve();
  private runtime: GpuRuntime | null = null;
  constructor(readonly acquired: AcquiredDevice) {}
  gpu(): GpuRuntime {
    return (this.runtime ??= new GpuRuntime(this.acquired));
  }
}

const devices = new WeakMap<GPUDevice, DeviceTuning>();

function stateOf(a: AcquiredDevice): DeviceTuning {
  let s = devices.get(a.device);
  if (!s) devices.set(a.device, (s = new DeviceTuning(a)));
  return s;
}

const slot = (kernel: string, key: string) => `${kernel}|${key}`;

/** What a finished job chose in this process (undefined before, or when every candidate failed). */
export function tunedParams(a: AcquiredDevice, kernel: string, key: string): Params | undefined {
  return devices.get(a.device)?.results.get(slot(kernel, key));
}

/** Queues a tuning job unless this (kernel, key) was asked for already; it starts after the current call stack. */
export function requestTuning(a: AcquiredDevice, job: TuningJob): void {
  const s = stateOf(a);
  const id = slot(job.kernel, job.key);
  if (s.requested.has(id)) return;
  s.requested.add(id);
  s.queue = s.queue
    .then(() => new Promise((resolve) => setImmediate(resolve)))
    .then(() => runJob(s, job))
    .catch(() => {
      // A device destroyed mid-job (backend disposed) ends tuning quietly; the defaults stay.
    });
}

/** Resolves when every tuning job queued so far on this device has ended. */
export async function whenTuned(a: AcquiredDevice): Promise<void> {
  await devices.get(a.device)?.queue;
}

/** The jobs run on this device so far, in order (tests, benchmarks). */
export function tuningLog(a: AcquiredDevice): readonly TuningRecord[] {
  return devices.get(a.device)?.log ?? [];
}

/**
 * A KernelContext over a runtime of its own (the tuner's, or a test's), without a backend: scratch
 * buffers come from the runtime's pool and go back with `releaseScratch`.
 */
export function standaloneContext(runtime: GpuRuntime, acquired: AcquiredDevice, options: { f16?: boolean; tuner?: Tuner } = {}): { ctx: KernelContext; releaseScratch(): void } {
  const scratch: GPUBuffer[] = [];
  const ctx: KernelContext = {
    runtime,
    device: acquired.device,
    acquired,
    f16: !!options.f16,
    dispatch: (d) => runtime.dispatch(d),
    scratch: (bytes) => {
      const b = runtime.pool.acquire(bytes);
      scratch.push(b);
      return b;
    },
    tuning: (kernel, key, defaults) => options.tuner?.get(kernel, key, defaults) ?? defaults,
  };
  return { ctx, releaseScratch: () => scratch.splice(0).forEach((b) => runtime.pool.release(b)) };
}

/** Deterministic values in [-1, 1), never all zero. */
function randomData(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

function relativeDifference(x: Float32Array, ref: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < ref.length; i++) {
    if (!Number.isFinite(x[i])) return Infinity;
    num += (x[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

async function runJob(s: DeviceTuning, job: TuningJob): Promise<void> {
  const started = performance.now();
  const rt = s.gpu();
  const { ctx, releaseScratch } = standaloneContext(rt, s.acquired);
  const inputs = job.inputs.map((n, i) => {
    const b = rt.pool.acquire(4 * Math.max(n, 1));
    rt.write(b, randomData(n, 7 + i));
    return b;
  });
  const outputs = job.outputs.map((n) => rt.pool.acquire(4 * Math.max(n, 1)));
  const record: TuningRecord = { kernel: job.kernel, key: job.key, ms: {}, chosen: null, wallMs: 0 };
  let reference: Float32Array | null = null;
  try {
    for (const params of job.candidates) {
      const run = () => {
        job.record(ctx, params, inputs, outputs);
        releaseScratch(); // the pool hands a buffer out again only to work ordered after this run
      };
      try {
        await rt.time(job.label, 1, run);
        const best = Math.min(...(await rt.time(job.label, RUNS, run)));
        const result = new Float32Array(await rt.read(outputs[0], 4 * job.outputs[0]));
        if (reference && relativeDifference(result, reference) > MATCH_TOLERANCE) continue; // wrong here: never chosen
        reference ??= result;
        record.ms[JSON.stringify(params)] = best;
        if (!record.chosen || best < record.ms[JSON.stringify(record.chosen)]) record.chosen = params;
      } catch {
        // A candidate that fails to compile or run on this adapter is left out.
      }
    }
  } finally {
    inputs.concat(outputs).forEach((b) => rt.pool.release(b));
    record.wallMs = performance.now() - started;
    s.log.push(record);
  }
  if (record.chosen) {
    s.results.set(slot(job.kernel, job.key), record.chosen);
    // A fresh Tuner reads what other kernels stored meanwhile, so this write keeps their entries.
    new Tuner(s.acquired.summary).set(job.kernel, job.key, record.chosen);
  }
}
