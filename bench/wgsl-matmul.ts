// The WebGPU GEMM's measurements (bench/results/wgsl-matmul.md): every variant's GFLOP/s, what
// the autotuner picks per size class and how long it takes, and matmul against tfjs-webgpu on the
// same Dawn adapter with ours and tfjs alternating run by run (the machine is shared: a load spike
// then hits both sides alike). Times are GPU timestamps on both sides.
//
// node dist/bench/wgsl-matmul.js [--rounds 5] [--variant-size 512] [--sizes 512,1024] [--qkv] [--out file]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DeviceTensor } from '../src/ts/backend/backend.js';
import { standaloneContext, tuningLog, whenTuned } from '../src/ts/backend/webgpu/autotune.js';
import { WebGpuBackend } from '../src/ts/backend/webgpu/backend.js';
import type { GpuTensorLike } from '../src/ts/backend/webgpu/kernel.js';
import { type GemmVariant, gemmVariants, recordGemmWith } from '../src/ts/backend/webgpu/kernels/gemm.js';
import { median } from '../src/ts/bench/kernels.js';
import { CefmError } from '../src/ts/errors.js';
import { packageRoot } from '../src/ts/paths.js';
import { DAWN_FLAGS, TfjsPeer } from './peers/tfjs.js';
import { publishReport, runBench } from './report.js';

function flag(args: string[], name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
}

function random(be: WebGpuBackend, shape: number[], seed: number): DeviceTensor {
  const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 4294967296 - 0.5;
  }
  return be.upload({ shape, data });
}

const buf = (t: DeviceTensor) => (t as GpuTensorLike).buffer;
const gflops = (flop: number, ms: number) => flop / ms / 1e6;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');

/** Each variant on an M x N x K product, round-robin over `rounds` rounds: best and median GFLOP/s. */
async function variantTable(be: WebGpuBackend, [M, N, K]: number[], rounds: number): Promise<string[]> {
  const variants = gemmVariants(be.acquired);
  const a = random(be, [M, K], 1), b = random(be, [K, N], 2), c = be.empty([M, N]);
  const { ctx, releaseScratch } = standaloneContext(be.runtime, be.acquired);
  const run = (v: GemmVariant) => () => {
    recordGemmWith(ctx, { M, N, K, transA: false, transB: false, A: buf(a), B: buf(b), C: buf(c), groups: [[[0, 0]]] }, v);
    releaseScratch();
  };
  const times = new Map<GemmVariant, number[]>(variants.map((v) => [v, []]));
  for (const v of variants) await be.runtime.time('warm-up', 1, run(v));
  for (let r = 0; r < rounds; r++) for (const v of variants) times.get(v)!.push((await be.runtime.time(`gemm ${v.family}`, 1, run(v)))[0]);
  [a, b, c].forEach((t) => t.dispose());
  const flop = 2 * M * N * K;
  return [
    `| variant | constants | best ms | GFLOP/s (best) | GFLOP/s (median) |`,
    `|---|---|---:|---:|---:|`,
    ...variants.map((v) => {
      const t = times.get(v)!;
      return `| ${v.family} | \`${JSON.stringify(v.constants)}\` | ${Math.min(...t).toFixed(1)} | ${gflops(flop, Math.min(...t)).toFixed(2)} | ${gflops(flop, median(t)).toFixed(2)} |`;
    }),
  ];
}

interface Shape { label: string; a: number[]; b: number[] }

const flopsOf = (s: Shape) => 2 * s.a.slice(0, -1).reduce((x, y) => x * y, 1) * s.a[s.a.length - 1] * s.b[s.b.length - 1];

/** Ours (matmul kernel, the tuned variant) and tfjs's matMul, alternating one run each, `rounds` times. */
async function versusTfjs(be: WebGpuBackend, peer: TfjsPeer, s: Shape, rounds: number): Promise<{ ours: number[]; tfjs: number[] }> {
  const A = random(be, s.a, 3), B = random(be, s.b, 4);
  const out = be.empty([...s.a.slice(0, -1), s.b[s.b.length - 1]]);
  const tf = peer.prepare({ op: 'matmul', shapes: [s.a, s.b], label: s.label }, 'gpu');
  const ours: number[] = [], tfjs: number[] = [];
  try {
    await be.timeKernel('matmul', [A, B], [out], {}, 1); // warm-up (and tuning request)
    await whenTuned(be.acquired);
    await tf.once();
    for (let r = 0; r < rounds; r++) {
      ours.push((await be.timeKernel('matmul', [A, B], [out], {}, 1))[0]);
      tfjs.push(await tf.once());
    }
  } finally {
    tf.dispose();
    [A, B, out].forEach((t) => t.dispose());
  }
  return { ours, tfjs };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rounds = Math.max(1, Number(flag(args, 'rounds', '5')));
  const vSize = Number(flag(args, 'variant-size', '512'));
  const sizes = flag(args, 'sizes', '512,1024').split(',').map(Number);
  const out = resolve(flag(args, 'out', join(packageRoot, 'bench', 'results', 'wgsl-matmul.md')));
  // Tune from scratch in this run, so the table shows what the autotuner does.
  const cache = mkdtempSync(join(tmpdir(), 'cefm-wgsl-matmul-'));
  process.env.CEFM_CACHE_DIR = cache;
  process.env.CEFM_AUTOTUNE = '1';
  const loadBefore = load();
  const be = await WebGpuBackend.open({ allowSoftware: true });
  const lines: string[] = [];
  try {
    if (!be.acquired.hasTimestamps) throw new CefmError(`${be.description} has no timestamp-query`);
    const peer = await TfjsPeer.open(be.acquired.gpu);
    const shapes: Shape[] = [
      ...sizes.map((n) => ({ label: `${n}³`, a: [n, n], b: [n, n] })),
      { label: 'ViT-B/16 scores (8x12 heads), batched', a: [96, 197, 64], b: [96, 64, 197] },
      ...(args.includes('--qkv') ? [{ label: 'ViT-B/16 qkv (8x197 tokens)', a: [1576, 768], b: [768, 2304] }] : []),
    ];
    const rows: string[] = [];
    for (const s of shapes) {
      const r = await versusTfjs(be, peer, s, rounds);
      const o = median(r.ours), t = median(r.tfjs);
      const perRound = r.ours.map((x, i) => r.tfjs[i] / x);
      rows.push(`| ${s.label} | [${s.a}]·[${s.b}] | ${o.toFixed(1)} | ${gflops(flopsOf(s), o).toFixed(2)} | ${t.toFixed(1)} | ${gflops(flopsOf(s), t).toFixed(2)} | ${(t / o).toFixed(2)}× | ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)}× |`);
      console.error(`${s.label}: ours ${o.toFixed(1)} ms, tfjs ${t.toFixed(1)} ms, ${(t / o).toFixed(2)}x`);
    }
    peer.dispose();
    const tuned = tuningLog(be.acquired).map((j) => {
      const ms = Object.entries(j.ms).map(([p, t]) => `${p}: ${t.toFixed(2)} ms`).join('; ');
      return `| ${j.key} | \`${JSON.stringify(j.chosen)}\` | ${j.wallMs.toFixed(0)} | ${ms} |`;
    });
    const variants = await variantTable(be, [vSize, vSize, vSize], Math.max(3, Math.min(rounds, 5)));
    const cmd = `node dist/bench/wgsl-matmul.js ${args.join(' ')}`.trim();
    lines.push(
      '# WebGPU matmul: variants, autotune, and tfjs-webgpu',
      '',
      `Command: \`${cmd}\` (after \`npx tsc -p .\`), ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
      `Adapter: ${be.description} (Dawn, toggles ${DAWN_FLAGS.join(', ')}), on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}. Load average (1/5/15 min) before: ${loadBefore}; after: ${load()} — the machine is shared, so every ratio below comes from ours and tfjs alternating run by run.`,
      '',
      '## Ours vs tfjs-webgpu 4.22 (same Dawn adapter, same run)',
      '',
      `Ours: the \`matmul\` kernel with the variant the autotuner picked in this run (\`timeKernel\`, GPU timestamps of its compute pass); tfjs: \`tf.matMul\`, \`tf.time(...).kernelMs\` (GPU timestamps of its programs). One warm-up each, then ${rounds} rounds of one run of ours and one of tfjs; medians, and the range of the per-round ratios.`,
      '',
      '| shape | operands | ours ms | ours GFLOP/s | tfjs ms | tfjs GFLOP/s | speed-up (tfjs / ours) | per-round speed-up |',
      '|---|---|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      '## Autotune (fresh cache, this run)',
      '',
      'What each size class picked, the wall time of its job (compiles of the candidates included: with Mesa\'s shader cache warm they cost little, cold each takes 0.5–4 s of CPU on lavapipe), and the best of 3 timed runs per candidate on the cut-down problem.',
      '',
      '| size class | chosen | job ms | candidates |',
      '|---|---|---:|---|',
      ...tuned,
      '',
      `## Every variant at ${vSize}³ (not transposed, vec4 entry points)`,
      '',
      'Round-robin over the variants, one run each per round. "tiled" is the workgroup-memory kernel meant for GPUs (its 64×64 tile, 4×4 per invocation, was the only matmul kernel before, with scalar loads): CPU adapters do not time it when tuning. "direct" is what CPU adapters without the `subgroups` feature get.',
      '',
      ...variants,
      '',
    );
  } finally {
    await be.dispose();
    rmSync(cache, { recursive: true, force: true });
  }
  const text = lines.join('\n');
  publishReport(out, text);
}

runBench(main);
