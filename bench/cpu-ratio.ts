// The native CPU backend vs PyTorch on the CPU (bench/peers/torch_cpu.py), same shapes, same thread
// count, same run. For each case the two sides take turns (--rounds times: ours, torch, ours, ...)
// so load from elsewhere on the machine hits both alike; each side's time is the median of its
// round medians. Ours: `benchCase` of `cefm-native bench kernels --backend native`. Also the share
// of the machine's peak FLOP/s, measured by the addon's register-only FMA loop.
// Writes the table to bench/results/cpu-ratio.md (--out to change) and prints it.
//
// node dist/bench/cpu-ratio.js [--rounds 5] [--repeats 3] [--warmup 2] [--only text] [--max-gflop 150]
//                              [--settle-ms 300] [--python /usr/bin/python3] [--out file]
// node dist/bench/cpu-ratio.js --list-cases     the cases as JSON, for torch_cpu.py --cases
// The thread count is the native pool's: set CEFM_THREADS (torch gets the same).
import { cpus, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { loadAddon } from '../src/ts/addon.js';
import { writeFileAtomic } from '../src/ts/atomic.js';
import { NativeBackend } from '../src/ts/backend/native.js';
import type { BenchCase } from '../src/ts/bench/case.js';
import type { Attrs } from '../src/ts/ops/op.js';
import { allBenchCases } from '../src/ts/bench/cases/index.js';
import { benchCase, median } from '../src/ts/bench/kernels.js';
import { CefmError } from '../src/ts/errors.js';
import { getOp, opNames } from '../src/ts/ops/registry.js';
import { packageRoot } from '../src/ts/paths.js';
import { peerCase, TorchPeer } from './peers/torch-peer.js';

/** The speed the issue asks for, as our speed / torch's. */
interface Goal {
  op: string;
  shapes: number[][];
  attrs?: Attrs;
  forward: number;
  backward?: number;
  label: string;
}

const GOALS: Goal[] = [
  ...[512, 1024, 2048].map((n): Goal => ({ op: 'matmul', shapes: [[n, n], [n, n]], forward: 0.9, label: `matmul ${n}³` })),
  { op: 'conv2d', shapes: [[8, 64, 56, 56], [64, 64, 3, 3]], attrs: { padding: 1 }, forward: 1.0, backward: 0.8, label: 'conv2d N8 64→64 3×3 pad 1, 56×56' },
  { op: 'attention', shapes: [[8, 3, 197, 64], [8, 3, 197, 64], [8, 3, 197, 64]], forward: 1.0, backward: 0.8, label: 'attention B8 H3 L197 D64' },
];

interface Flags {
  rounds: number;
  repeats: number;
  warmup: number;
  maxGflop: number;
  only?: string;
  settleMs: number;
  python: string;
  out: string;
  listCases: boolean;
}

function parseFlags(args: string[]): Flags {
  const value = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const num = (name: string, dflt: number) => {
    const v = value(name);
    const n = v === undefined ? dflt : Number(v);
    if (!Number.isFinite(n) || n < 0) throw new CefmError(`cpu-ratio: --${name} must be a non-negative number, got '${v}'`);
    return n;
  };
  return {
    rounds: Math.max(1, Math.round(num('rounds', 5))),
    repeats: Math.max(1, Math.round(num('repeats', 3))),
    warmup: Math.round(num('warmup', 2)),
    maxGflop: num('max-gflop', 150),
    only: value('only'),
    settleMs: num('settle-ms', 300),
    python: value('python') ?? process.env.CEFM_PYTHON ?? '/usr/bin/python3',
    out: resolve(value('out') ?? join(packageRoot, 'bench', 'results', 'cpu-ratio.md')),
    listCases: args.includes('--list-cases'),
  };
}

const sameCase = (c: BenchCase, g: Goal) =>
  c.op === g.op && JSON.stringify(c.shapes) === JSON.stringify(g.shapes) && JSON.stringify(c.attrs ?? {}) === JSON.stringify(g.attrs ?? {});

/** Every bench case of an op the native backend has, plus the goal shapes the cases lack. */
function allCases(kernels: Set<string>): BenchCase[] {
  const cases = [...allBenchCases];
  for (const g of GOALS) {
    const passes = g.backward === undefined ? [false] : [false, true];
    for (const backward of passes) {
      if (!cases.some((c) => sameCase(c, g) && !!c.backward === backward)) {
        cases.push({ op: g.op, shapes: g.shapes, attrs: g.attrs, backward, label: backward ? `${g.label} (backward)` : g.label });
      }
    }
  }
  const known = new Set(opNames());
  return cases.filter((c) => known.has(c.op) && kernels.has(c.backward ? `${c.op}_backward` : c.op));
}

function goalOf(c: BenchCase): number | undefined {
  const g = GOALS.find((x) => sameCase(c, x));
  return g && (c.backward ? g.backward : g.forward);
}

function costOf(c: BenchCase): { flops: number; bytes: number } {
  const def = getOp(c.op);
  const attrs = def.normalize(c.shapes, c.attrs ?? {});
  if (!c.backward) return def.cost(c.shapes, attrs);
  const f = def.cost(c.shapes, attrs);
  return def.backwardCost?.(c.shapes, attrs) ?? { flops: 2 * f.flops, bytes: 2 * f.bytes };
}

interface Row {
  c: BenchCase;
  flops: number;
  ours: number | string;
  torch: number | string;
  goal?: number;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0] : String(e));
const fixed = (x: number, d: number) => x.toFixed(d);

async function timeRow(be: NativeBackend, peer: TorchPeer, c: BenchCase, flags: Flags): Promise<Row> {
  const ours: number[] = [], torch: number[] = [];
  let oursError = '', torchError = '';
  const pc = peerCase(c);
  // Before each turn, a pause: OpenBLAS's threads keep spinning for ~0.1 s after a call (its
  // thread timeout) and would take a core from whichever side runs next.
  const settle = () => new Promise((r) => setTimeout(r, flags.settleMs));
  // Warm-up runs in every turn: after the pause, the first runs of either side would also pay
  // for waking idle cores (a sleeping pool thread on a halted vCPU can take a millisecond).
  const warmup = flags.warmup;
  for (let r = 0; r < flags.rounds; r++) {
    await settle();
    if (!oursError) {
      try {
        ours.push((await benchCase(be, c, { repeats: flags.repeats, warmup }, { gflops: null, gbps: null, note: '' })).medianMs);
      } catch (e) {
        oursError = errorText(e);
      }
    }
    await settle();
    if (!torchError) {
      const t = await peer.time(pc, flags.repeats, warmup);
      if (typeof t === 'string') torchError = t;
      else torch.push(t);
    }
  }
  const rounds = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(' ');
  console.error(`${c.label}${c.backward ? ' (backward)' : ''}: ours ${oursError || rounds(ours)} | torch ${torchError || rounds(torch)} (ms, per round)`);
  return { c, flops: costOf(c).flops, ours: oursError || median(ours), torch: torchError || median(torch), goal: goalOf(c) };
}

function tableOf(rows: Row[], peakGflops: number): string {
  const lines = [
    '| case | pass | shapes | GFLOP | ours ms | torch ms | ours GFLOP/s | torch GFLOP/s | ours / torch speed | ours % of peak | torch % of peak | goal |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const num = (t: number | string) => typeof t === 'number';
    const ms = (t: number | string) => (typeof t === 'number' ? fixed(t, 3) : '—');
    const rate = (t: number | string) => (typeof t === 'number' ? r.flops / (t * 1e6) : NaN);
    const gf = (t: number | string) => (num(t) ? fixed(rate(t), 1) : '—');
    const share = (t: number | string) => (num(t) ? `${fixed((100 * rate(t)) / peakGflops, 1)}%` : '—');
    const both = num(r.ours) && num(r.torch);
    const ratio = both ? (r.torch as number) / (r.ours as number) : NaN;
    const goal = r.goal === undefined ? '' : !both ? `≥ ${r.goal}×: not measured` : `≥ ${r.goal}×: ${ratio >= r.goal ? 'met' : 'NOT met'}`;
    const shapes = r.c.shapes.map((s) => `[${s.join(',')}]`).join(' ') + (r.c.attrs && Object.keys(r.c.attrs).length ? ` ${JSON.stringify(r.c.attrs)}` : '');
    lines.push(`| ${r.c.label} | ${r.c.backward ? 'bwd' : 'fwd'} | ${shapes} | ${fixed(r.flops / 1e9, 3)} | ${ms(r.ours)} | ${ms(r.torch)} | ${gf(r.ours)} | ${gf(r.torch)} | ${both ? `${fixed(ratio, 2)}×` : '—'} | ${share(r.ours)} | ${share(r.torch)} | ${goal} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flags = parseFlags(args);
  const addon = loadAddon();
  const info = addon.info();
  const cases = allCases(new Set(info.kernels)).filter((c) => !flags.only || c.label.includes(flags.only) || c.op === flags.only);
  if (flags.listCases) {
    process.stdout.write(`${JSON.stringify(cases.map(peerCase), null, 1)}\n`);
    return;
  }
  const skipped = cases.filter((c) => costOf(c).flops / 1e9 > flags.maxGflop);
  const run = cases.filter((c) => !skipped.includes(c));
  const loadBefore = loadavg()[0];
  const be = new NativeBackend();
  const torch = await TorchPeer.start(flags.python, info.threads);
  const peer = torch.peer;
  const rows: Row[] = [];
  try {
    if (torch.threads !== info.threads) throw new CefmError(`cpu-ratio: torch runs ${torch.threads} threads, ours ${info.threads}`);
    console.error(`ours: ${be.description}; torch ${torch.torch} (${torch.threads} threads, BLAS ${torch.blas})`);
    for (const c of run) {
      rows.push(await timeRow(be, peer, c, flags));
    }
  } finally {
    peer.close();
    await be.dispose();
  }
  const loadAfter = loadavg()[0];
  // Measured last: its second of all-core FMA loops would otherwise be what the first cases follow.
  const peak = addon.measurePeak(info.threads);
  console.error(`peak (${peak.isa} FMA loop): ${fixed(peak.perCoreGflops, 1)} GFLOP/s per core, ${fixed(peak.totalGflops, 1)} on ${info.threads} threads`);
  const cmd = `node dist/bench/cpu-ratio.js ${args.join(' ')}`.trim();
  const cpu = cpus();
  const notes = rows.flatMap((r) => [
    ...(typeof r.ours === 'string' ? [`- ${r.c.label}: ours not timed: ${r.ours}`] : []),
    ...(typeof r.torch === 'string' ? [`- ${r.c.label}: torch not timed: ${r.torch}`] : []),
  ]);
  const text = [
    '# Native CPU backend vs PyTorch (CPU)',
    '',
    `Command: \`CEFM_THREADS=${info.threads} ${cmd}\` (after \`npx tsc -p .\` and the addon build), ${new Date().toISOString().slice(0, 10)}.`,
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}. Ours: ${be.description}, sgemm micro-kernel ${info.simd}. Torch ${torch.torch}, ${torch.threads} threads (torch.set_num_threads), BLAS ${torch.blas}.`,
    `Load average (1 min) ${fixed(loadBefore, 1)} before the run, ${fixed(loadAfter, 1)} after, on ${cpu.length} cores: above ${cpu.length}, other processes took CPU time from both sides alike (the turns alternate), and short torch calls then often take close to a multiple of 4 ms (seemingly an OpenMP thread waiting at a barrier for a descheduled peer).`,
    `Peak: ${fixed(peak.totalGflops, 1)} GFLOP/s on ${info.threads} threads (${fixed(peak.perCoreGflops, 1)} per core), a register-only ${peak.isa} FMA loop per thread (\`measurePeak\` of the addon, each thread's FLOPs over its own CPU time).`,
    '',
    `Each case: ${flags.rounds} rounds, each timing ours (\`benchCase\` of \`cefm-native bench kernels --backend native\`: wall time of each kernel run on the native stream) then torch (\`bench/peers/torch_cpu.py\`: wall time of the same call; backward: \`torch.autograd.grad\` of a graph built once), median of ${flags.repeats} runs per round after ${flags.warmup} warm-up runs in the same turn, each turn after a ${flags.settleMs} ms pause (OpenBLAS's threads spin for ~0.1 s after a call and would slow whichever side came next); the time shown is the median of the round medians. Random inputs. GFLOP/s of both sides from the op's cost in src/ts/ops (the same FLOP count); "ours / torch speed" is torch ms / ours ms (> 1: ours faster). Layout ops (permute, transpose, reshape, concat): ours copies; torch's forward is made to copy too (\`.contiguous()\`, \`.clone()\`), but its backward of them is a view (no copy), hence its near-zero backward times.`,
    '',
    tableOf(rows, peak.totalGflops),
    '',
    ...notes,
    ...skipped.map((c) => `- ${c.label}${c.backward ? ' (backward)' : ''}: not run (${fixed(costOf(c).flops / 1e9, 0)} GFLOP > --max-gflop ${flags.maxGflop}).`),
    '',
  ].join('\n');
  writeFileAtomic(flags.out, text);
  console.log(text);
  console.error(`wrote ${relative(process.cwd(), flags.out)}`);
}

main().catch((e) => {
  console.error(e instanceof CefmError ? e.message : e);
  process.exit(1);
});
