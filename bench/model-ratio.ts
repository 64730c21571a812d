// Whole models, ours beside the peers in one run: `cefm-native bench model` (native backend), PyTorch
// 1.13 eager (bench/peers/torch_model.py) and onnxruntime-node's CPU EP (bench/peers/onnxruntime.ts,
// on torchvision's ViT exported with torch.onnx.export, opset 14, to a temp dir), all with the same
// thread count, batch and image size. Each measurement is its own process (fresh RSS), and the sides
// take turns --rounds times (ours, torch, onnxruntime, ours, ...) so load from elsewhere hits all
// alike; a side's images/s is the median over rounds, the ratio range is over the rounds.
//
// node dist/bench/model-ratio.js [--rounds 3] [--repeats 5] [--warmup 1] [--threads 2] [--webgpu]
//                                [--only vit-tiny,multitask,...] [--quick] [--out bench/results/model-ratio.md]
//                                [--update-benchmarks]
// --webgpu adds ours on WebGPU beside onnxruntime's WebGPU EP (vit-tiny, batch 2), on whatever
// adapter there is (lavapipe here: slow). --quick: small sizes, one round (checks the script).
// --update-benchmarks replaces the text between `<!-- models:begin -->` and `<!-- models:end -->` in
// BENCHMARKS.md (nothing else of that file is touched).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/ts/atomic.js';
import { median } from '../src/ts/bench/kernels.js';
import { packageRoot } from '../src/ts/paths.js';

interface Measured {
  inference_images_per_s: number;
  train_images_per_s?: number;
  peak_rss_mb: number;
  inference_live_mb?: number;
  train_live_mb?: number;
  device?: string;
  parameters?: number;
}

interface Case {
  label: string;
  arch: string;
  preset?: string;
  batch: number;
  imageSize: number;
  train: boolean;
  /** Our backend for this case. */
  backend: 'native' | 'webgpu';
  /** onnxruntime EP, or null where it does not run this case. */
  ortEp: 'cpu' | 'webgpu' | null;
  torch: boolean;
}

type Side = 'ours' | 'torch' | 'ort';

const { values: v } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' }, repeats: { type: 'string', default: '5' }, warmup: { type: 'string', default: '1' },
    threads: { type: 'string', default: process.env.CEFM_THREADS ?? '2' }, webgpu: { type: 'boolean', default: false },
    only: { type: 'string' }, quick: { type: 'boolean', default: false },
    out: { type: 'string', default: join(packageRoot, 'bench', 'results', 'model-ratio.md') },
    'update-benchmarks': { type: 'boolean', default: false }, python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const rounds = v.quick ? 1 : Number(v.rounds);
const repeats = v.quick ? 1 : Number(v.repeats);
const warmup = v.quick ? 0 : Number(v.warmup);
const threads = Number(v.threads);

const q = v.quick;
let cases: Case[] = [
  { label: 'vit-tiny', arch: 'vit-tiny', batch: q ? 2 : 8, imageSize: q ? 32 : 224, train: true, backend: 'native', ortEp: 'cpu', torch: true },
  { label: 'vit-b16', arch: 'vit-b16', batch: q ? 1 : 2, imageSize: q ? 32 : 224, train: false, backend: 'native', ortEp: 'cpu', torch: true },
  { label: 'multitask', arch: 'multitask', preset: 'unet-small', batch: q ? 2 : 8, imageSize: q ? 32 : 96, train: true, backend: 'native', ortEp: 'cpu', torch: true },
  { label: 'cefm', arch: 'cefm', preset: 'cct-small', batch: q ? 2 : 16, imageSize: q ? 32 : 112, train: true, backend: 'native', ortEp: null, torch: true },
];
if (v.webgpu) cases.push({ label: 'vit-tiny webgpu', arch: 'vit-tiny', batch: q ? 1 : 2, imageSize: q ? 32 : 224, train: false, backend: 'webgpu', ortEp: 'webgpu', torch: false });
if (v.only) {
  const only = v.only.split(',');
  cases = cases.filter((c) => only.includes(c.label) || only.includes(c.arch));
}

function runJson(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  return new Promise((res, rej) => {
    execFile(cmd, args, { cwd: packageRoot, env, maxBuffer: 1 << 24, timeout: 15 * 60_000 }, (err, stdout, stderr) => {
      if (err) return rej(new Error(`${relative(packageRoot, cmd) || cmd} ${args.join(' ')}: ${err.message.split('\n')[0]}\n${stderr.trim().split('\n').slice(-3).join('\n')}`));
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        res(JSON.parse(line) as Measured);
      } catch {
        rej(new Error(`${cmd} ${args.join(' ')}: not JSON: ${line.slice(0, 200)}`));
      }
    });
  });
}

const sizeArgs = (c: Case) => ['--arch', c.arch, ...(c.preset ? ['--preset', c.preset] : []), '--batch', String(c.batch), '--image-size', String(c.imageSize),
  '--repeats', String(repeats), '--warmup', String(warmup), ...(c.train ? ['--train'] : [])];

const onnxDir = mkdtempSync(join(tmpdir(), 'cefm-model-ratio-'));
const onnxFiles = new Map<string, string>();
async function onnxFor(c: Case): Promise<string> {
  const key = `${c.arch}:${c.preset ?? ''}:${c.imageSize}`;
  let f = onnxFiles.get(key);
  if (!f) {
    f = join(onnxDir, `${c.arch}-${c.imageSize}.onnx`);
    await runJson(v.python, [join(packageRoot, 'bench', 'peers', 'torch_model.py'), '--arch', c.arch, ...(c.preset ? ['--preset', c.preset] : []),
      '--image-size', String(c.imageSize), '--export-onnx', f]);
    onnxFiles.set(key, f);
  }
  return f;
}

function measure(c: Case, side: Side): Promise<Measured> {
  const env = { ...process.env, CEFM_THREADS: String(threads), XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
  if (side === 'ours') return runJson(process.execPath, [join(packageRoot, 'bin', 'cefm-native.js'), 'bench', 'model', ...sizeArgs(c), '--backend', c.backend, '--json'], env);
  if (side === 'torch') return runJson(v.python, [join(packageRoot, 'bench', 'peers', 'torch_model.py'), ...sizeArgs(c), '--threads', String(threads)], env);
  return onnxFor(c).then((f) => runJson(process.execPath, [join(packageRoot, 'dist', 'bench', 'peers', 'onnxruntime.js'), '--model', f, '--ep', c.ortEp!,
    '--batch', String(c.batch), '--image-size', String(c.imageSize), '--threads', String(threads), '--repeats', String(repeats), '--warmup', String(warmup)], env));
}

const sides = (c: Case): Side[] => ['ours', ...(c.torch ? ['torch' as const] : []), ...(c.ortEp ? ['ort' as const] : [])];
const results = new Map<string, (Measured | string)[]>(); // `${label}/${side}` → per round
const loads: number[] = [loadavg()[0]];
const started = new Date();

for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    for (const side of sides(c)) {
      const key = `${c.label}/${side}`;
      const got = await measure(c, side).catch((e: Error) => e.message);
      if (!results.has(key)) results.set(key, []);
      results.get(key)!.push(got);
      const say = typeof got === 'string' ? `failed: ${got}`
        : `${got.inference_images_per_s.toFixed(2)} img/s inference${got.train_images_per_s ? `, ${got.train_images_per_s.toFixed(2)} train` : ''}, ${got.peak_rss_mb.toFixed(0)} MB`;
      process.stderr.write(`[round ${r + 1}/${rounds}] ${key}: ${say} (load ${loadavg()[0].toFixed(2)})\n`);
      loads.push(loadavg()[0]);
    }
  }
}
rmSync(onnxDir, { recursive: true, force: true });

// ---- table ------------------------------------------------------------------------------------
const ok = (key: string) => (results.get(key) ?? []).filter((m): m is Measured => typeof m !== 'string');
const med = (key: string, f: (m: Measured) => number | undefined) => {
  const xs = ok(key).map(f).filter((x): x is number => x !== undefined);
  return xs.length ? median(xs) : null;
};
/** Per-round ours/peer ratios. */
function ratios(c: Case, peer: Side, f: (m: Measured) => number | undefined): number[] {
  const a = results.get(`${c.label}/ours`) ?? [], b = results.get(`${c.label}/${peer}`) ?? [];
  const rs: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i], y = b[i];
    if (typeof x === 'string' || typeof y === 'string') continue;
    const fx = f(x), fy = f(y);
    if (fx !== undefined && fy !== undefined) rs.push(fx / fy);
  }
  return rs;
}
/** "median× (min–max)" of the per-round ratios. */
function ratio(c: Case, peer: Side, f: (m: Measured) => number | undefined): string {
  const rs = ratios(c, peer, f);
  if (!rs.length) return '-';
  const m = median(rs).toFixed(2);
  return rs.length > 1 ? `${m}× (${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)})` : `${m}×`;
}
const f2 = (x: number | null) => (x === null ? '-' : x.toFixed(2));
const f0 = (x: number | null) => (x === null ? '-' : x.toFixed(0));
const inf = (m: Measured) => m.inference_images_per_s;
const trn = (m: Measured) => m.train_images_per_s;
const rss = (m: Measured) => m.peak_rss_mb;

const head = '| model | batch × px | pass | ours img/s | PyTorch img/s | ours / PyTorch | onnxruntime img/s | ours / onnxruntime | peak RSS MB (ours / PyTorch / ort) | ours: tensors live at the end of the pass, MB |';
const rows: string[] = [head, '|' + '---|'.repeat(head.split('|').length - 2)];
for (const c of cases) {
  const k = (s: Side) => `${c.label}/${s}`;
  const name = `${c.label}${c.preset ? ` (${c.preset})` : ''}${c.backend === 'webgpu' ? '' : ''}`;
  const mem = `${f0(med(k('ours'), rss))} / ${c.torch ? f0(med(k('torch'), rss)) : '-'} / ${c.ortEp ? f0(med(k('ort'), rss)) : '-'}`;
  rows.push(`| ${name} | ${c.batch} × ${c.imageSize} | inference${c.backend === 'webgpu' ? ' (WebGPU)' : ''} | ${f2(med(k('ours'), inf))} | ${c.torch ? f2(med(k('torch'), inf)) : '-'} | ${c.torch ? ratio(c, 'torch', inf) : '-'} | ${c.ortEp ? f2(med(k('ort'), inf)) : '-'} | ${c.ortEp ? ratio(c, 'ort', inf) : '-'} | ${mem} | ${f0(med(k('ours'), (m) => m.inference_live_mb))} |`);
  if (c.train) rows.push(`| ${name} | ${c.batch} × ${c.imageSize} | train step | ${f2(med(k('ours'), trn))} | ${f2(med(k('torch'), trn))} | ${ratio(c, 'torch', trn)} | - | - | (one process for both passes) | ${f0(med(k('ours'), (m) => m.train_live_mb))} |`);
}
// The goals of issue 8 §5, read off the same rounds.
const goalLines: string[] = [];
const goal = (text: string, label: string, peer: Side, f: (m: Measured) => number | undefined, target: number) => {
  const c = cases.find((x) => x.label === label);
  const rs = c ? ratios(c, peer, f) : [];
  if (!c || !rs.length) return;
  // Under load the rounds can disagree: only a goal met in every round is called met.
  const status = Math.min(...rs) >= target ? 'met' : median(rs) < target ? '**not met**' : '**unsettled** (met in the median, not in every round)';
  goalLines.push(`| ${text} ≥ ${target.toFixed(1)}× | ${ratio(c, peer, f)} | ${status} |`);
};
goal('vit-tiny inference, native vs onnxruntime CPU EP (same threads)', 'vit-tiny', 'ort', inf, 1);
goal('vit-tiny inference, WebGPU vs onnxruntime WebGPU EP (same adapter)', 'vit-tiny webgpu', 'ort', inf, 1);
goal('vit-tiny training step vs PyTorch', 'vit-tiny', 'torch', trn, 1.5);
goal('multi-task training step vs PyTorch', 'multitask', 'torch', trn, 1.5);
const failures = [...results].flatMap(([key, ms]) => ms.flatMap((m, i) => (typeof m === 'string' ? [`- ${key}, round ${i + 1}: ${m.split('\n')[0]}`] : [])));
const devices = [...new Set([...results.values()].flatMap((ms) => ms.flatMap((m) => (typeof m === 'string' || !m.device ? [] : [m.device]))))];
const cmd = `node dist/bench/model-ratio.js ${process.argv.slice(2).join(' ')}`.trim();
const md = [
  '# Models: ours vs PyTorch 1.13 eager and onnxruntime-node, whole networks',
  '',
  `Command: \`${cmd}\` (${started.toISOString().slice(0, 16)}Z, ${rounds} rounds × median of ${repeats} after ${warmup} warm-up).`,
  `Machine: ${cpus()[0]?.model.trim()} × ${cpus().length} cores, ${threads} threads for every side. ` +
    `Load average (1 min) during the run: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}${Math.max(...loads) > cpus().length * 0.75 ? ' (the machine was shared: absolute numbers are low, the ratios are the point)' : ''}.`,
  `Sides: ${devices.join('; ')}.`,
  '',
  'Inference: eval mode, no gradients, from host images to host outputs. Train step: forward, loss, backward, AdamW',
  'update (vit: cross-entropy; multitask: BCE + Dice on the mask + BCE per head; cefm: NT-Xent + both classifiers\' CE).',
  'onnxruntime runs torchvision\'s export (opset 14) of the same network; ratios are per round, median (min–max).',
  'Peak RSS is per process (inference and the train step run in the same one); PyTorch\'s includes ~290 MB for importing torch and torchvision.',
  '',
  ...rows,
  ...(goalLines.length ? ['', '| goal (issue 8 §5) | ours / peer | status |', '|---|---|---|', ...goalLines] : []),
  ...(failures.length ? ['', 'Failed measurements:', ...failures] : []),
  '',
].join('\n');
writeFileAtomic(resolve(v.out), md);
writeFileAtomic(resolve(v.out).replace(/\.md$/, '') + '.json', `${JSON.stringify({ command: cmd, loads, results: Object.fromEntries(results) }, null, 1)}\n`);
process.stdout.write(md);
if (v['update-benchmarks']) {
  const path = join(packageRoot, 'BENCHMARKS.md');
  const text = readFileSync(path, 'utf8');
  const begin = '<!-- models:begin -->', end = '<!-- models:end -->';
  const i = text.indexOf(begin), j = text.indexOf(end);
  if (i < 0 || j < i) {
    process.stderr.write(`BENCHMARKS.md has no ${begin} … ${end} section: results only in ${v.out}\n`);
  } else {
    const body = md.replace(/^# .*\n/, '## Models\n').replace(/\n+$/, '\n');
    writeFileAtomic(path, `${text.slice(0, i + begin.length)}\n${body}${text.slice(j)}`);
  }
}
