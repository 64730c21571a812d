// The tfjs-webgpu peer: the same shapes through @tensorflow/tfjs-backend-webgpu on a Dawn adapter
// of the `webgpu` package (tfjs finds it through navigator.gpu).
//
// Timing, after warm-up, median of the runs, by one of two clocks:
// - 'gpu': tf.time(...).kernelMs, the sum of every tfjs program's compute-pass timestamps
//   (tfjs asks for timestamp-query when the adapter has it);
// - 'wall': issue the op, await data() (so it includes the read-back of the result).
// Layouts are tfjs's own: conv2d runs NHWC input with an HWIO filter (its native layout, no
// transposes timed); attention is matMul(q·scale, k, transposeB) → softmax → matMul(·, v) with
// q pre-scaled outside the timed region (tfjs has no fused attention).
//
// Alone: `node dist/bench/peers/tfjs.js [--repeats 20] [--warmup 3] [--max-gflop 6] [--only text]`.
import { pathToFileURL } from 'node:url';
import type * as TF from '@tensorflow/tfjs-core';
import type { BenchCase } from '../../src/ts/bench/case.js';
import { allBenchCases } from '../../src/ts/bench/cases/index.js';
import { CefmError } from '../../src/ts/errors.js';
import { getOp } from '../../src/ts/ops/registry.js';

type Tf = typeof TF;

/** Dawn toggles as our backend uses them (src/ts/backend/webgpu/device.ts): timestamps without quantization. */
export const DAWN_FLAGS = ['enable-dawn-features=allow_unsafe_apis', 'disable-dawn-features=timestamp_quantization'];

/** A compared shape; `goal`: the speed-up over tfjs that issue 3 asks for on the software adapter. */
export type PeerCase = BenchCase & { goal?: number };

const GOAL = 1.5;

/** The shapes compared: every forward matmul bench case, and the conv2d and attention goals of issue 3. */
export function peerCases(): PeerCase[] {
  const isCube1024 = (c: BenchCase) => c.shapes.every((s) => s.length === 2 && s[0] === 1024 && s[1] === 1024);
  const matmuls = allBenchCases.filter((c) => c.op === 'matmul' && !c.backward).map((c) => (isCube1024(c) ? { ...c, goal: GOAL } : c));
  const conv: PeerCase = { op: 'conv2d', shapes: [[8, 64, 56, 56], [64, 64, 3, 3]], attrs: { padding: 1 }, label: 'conv2d N8 64→64 3×3 pad 1, 56×56', goal: GOAL };
  const attention: PeerCase = { op: 'attention', shapes: [[8, 3, 197, 64], [8, 3, 197, 64], [8, 3, 197, 64]], label: 'attention B8 H3 L197 D64', goal: GOAL };
  return [...matmuls, conv, attention];
}

/** FLOPs of a case, from its op definition. */
export function caseFlops(c: BenchCase): number {
  const def = getOp(c.op);
  return def.cost(c.shapes, def.normalize(c.shapes, c.attrs ?? {})).flops;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** How a run is timed: GPU timestamps of the compute passes, or wall time of a synchronised run. */
export type Clock = 'gpu' | 'wall';

export interface TimingOptions {
  repeats: number;
  warmup: number;
}

/** One case, ready to run repeatedly: `once` returns the time of one run in ms. */
export interface PreparedRun {
  once(): Promise<number>;
  dispose(): void;
}

/** What one case runs in tfjs: inputs made once, then `run` (synchronous; tfjs queues GPU work). */
interface TfjsProgram {
  inputs: TF.Tensor[];
  run(): TF.Tensor;
}

function tfjsProgram(tf: Tf, c: BenchCase): TfjsProgram {
  const rand = (shape: number[]) => tf.randomUniform(shape, -1, 1, 'float32');
  const attrs = c.attrs ?? {};
  switch (c.op) {
    case 'matmul': {
      const [a, b] = c.shapes.map(rand);
      return { inputs: [a, b], run: () => tf.matMul(a, b) };
    }
    case 'conv2d': {
      const [[n, ci, h, w], [o, cg, kh, kw]] = c.shapes;
      if (cg !== ci || (attrs.groups ?? 1) !== 1) throw new CefmError(`tfjs peer: ${c.label}: tfjs conv2d has no groups`);
      const x = rand([n, h, w, ci]); // NHWC: tfjs's native layout
      const f = rand([kh, kw, ci, o]); // HWIO
      const pad = attrs.padding ?? 0, stride = attrs.stride ?? 1, dilation = attrs.dilation ?? 1;
      if (typeof pad !== 'number' || typeof stride !== 'number' || typeof dilation !== 'number') {
        throw new CefmError(`tfjs peer: ${c.label}: only square stride/padding/dilation are mapped`);
      }
      return { inputs: [x, f], run: () => tf.conv2d(x as TF.Tensor4D, f as TF.Tensor4D, stride, pad, 'NHWC', dilation) };
    }
    case 'attention': {
      const [q, k, v] = c.shapes.map(rand);
      const scale = typeof attrs.scale === 'number' ? attrs.scale : 1 / Math.sqrt(c.shapes[0][3]);
      const qs = tf.mul(q, scale); // once, outside the timed runs
      return {
        inputs: [q, k, v, qs],
        run: () => tf.tidy(() => tf.matMul(tf.softmax(tf.matMul(qs, k, false, true)), v)),
      };
    }
    default:
      throw new CefmError(`tfjs peer: no tfjs program for op '${c.op}'`);
  }
}

/** tfjs-webgpu on one Dawn GPU object. */
export class TfjsPeer {
  private constructor(readonly tf: Tf, readonly adapterDescription: string, readonly hasTimestamps: boolean) {}

  /**
   * Installs `gpu` (default: a fresh `create(DAWN_FLAGS)` from the `webgpu` package) as
   * navigator.gpu, then loads tfjs-backend-webgpu, which registers itself when navigator.gpu is set.
   */
  static async open(gpu?: GPU): Promise<TfjsPeer> {
    const dawn = await import('webgpu');
    const g = gpu ?? dawn.create(DAWN_FLAGS);
    for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: g }, configurable: true, writable: true });
    const tf = (await import('@tensorflow/tfjs-core')) as unknown as Tf;
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new CefmError('tfjs peer: the tfjs webgpu backend did not initialise');
    await tf.ready();
    const be = tf.backend() as unknown as { adapterInfo?: { description?: string; device?: string; vendor?: string; architecture?: string }; supportTimestampQuery?: boolean };
    const info = be.adapterInfo;
    const description = info?.description || info?.device || [info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'unknown adapter';
    return new TfjsPeer(tf, description, !!be.supportTimestampQuery);
  }

  /**
   * 'gpu': tf.time(...).kernelMs (the sum over tfjs's programs of their timestamped passes);
   * 'wall': issue the op and await data() (includes reading the result back).
   */
  prepare(c: BenchCase, clock: Clock): PreparedRun {
    const tf = this.tf;
    if (clock === 'gpu' && !this.hasTimestamps) throw new CefmError('tfjs peer: no timestamp-query on this adapter; use wall time');
    const prog = tfjsProgram(tf, c);
    return {
      once: async () => {
        if (clock === 'gpu') return (await tf.time(() => { prog.run().dispose(); })).kernelMs as number;
        const t0 = performance.now();
        const y = prog.run();
        await y.data();
        const ms = performance.now() - t0;
        y.dispose();
        return ms;
      },
      dispose: () => prog.inputs.forEach((t) => t.dispose()),
    };
  }

  dispose(): void {
    this.tf.disposeVariables();
    this.tf.engine().reset();
  }
}

function parseNumberFlag(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new CefmError(`--${name} needs a non-negative number, got '${args[i + 1] ?? ''}'`);
  return v;
}

/** Shared flags of the peer scripts: --repeats, --warmup, --max-gflop, --only <label text>. */
export function benchFlags(args: string[]): TimingOptions & { maxGflop: number; only?: string } {
  const only = args.indexOf('--only');
  return {
    repeats: Math.max(1, Math.round(parseNumberFlag(args, 'repeats', 20))),
    warmup: Math.round(parseNumberFlag(args, 'warmup', 3)),
    maxGflop: parseNumberFlag(args, 'max-gflop', 6),
    only: only >= 0 ? args[only + 1] : undefined,
  };
}

/** The cases a run covers, and those left out for --max-gflop / --only (listed, never dropped silently). */
export function selectPeerCases(flags: { maxGflop: number; only?: string }): { run: PeerCase[]; skipped: { c: PeerCase; why: string }[] } {
  const run: PeerCase[] = [], skipped: { c: PeerCase; why: string }[] = [];
  for (const c of peerCases()) {
    const gflop = caseFlops(c) / 1e9;
    if (flags.only && !c.label.includes(flags.only)) continue;
    if (gflop > flags.maxGflop) skipped.push({ c, why: `${gflop.toFixed(0)} GFLOP > --max-gflop ${flags.maxGflop}` });
    else run.push(c);
  }
  return { run, skipped };
}

/** Warm-up runs, then the median of `repeats` timed runs. */
export async function medianOf(run: PreparedRun, opts: TimingOptions): Promise<number> {
  for (let i = 0; i < opts.warmup; i++) await run.once();
  const times: number[] = [];
  for (let i = 0; i < opts.repeats; i++) times.push(await run.once());
  return median(times);
}

async function main(): Promise<void> {
  const flags = benchFlags(process.argv.slice(2));
  const peer = await TfjsPeer.open();
  const clock: Clock = peer.hasTimestamps ? 'gpu' : 'wall';
  console.log(`tfjs-webgpu on ${peer.adapterDescription}: ${clock === 'gpu' ? 'GPU timestamps (tf.time kernelMs)' : 'wall time to data()'}, median of ${flags.repeats} after ${flags.warmup} warm-up`);
  const { run, skipped } = selectPeerCases(flags);
  for (const c of run) {
    const prepared = peer.prepare(c, clock);
    try {
      const ms = await medianOf(prepared, flags);
      console.log(`${c.label}: ${ms.toFixed(2)} ms, ${(caseFlops(c) / 1e6 / ms).toFixed(2)} GFLOP/s`);
    } finally {
      prepared.dispose();
    }
  }
  for (const s of skipped) console.log(`${s.c.label}: skipped (${s.why})`);
  peer.dispose();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e instanceof CefmError ? e.message : e);
    process.exit(1);
  });
}
