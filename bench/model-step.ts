// Model-shaped benchmark: every op one training step of vit-tiny and of the multi-task network
// issues (forward and backward, with the shapes the models run), plus the rows of issue 9's table,
// each timed through the public ops API beside PyTorch (bench/peers/torch_cpu.py) in the same run,
// so the slowest op of a real step is always visible.
//
// Ours: inputs uploaded once; each timed call is `backend.op(...)` (or `opBackward`) + `await sync()`,
// outputs freed after; the median of --repeats calls after --warmup. Torch: the same call (backward:
// torch.autograd.grad of a graph built once), same repeats. The two sides take turns --rounds times
// (ours, torch, ours, ...) after a pause each, so load from elsewhere hits both alike; a side's time
// is the median of its round medians, and the per-round ratios are shown as a range.
//
// node dist/bench/model-step.js [--suite issue|vit-tiny|multitask|predict|all] [--rounds 3] [--repeats 15]
//                               [--warmup 3] [--settle-ms 250] [--only text] [--out file]
// Threads: CEFM_THREADS (torch gets the same count).
import { cpus, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { loadAddon } from '../src/ts/addon.js';
import { writeFileAtomic } from '../src/ts/atomic.js';
import type { DeviceTensor } from '../src/ts/backend/backend.js';
import { NativeBackend } from '../src/ts/backend/native.js';
import type { BenchCase } from '../src/ts/bench/case.js';
import { median } from '../src/ts/bench/kernels.js';
import { CefmError } from '../src/ts/errors.js';
import { packageRoot } from '../src/ts/paths.js';
import { peerCase, TorchPeer } from './peers/torch-peer.js';

/** A case and how many times one training step issues it. */
interface StepOp extends BenchCase {
  count: number;
}

const both = (c: Omit<StepOp, 'backward'>): StepOp[] => [c, { ...c, backward: true }];

// ---- issue 9's table ------------------------------------------------------------------------
const cube = (n: number): StepOp => ({ op: 'matmul', shapes: [[n, n], [n, n]], label: `matmul ${n}³`, count: 1 });
const ISSUE: StepOp[] = [
  cube(256), cube(512), cube(1024), cube(2048),
  { op: 'matmul', shapes: [[1576, 192], [192, 576]], label: 'ViT-tiny qkv product 1576×192·192×576', count: 1 },
  { op: 'matmul', shapes: [[24, 197, 64], [24, 64, 197]], label: 'ViT-tiny per-head scores 24×(197×64·64×197)', count: 1 },
  { op: 'matmul', shapes: [[96, 197, 64], [96, 64, 197]], label: 'ViT-B/16 per-head scores 96×(197×64·64×197)', count: 1 },
  { op: 'matmul', shapes: [[1576, 768], [768, 2304]], label: 'ViT-B/16 qkv product 1576×768·768×2304', count: 1 },
  ...both({ op: 'conv2d', shapes: [[8, 64, 56, 56], [64, 64, 3, 3]], attrs: { padding: 1 }, label: 'conv2d N8 64→64 3×3 pad 1 @56²', count: 1 }),
  ...both({ op: 'attention', shapes: [[8, 3, 197, 64], [8, 3, 197, 64], [8, 3, 197, 64]], label: 'attention B8 H3 L197 D64', count: 1 }),
];

// ---- vit-tiny, batch 8, 224², patch 16: 197 tokens of width 192, 3 heads, MLP 768, 12 blocks -----
const B = 8, T = 197, D = 192, HEADS = 3, MLP = 768, DEPTH = 12;
const tok = [B, T, D];
const VIT: StepOp[] = [
  ...both({ op: 'conv2d', shapes: [[B, 3, 224, 224], [D, 3, 16, 16], [D]], attrs: { stride: 16 }, label: 'patch embedding 3→192 16×16/16', count: 1 }),
  ...both({ op: 'permute', shapes: [[B, D, 14, 14]], attrs: { dims: [0, 2, 3, 1] }, label: 'patches to tokens', count: 1 }),
  ...both({ op: 'concat', shapes: [[B, 1, D], [B, 196, D]], attrs: { dim: 1 }, label: 'class token concat', count: 1 }),
  ...both({ op: 'add', shapes: [tok, [1, T, D]], label: 'position embedding add (broadcast)', count: 1 }),
  ...both({ op: 'layer_norm', shapes: [tok, [D], [D]], label: 'layer_norm', count: 2 * DEPTH + 1 }),
  ...both({ op: 'linear', shapes: [tok, [3 * D, D], [3 * D]], label: 'qkv linear 192→576', count: DEPTH }),
  ...both({ op: 'permute', shapes: [[B, T, HEADS, 64]], attrs: { dims: [0, 2, 1, 3] }, label: 'split heads (q, k, v)', count: 3 * DEPTH }),
  ...both({ op: 'attention', shapes: [[B, HEADS, T, 64], [B, HEADS, T, 64], [B, HEADS, T, 64]], label: 'attention', count: DEPTH }),
  ...both({ op: 'transpose', shapes: [[B, HEADS, T, 64]], attrs: { dim0: 1, dim1: 2 }, label: 'merge heads', count: DEPTH }),
  ...both({ op: 'linear', shapes: [tok, [D, D], [D]], label: 'attention out linear 192→192', count: DEPTH }),
  ...both({ op: 'add', shapes: [tok, tok], label: 'residual add', count: 2 * DEPTH }),
  ...both({ op: 'linear', shapes: [tok, [MLP, D], [MLP]], label: 'MLP fc1 192→768', count: DEPTH }),
  ...both({ op: 'gelu', shapes: [[B, T, MLP]], label: 'MLP gelu', count: DEPTH }),
  ...both({ op: 'linear', shapes: [[B, T, MLP], [D, MLP], [D]], label: 'MLP fc2 768→192', count: DEPTH }),
  ...both({ op: 'linear', shapes: [[B, D], [7, D], [7]], label: 'class head 192→7', count: 1 }),
  ...both({ op: 'cross_entropy', shapes: [[B, 7], [B]], label: 'cross_entropy', count: 1 }),
  { op: 'adamw_step', shapes: [[MLP, D], [MLP, D], [MLP, D], [MLP, D]], attrs: { step: 10 }, label: 'adamw_step MLP weight', count: 2 * DEPTH },
  { op: 'adamw_step', shapes: [[3 * D, D], [3 * D, D], [3 * D, D], [3 * D, D]], attrs: { step: 10 }, label: 'adamw_step qkv weight', count: DEPTH },
];

// ---- multi-task net, batch 8, 128²: U-Net 32-64-128-256 (two 3×3 conv + batch_norm + relu per
// level), 2×2 max pools, 2×2/2 transposed-conv ups with skip concats, 1×1 mask head (BCE + dice),
// global-pool class head ----------------------------------------------------------------------
const N = 8;
const convBlock = (cin: number, cout: number, hw: number, tag: string, count = 1): StepOp[] => [
  ...both({ op: 'conv2d', shapes: [[N, cin, hw, hw], [cout, cin, 3, 3]], attrs: { padding: 1 }, label: `${tag} conv ${cin}→${cout} 3×3 @${hw}²`, count }),
];
const bnRelu = (c: number, hw: number, count: number): StepOp[] => [
  ...both({ op: 'batch_norm', shapes: [[N, c, hw, hw], [c], [c], [c], [c]], attrs: { training: 1 }, label: `batch_norm ${c} @${hw}²`, count }),
  ...both({ op: 'relu', shapes: [[N, c, hw, hw]], label: `relu ${c} @${hw}²`, count }),
];
const MULTITASK: StepOp[] = [
  ...convBlock(3, 32, 128, 'enc1'), ...convBlock(32, 32, 128, 'enc1/dec1', 2), ...convBlock(64, 32, 128, 'dec1'),
  ...convBlock(32, 64, 64, 'enc2'), ...convBlock(64, 64, 64, 'enc2/dec2', 2), ...convBlock(128, 64, 64, 'dec2'),
  ...convBlock(64, 128, 32, 'enc3'), ...convBlock(128, 128, 32, 'enc3/dec3', 2), ...convBlock(256, 128, 32, 'dec3'),
  ...convBlock(128, 256, 16, 'bottleneck'), ...convBlock(256, 256, 16, 'bottleneck'),
  ...bnRelu(32, 128, 4), ...bnRelu(64, 64, 4), ...bnRelu(128, 32, 4), ...bnRelu(256, 16, 2),
  ...both({ op: 'max_pool2d', shapes: [[N, 32, 128, 128]], attrs: { kernel: 2 }, label: 'max_pool2d 32 @128²', count: 1 }),
  ...both({ op: 'max_pool2d', shapes: [[N, 64, 64, 64]], attrs: { kernel: 2 }, label: 'max_pool2d 64 @64²', count: 1 }),
  ...both({ op: 'max_pool2d', shapes: [[N, 128, 32, 32]], attrs: { kernel: 2 }, label: 'max_pool2d 128 @32²', count: 1 }),
  ...both({ op: 'conv_transpose2d', shapes: [[N, 256, 16, 16], [256, 128, 2, 2], [128]], attrs: { stride: 2 }, label: 'up 256→128 2×2/2 @16²', count: 1 }),
  ...both({ op: 'conv_transpose2d', shapes: [[N, 128, 32, 32], [128, 64, 2, 2], [64]], attrs: { stride: 2 }, label: 'up 128→64 2×2/2 @32²', count: 1 }),
  ...both({ op: 'conv_transpose2d', shapes: [[N, 64, 64, 64], [64, 32, 2, 2], [32]], attrs: { stride: 2 }, label: 'up 64→32 2×2/2 @64²', count: 1 }),
  ...both({ op: 'concat', shapes: [[N, 32, 128, 128], [N, 32, 128, 128]], attrs: { dim: 1 }, label: 'skip concat 32+32 @128²', count: 1 }),
  ...both({ op: 'concat', shapes: [[N, 64, 64, 64], [N, 64, 64, 64]], attrs: { dim: 1 }, label: 'skip concat 64+64 @64²', count: 1 }),
  ...both({ op: 'concat', shapes: [[N, 128, 32, 32], [N, 128, 32, 32]], attrs: { dim: 1 }, label: 'skip concat 128+128 @32²', count: 1 }),
  ...both({ op: 'conv2d', shapes: [[N, 32, 128, 128], [1, 32, 1, 1], [1]], label: 'mask head 1×1 32→1 @128²', count: 1 }),
  ...both({ op: 'bce_with_logits', shapes: [[N, 1, 128, 128], [N, 1, 128, 128]], label: 'mask BCE', count: 1 }),
  ...both({ op: 'dice_loss', shapes: [[N, 1, 128, 128], [N, 1, 128, 128]], label: 'mask dice', count: 1 }),
  ...both({ op: 'adaptive_avg_pool2d', shapes: [[N, 256, 16, 16]], attrs: { output_size: 1 }, label: 'class head global pool', count: 1 }),
  ...both({ op: 'linear', shapes: [[N, 256], [7, 256], [7]], label: 'class head 256→7', count: 1 }),
  ...both({ op: 'sum', shapes: [[N, 64, 64, 64]], attrs: { dims: [0, 2, 3] }, label: 'bias gradient sum 64 @64²', count: 4 }),
  { op: 'adamw_step', shapes: [[256, 256, 3, 3], [256, 256, 3, 3], [256, 256, 3, 3], [256, 256, 3, 3]], attrs: { step: 10 }, label: 'adamw_step 256→256 3×3 weight', count: 2 },
];

// ---- predict: the shipped models' forward passes at predict's batch of 16 (the slowest kernels of
// `node dist/bench/predict-stages.js ... --profile`); counts are per batch --------------------------
const P = 16;
const conv3 = (cin: number, cout: number, hw: number, model: string, count: number): StepOp =>
  ({ op: 'conv2d', shapes: [[P, cin, hw, hw], [cout, cin, 3, 3], [cout]], attrs: { padding: 1 }, label: `${model} conv ${cin}→${cout} 3×3 @${hw}²`, count });
const tokens = [P, 196, 128];
const PREDICT: StepOp[] = [
  conv3(3, 12, 96, 'multitask', 1), conv3(12, 12, 96, 'multitask', 2), conv3(36, 12, 96, 'multitask', 1),
  conv3(12, 24, 48, 'multitask', 1), conv3(24, 24, 48, 'multitask', 2), conv3(72, 24, 48, 'multitask', 1),
  conv3(48, 48, 24, 'multitask', 2), conv3(144, 48, 24, 'multitask', 1), conv3(96, 96, 12, 'multitask', 2),
  conv3(288, 96, 12, 'multitask', 1), conv3(192, 192, 6, 'multitask', 1),
  { op: 'upsample_bilinear2d', shapes: [[P, 24, 48, 48]], attrs: { size: [96, 96] }, label: 'multitask upsample 24 @48²→96²', count: 1 },
  conv3(3, 32, 112, 'cefm', 1), conv3(32, 64, 56, 'cefm', 1), conv3(64, 128, 28, 'cefm', 1),
  { op: 'max_pool2d', shapes: [[P, 32, 112, 112]], attrs: { kernel: 3, stride: 2, padding: 1 }, label: 'cefm max_pool2d 3×3/2 32 @112²', count: 1 },
  { op: 'max_pool2d', shapes: [[P, 64, 56, 56]], attrs: { kernel: 3, stride: 2, padding: 1 }, label: 'cefm max_pool2d 3×3/2 64 @56²', count: 1 },
  { op: 'layer_norm', shapes: [tokens, [128], [128]], label: 'cefm layer_norm 128', count: 9 },
  { op: 'linear', shapes: [tokens, [384, 128], [384]], label: 'cefm qkv linear 128→384', count: 4 },
  { op: 'attention', shapes: [[P, 4, 196, 32], [P, 4, 196, 32], [P, 4, 196, 32]], label: 'cefm attention B16 H4 L196 D32', count: 4 },
  { op: 'linear', shapes: [tokens, [128, 128], [128]], label: 'cefm attention out 128→128', count: 4 },
  { op: 'linear', shapes: [tokens, [256, 128], [256]], label: 'cefm MLP fc1 128→256', count: 4 },
  { op: 'gelu', shapes: [[P, 196, 256]], label: 'cefm MLP gelu', count: 4 },
  { op: 'linear', shapes: [[P, 196, 256], [128, 256], [128]], label: 'cefm MLP fc2 256→128', count: 4 },
];

const SUITES: Record<string, StepOp[]> = { issue: ISSUE, 'vit-tiny': VIT, multitask: MULTITASK, predict: PREDICT };

interface Flags {
  suites: string[];
  rounds: number;
  repeats: number;
  warmup: number;
  settleMs: number;
  only?: string;
  python: string;
  out: string;
}

function parseFlags(args: string[]): Flags {
  const value = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const num = (name: string, dflt: number) => {
    const v = value(name);
    const n = v === undefined ? dflt : Number(v);
    if (!Number.isFinite(n) || n < 0) throw new CefmError(`model-step: --${name} must be a non-negative number, got '${v}'`);
    return n;
  };
  const suite = value('suite') ?? 'all';
  const suites = suite === 'all' ? Object.keys(SUITES) : suite.split(',');
  for (const s of suites) if (!SUITES[s]) throw new CefmError(`model-step: unknown --suite '${s}' (issue, vit-tiny, multitask, predict, all)`);
  return {
    suites,
    rounds: Math.max(1, Math.round(num('rounds', 3))),
    repeats: Math.max(1, Math.round(num('repeats', 15))),
    warmup: Math.round(num('warmup', 3)),
    settleMs: num('settle-ms', 250),
    only: value('only'),
    python: value('python') ?? process.env.CEFM_PYTHON ?? '/usr/bin/python3',
    out: resolve(value('out') ?? join(packageRoot, 'bench', 'results', 'model-step.md')),
  };
}

/** Random inputs that are valid for the op (class indices, targets in [0, 1], positive variances). */
function inputsFor(be: NativeBackend, c: StepOp): DeviceTensor[] {
  let s = 17;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return c.shapes.map((shape, i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const classes = c.op === 'cross_entropy' && i === 1 ? c.shapes[0][1] : 0;
    const unit = (c.op === 'bce_with_logits' || c.op === 'dice_loss') && i === 1;
    const positive = (c.op === 'batch_norm' && i === 4) || (c.op === 'adamw_step' && i === 3);
    for (let j = 0; j < n; j++) {
      const u = rand();
      data[j] = classes ? Math.floor(u * classes) : unit ? u : positive ? u + 0.5 : 2 * u - 1;
    }
    return be.upload({ shape, data });
  });
}

/**
 * Ours through the public API: median ms of `repeats` op (+ backward) + sync calls; and the time
 * inside the kernels alone per call (the kernel profiler over another `repeats` calls), which
 * tells a slow kernel from per-call overhead.
 */
async function timeOurs(be: NativeBackend, c: StepOp, repeats: number, warmup: number): Promise<{ ms: number; kernelMs: number }> {
  const inputs = inputsFor(be, c);
  const owned = [...inputs];
  try {
    let call: () => DeviceTensor[];
    if (c.backward) {
      const outputs = be.op(c.op, inputs, c.attrs);
      const dys = outputs.map((o) => be.upload({ shape: o.shape, data: new Float32Array(o.shape.reduce((a, b) => a * b, 1)).fill(0.25) }));
      owned.push(...outputs, ...dys);
      call = () => be.opBackward(c.op, inputs, outputs, dys, c.attrs).filter((t): t is DeviceTensor => t !== null);
    } else {
      call = () => be.op(c.op, inputs, c.attrs).filter((t) => !inputs.includes(t));
    }
    await be.sync();
    const times: number[] = [];
    for (let r = 0; r < warmup + repeats; r++) {
      const t0 = performance.now();
      const outs = call();
      await be.sync();
      const t = performance.now() - t0;
      outs.forEach((o) => o.dispose());
      if (r >= warmup) times.push(t);
    }
    await be.profileKernels(true);
    for (let r = 0; r < repeats; r++) {
      call().forEach((o) => o.dispose());
      await be.sync();
    }
    const profile = await be.profileKernels(false);
    return { ms: median(times), kernelMs: profile.reduce((a, e) => a + e.ms, 0) / repeats };
  } finally {
    owned.forEach((t) => t.dispose());
    await be.sync();
  }
}

interface Row {
  suite: string;
  c: StepOp;
  ours: number | string;
  kernel: number;
  torch: number | string;
  /** Torch's time with its gradients left as views of dy (NaN: they were not views). */
  torchView: number;
  low: number;
  high: number;
}

const fixed = (x: number, d: number) => x.toFixed(d);
const errorText = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0] : String(e));
const labelOf = (c: StepOp) => `${c.label}${c.backward ? ' (backward)' : ''}`;

async function timeRow(be: NativeBackend, peer: TorchPeer, suite: string, c: StepOp, f: Flags): Promise<Row> {
  const ours: number[] = [], kernel: number[] = [], torch: number[] = [], torchView: number[] = [];
  let oursError = '', torchError = '';
  const pc = peerCase(c);
  const settle = () => new Promise((r) => setTimeout(r, f.settleMs));
  for (let r = 0; r < f.rounds; r++) {
    await settle();
    if (!oursError) {
      try {
        const t = await timeOurs(be, c, f.repeats, f.warmup);
        ours.push(t.ms);
        kernel.push(t.kernelMs);
      } catch (e) {
        oursError = errorText(e);
      }
    }
    await settle();
    if (!torchError) {
      const t = await peer.timeDetailed(pc, f.repeats, f.warmup);
      if (typeof t.ms === 'string') torchError = t.ms;
      else torch.push(t.ms);
      if (t.viewMs !== undefined) torchView.push(t.viewMs);
    }
  }
  const ratios = ours.map((o, i) => (torch[i] ?? NaN) / o).filter(Number.isFinite);
  console.error(`${suite}: ${labelOf(c)}: ours ${oursError || ours.map((x) => fixed(x, 3)).join(' ')} | torch ${torchError || torch.map((x) => fixed(x, 3)).join(' ')} ms`);
  return {
    suite, c, ours: oursError || median(ours), kernel: kernel.length ? median(kernel) : NaN, torch: torchError || median(torch),
    torchView: torchView.length ? median(torchView) : NaN,
    low: ratios.length ? Math.min(...ratios) : NaN, high: ratios.length ? Math.max(...ratios) : NaN,
  };
}

function tableOf(rows: Row[]): string {
  const lines = [
    '| op | pass | shapes | per step | ours ms | of which kernels | torch ms | ours / torch speed | per-round range |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  let oursTotal = 0, torchTotal = 0, complete = true;
  for (const r of rows) {
    const has = typeof r.ours === 'number' && typeof r.torch === 'number';
    const ratio = has ? (r.torch as number) / (r.ours as number) : NaN;
    if (has) {
      oursTotal += r.c.count * (r.ours as number);
      // torch's real step keeps its view gradients: the whole-step sum takes its view-only time
      torchTotal += r.c.count * (Number.isFinite(r.torchView) ? r.torchView : (r.torch as number));
    } else complete = false;
    const ms = (t: number | string) => (typeof t === 'number' ? fixed(t, 3) : `— (${t})`);
    const shapes = r.c.shapes.map((s) => `[${s.join(',')}]`).join(' ') + (r.c.attrs && Object.keys(r.c.attrs).length ? ` ${JSON.stringify(r.c.attrs)}` : '');
    const flag = has && ratio < 0.9 ? ' **<0.9**' : '';
    const view = Number.isFinite(r.torchView) ? ` (view ${fixed(r.torchView, 3)})` : '';
    lines.push(`| ${r.c.label} | ${r.c.backward ? 'bwd' : 'fwd'} | ${shapes} | ${r.c.count} | ${ms(r.ours)} | ${Number.isFinite(r.kernel) ? fixed(r.kernel, 3) : ''} | ${ms(r.torch)}${view} | ${has ? `${fixed(ratio, 2)}×${flag}` : '—'} | ${has ? `${fixed(r.low, 2)}–${fixed(r.high, 2)}×` : ''} |`);
  }
  if (rows[0]?.suite !== 'issue') {
    lines.push(`| **whole step** (Σ per step × ms)${complete ? '' : ', timed ops only'} | | | | ${fixed(oursTotal, 1)} | | ${fixed(torchTotal, 1)} | ${fixed(torchTotal / oursTotal, 2)}× | |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const f = parseFlags(args);
  const addon = loadAddon();
  const info = addon.info();
  const be = new NativeBackend();
  const torch = await TorchPeer.start(f.python, info.threads);
  const loadBefore = loadavg();
  const sections: string[] = [];
  try {
    if (torch.threads !== info.threads) throw new CefmError(`model-step: torch runs ${torch.threads} threads, ours ${info.threads}`);
    console.error(`ours: ${be.description}; torch ${torch.torch} (${torch.threads} threads, BLAS ${torch.blas})`);
    for (const suite of f.suites) {
      const rows: Row[] = [];
      for (const c of SUITES[suite]) {
        if (f.only && !labelOf(c).includes(f.only) && c.op !== f.only) continue;
        rows.push(await timeRow(be, torch.peer, suite, c, f));
      }
      if (rows.length) sections.push(`### ${suite}\n\n${tableOf(rows)}`);
    }
  } finally {
    torch.peer.close();
    await be.dispose();
  }
  const loadAfter = loadavg();
  const cpu = cpus();
  const la = (l: number[]) => l.map((x) => fixed(x, 1)).join(' / ');
  const text = [
    '# Model-shaped benchmark: native CPU vs PyTorch (CPU), through the public ops API',
    '',
    `Command: \`CEFM_THREADS=${info.threads} node dist/bench/model-step.js ${args.join(' ')}\`, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}. Ours: ${be.description}, sgemm micro-kernel ${info.simd}. Torch ${torch.torch}, ${torch.threads} threads, BLAS ${torch.blas}.`,
    `Load average (1 / 5 / 15 min) before ${la(loadBefore)}, after ${la(loadAfter)} on ${cpu.length} cores.`,
    '',
    `Each row: ${f.rounds} rounds of ours then torch, each turn after a ${f.settleMs} ms pause, ${f.warmup} warm-up calls then the median of ${f.repeats} calls; ours is \`backend.op\` (backward: \`backend.opBackward\`) + \`await backend.sync()\` on resident inputs, torch the same call under no_grad (backward: \`torch.autograd.grad\` of a graph built once). Shown: the median of the round medians; "ours / torch speed" = torch ms / ours ms (> 1: ours faster), with the range of the per-round ratios; **<0.9** marks the rows under the issue's floor. "of which kernels": ours inside the kernels alone (the kernel profiler over another ${f.repeats} calls), the rest being per-call overhead (JS, allocation, hand-off to the stream and back). "per step": how many times one training step issues the op; "whole step" sums count × time. Where torch's autograd returns a gradient as a strided view of dy (layout ops' backward, the broadcast of sum's), its time includes \`.contiguous()\` of it, because ours writes contiguous gradients (the same rule as permute's forward); its view-only time is in brackets, and the whole-step sum takes that one, since torch's own step keeps the views (its elementwise kernels read them in place).`,
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
  writeFileAtomic(f.out, text);
  console.log(text);
  console.error(`wrote ${relative(process.cwd(), f.out)}`);
}

main().catch((e) => {
  console.error(e instanceof CefmError ? e.message : e);
  process.exit(1);
});
