import type { Command } from 'commander';
import type { Backend } from '../../backend/backend.js';
import { openBackend } from '../../backend/open.js';
import { type BenchCase } from '../../bench/case.js';
import { allBenchCases } from '../../bench/cases/index.js';
import { type BenchResult, type Ceilings, benchCase, measureCeilings } from '../../bench/kernels.js';
import { MODEL_ARCHS, type ModelArch, type ModelBenchResult, benchModel } from '../../bench/model.js';
import { UsageError } from '../../errors.js';
import { opNames } from '../../ops/registry.js';
import { Progress } from '../progress.js';

interface BenchKernelFlags {
  ops?: string;
  backend: string;
  sizes?: string;
  repeats: string;
  warmup: string;
  json?: boolean;
  f16?: boolean;
  backward?: boolean;
  adapter?: string;
  dawnBackend?: string;
  power?: string;
}

/** --sizes for matmul: "1024" (a cube) or "MxKxN", comma separated. */
function matmulSizes(spec: string): BenchCase[] {
  return spec.split(',').map((tok) => {
    const dims = tok.trim().toLowerCase().split('x').map(Number);
    const [m, k, n] = dims.length === 1 ? [dims[0], dims[0], dims[0]] : dims;
    if (!(dims.length === 1 || dims.length === 3) || ![m, k, n].every((d) => Number.isInteger(d) && d > 0)) {
      throw new UsageError(`--sizes: '${tok}' is not N or MxKxN with positive integers`);
    }
    return { op: 'matmul', shapes: [[m, k], [k, n]], label: `matmul ${m}x${k}x${n}` };
  });
}

function selectCases(flags: BenchKernelFlags): BenchCase[] {
  const known = new Set(opNames());
  const ops = flags.ops ? flags.ops.split(',').map((s) => s.trim()).filter(Boolean) : null;
  for (const op of ops ?? []) if (!known.has(op)) throw new UsageError(`--ops: unknown op '${op}' (known: ${[...known].join(', ')})`);
  let cases = allBenchCases.filter((c) => !ops || ops.includes(c.op));
  if (flags.sizes) cases = [...cases.filter((c) => c.op !== 'matmul'), ...matmulSizes(flags.sizes)];
  if (flags.backward === false) cases = cases.filter((c) => !c.backward);
  const available = new Set(opNames());
  return cases.filter((c) => available.has(c.op));
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${v}'`);
  return n;
}

const fmt = (x: number | null, d = 1) => (x === null ? '-' : x.toFixed(d));

function table(results: BenchResult[]): string {
  const head = ['backend', 'case', 'pass', 'median ms', 'GFLOP/s', 'GB/s', '% FLOP ceil', '% BW ceil'];
  const rows = results.map((r) => [
    r.backend, r.label, r.backward ? 'bwd' : 'fwd', fmt(r.medianMs, 3), fmt(r.gflops), fmt(r.gbps),
    fmt(r.flopShare === null ? null : 100 * r.flopShare, 0), fmt(r.bwShare === null ? null : 100 * r.bwShare, 0),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

async function benchBackend(be: Backend, cases: BenchCase[], opts: { repeats: number; warmup: number }, progress: Progress): Promise<{ results: BenchResult[]; ceilings: Ceilings }> {
  const none: Ceilings = { gflops: null, gbps: null, note: 'no ceilings measured' };
  const ceilings = await measureCeilings(be, opts, async () => {
    let best = 0;
    for (const n of [512, 1024]) {
      const r = await benchCase(be, { op: 'matmul', shapes: [[n, n], [n, n]], label: '' }, { repeats: 5, warmup: 1 }, none);
      best = Math.max(best, r.gflops);
    }
    return best;
  });
  const results: BenchResult[] = [];
  for (const c of cases) {
    const r = await benchCase(be, c, opts, ceilings);
    results.push(r);
    progress.tick(1, false, `${c.label}: ${r.medianMs.toFixed(3)} ms`);
  }
  return { results, ceilings };
}

interface BenchModelFlags {
  arch: string;
  preset?: string;
  batch: string;
  imageSize?: string;
  train?: boolean;
  backend: string;
  repeats: string;
  warmup: string;
  json?: boolean;
}

function modelLines(r: ModelBenchResult): string {
  const row = (what: string, ms: number, ips: number) => `  ${what.padEnd(9)} ${ms.toFixed(1).padStart(9)} ms/batch  ${ips.toFixed(2).padStart(8)} images/s`;
  return [
    `${r.arch} (${r.preset}, ${(r.parameters / 1e6).toFixed(2)} M parameters), batch ${r.batch}, ${r.image_size} px, ${r.device}`,
    row('inference', r.inference_ms, r.inference_images_per_s),
    ...(r.train_ms === undefined ? [] : [row('train', r.train_ms, r.train_images_per_s!)]),
    `  peak RSS ${r.peak_rss_mb.toFixed(0)} MB${r.device_memory_mb === undefined ? '' : `, tensors ${r.device_memory_mb.toFixed(0)} MB after the runs`}` +
      `${r.inference_live_mb === undefined ? '' : `, ${r.inference_live_mb.toFixed(0)} MB live at the end of inference`}` +
      `${r.train_live_mb === undefined ? '' : `, ${r.train_live_mb.toFixed(0)} MB at the end of a training step`}; median of ${r.repeats} after ${r.warmup} warm-up`,
  ].join('\n');
}

export function registerBenchCommand(program: Command): void {
  const bench = program.command('bench').description('benchmarks');
  bench
    .command('kernels')
    .description('time op kernels (GFLOP/s, GB/s): WebGPU with timestamp queries, native on its stream; median after warm-up')
    .option('--ops <list>', 'comma-separated ops (default: every op with benchmark shapes)')
    .option('--backend <name>', 'webgpu, native or all', 'all')
    .option('--sizes <list>', 'matmul sizes: N or MxKxN, comma separated')
    .option('--repeats <n>', 'timed runs per case (median reported)', '20')
    .option('--warmup <n>', 'untimed runs first', '3')
    .option('--no-backward', 'forward kernels only')
    .option('--f16', 'WebGPU: f16 storage kernels where available')
    .option('--adapter <name>', 'WebGPU: adapter name, as `cefm-native info` lists it')
    .option('--dawn-backend <name>', 'WebGPU: Dawn backend (vulkan, metal, d3d12, ...)')
    .option('--power <preference>', 'WebGPU: high-performance or low-power')
    .option('--json', 'print one JSON object')
    .action(async (flags: BenchKernelFlags) => {
      const repeats = positiveInt('--repeats', flags.repeats);
      const warmup = Number(flags.warmup);
      if (!Number.isInteger(warmup) || warmup < 0) throw new UsageError(`--warmup must be a non-negative integer, got '${flags.warmup}'`);
      const kinds = flags.backend === 'all' ? (['native', 'webgpu'] as const) : [flags.backend];
      for (const k of kinds) if (k !== 'native' && k !== 'webgpu') throw new UsageError(`--backend must be webgpu, native or all, got '${k}'`);
      if (flags.power && flags.power !== 'high-performance' && flags.power !== 'low-power') {
        throw new UsageError(`--power must be high-performance or low-power, got '${flags.power}'`);
      }
      const cases = selectCases(flags);
      if (!cases.length) throw new UsageError('no benchmark case matches --ops');
      const out: { backend: string; ceilings: Ceilings; results: BenchResult[] }[] = [];
      const progress = new Progress({ label: 'bench', total: cases.length * kinds.length, silent: false });
      for (const kind of kinds) {
        let be: Backend;
        try {
          // webgpu takes a software adapter when it is the only one (openBackend says so); 'all' skips a missing one.
          be = await openBackend(kind as 'native' | 'webgpu', {
            f16: flags.f16, adapterName: flags.adapter, dawnBackend: flags.dawnBackend,
            powerPreference: flags.power as 'high-performance' | 'low-power' | undefined,
          });
        } catch (e) {
          if (flags.backend !== 'all') throw e;
          progress.log(`skipping ${kind}: ${(e as Error).message}`);
          progress.tick(cases.length);
          continue;
        }
        try {
          progress.log(`${kind}: ${be.description}`);
          const r = await benchBackend(be, cases, { repeats, warmup }, progress);
          out.push({ backend: be.description, ...r });
        } finally {
          await be.dispose();
        }
      }
      progress.finish();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ repeats, warmup, backends: out }, null, 2)}\n`);
      } else {
        for (const b of out) process.stdout.write(`\n${b.backend}: ${b.ceilings.note}\n`);
        process.stdout.write(`\n${table(out.flatMap((b) => b.results))}\n`);
      }
    });
  bench
    .command('model')
    .description('images/s of a whole model: inference (eval, noGrad, outputs downloaded) and with --train a full step (forward, backward, AdamW); peak RSS')
    .requiredOption('--arch <name>', MODEL_ARCHS.join(', '))
    .option('--preset <name>', 'cefm: ViT backbone preset (default cct-small); multitask: unet-small, unet-large, unet-test')
    .option('--batch <n>', 'images per batch', '8')
    .option('--image-size <px>', "input size (default: the preset's)")
    .option('--train', 'also time a training step')
    .option('--backend <name>', 'native, webgpu or auto', 'auto')
    .option('--repeats <n>', 'timed runs (median reported)', '5')
    .option('--warmup <n>', 'untimed runs first', '1')
    .option('--json', 'print one JSON object')
    .action(async (flags: BenchModelFlags) => {
      if (!(MODEL_ARCHS as readonly string[]).includes(flags.arch)) throw new UsageError(`--arch must be one of ${MODEL_ARCHS.join(', ')}, got '${flags.arch}'`);
      if (!['native', 'webgpu', 'auto'].includes(flags.backend)) throw new UsageError(`--backend must be native, webgpu or auto, got '${flags.backend}'`);
      const repeats = positiveInt('--repeats', flags.repeats);
      const batch = positiveInt('--batch', flags.batch);
      const imageSize = flags.imageSize === undefined ? undefined : positiveInt('--image-size', flags.imageSize);
      const warmup = Number(flags.warmup);
      if (!Number.isInteger(warmup) || warmup < 0) throw new UsageError(`--warmup must be a non-negative integer, got '${flags.warmup}'`);
      const be = await openBackend(flags.backend as 'native' | 'webgpu' | 'auto', { onChoice: (m) => process.stderr.write(`cefm-native: ${m}\n`) });
      try {
        const progress = new Progress({ label: `bench ${flags.arch}`, total: repeats * (flags.train ? 2 : 1), silent: false });
        const r = await benchModel(be, {
          arch: flags.arch as ModelArch, preset: flags.preset, batch, imageSize, train: !!flags.train, repeats, warmup,
          onRun: (what, ms) => progress.tick(1, false, `${what} ${ms.toFixed(0)} ms`),
        });
        progress.finish();
        process.stdout.write(flags.json ? `${JSON.stringify(r)}\n` : `${modelLines(r)}\n`);
      } finally {
        await be.dispose();
      }
    });
}
