// Our WebGPU kernels vs tfjs-webgpu, same shapes, same Dawn adapter (one GPU object: tfjs gets ours
// as navigator.gpu), same run. Ours: `benchCase` of `cefm-native bench kernels` (GPU timestamps
// around each kernel). tfjs: tf.time(...).kernelMs (GPU timestamps around each of its programs).
// Both: warm-up, then the median of --repeats runs; each case is timed on ours, then on tfjs.
// Writes the table to bench/results/webgpu-vs-tfjs.md (--out to change) and prints it.
//
// node dist/bench/webgpu-vs-tfjs.js [--repeats 20] [--warmup 3] [--max-gflop 6] [--only text] [--out file]
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { WebGpuBackend } from '../src/ts/backend/webgpu/backend.js';
import { benchCase } from '../src/ts/bench/kernels.js';
import { CefmError } from '../src/ts/errors.js';
import { packageRoot } from '../src/ts/paths.js';
import { DAWN_FLAGS, type PeerCase, TfjsPeer, benchFlags, caseFlops, medianOf, selectPeerCases } from './peers/tfjs.js';
import { publishReport, runBench } from './report.js';

interface Row {
  c: PeerCase;
  /** Our median ms, or why there is none (e.g. no WebGPU kernel yet). */
  ours: number | string;
  tfjs: number | string;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0] : String(e));

async function timeOurs(be: WebGpuBackend, c: PeerCase, opts: { repeats: number; warmup: number }): Promise<number | string> {
  try {
    return (await benchCase(be, c, opts, { gflops: null, gbps: null, note: '' })).medianMs;
  } catch (e) {
    return errorText(e);
  }
}

async function timeTfjs(peer: TfjsPeer, c: PeerCase, opts: { repeats: number; warmup: number }): Promise<number | string> {
  let run;
  try {
    run = peer.prepare(c, 'gpu');
    return await medianOf(run, opts);
  } catch (e) {
    return errorText(e);
  } finally {
    run?.dispose();
  }
}

const ms = (t: number | string) => (typeof t === 'number' ? t.toFixed(1) : '—');

function goalText(r: Row): string {
  if (!r.c.goal) return '';
  if (typeof r.ours !== 'number' || typeof r.tfjs !== 'number') return `≥ ${r.c.goal}×: not measured`;
  return `≥ ${r.c.goal}×: ${r.tfjs / r.ours >= r.c.goal ? 'met' : 'not met'}`;
}

function tableOf(rows: Row[]): string {
  const lines = [
    '| case | shapes (ours: NCHW) | GFLOP | ours ms | tfjs ms | ours / tfjs | speed-up (tfjs / ours) | goal |',
    '|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const both = typeof r.ours === 'number' && typeof r.tfjs === 'number';
    const ratio = both ? ((r.ours as number) / (r.tfjs as number)).toFixed(2) : '—';
    const speedup = both ? `${((r.tfjs as number) / (r.ours as number)).toFixed(2)}×` : '—';
    const shapes = r.c.shapes.map((s) => `[${s.join(',')}]`).join(' ') + (r.c.attrs ? ` ${JSON.stringify(r.c.attrs)}` : '');
    lines.push(`| ${r.c.label} | ${shapes} | ${(caseFlops(r.c) / 1e9).toFixed(2)} | ${ms(r.ours)} | ${ms(r.tfjs)} | ${ratio} | ${speedup} | ${goalText(r)} |`);
  }
  return lines.join('\n');
}

function notesOf(rows: Row[]): string[] {
  const notes: string[] = [];
  for (const r of rows) {
    if (typeof r.ours === 'string') notes.push(`- ${r.c.label}: ours not timed: ${r.ours}`);
    if (typeof r.tfjs === 'string') notes.push(`- ${r.c.label}: tfjs not timed: ${r.tfjs}`);
  }
  return notes;
}

function tfjsVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'node_modules', '@tensorflow', 'tfjs-backend-webgpu', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flags = benchFlags(args);
  const outIdx = args.indexOf('--out');
  const out = resolve(outIdx >= 0 ? args[outIdx + 1] : join(packageRoot, 'bench', 'results', 'webgpu-vs-tfjs.md'));
  const be = await WebGpuBackend.open({ allowSoftware: true });
  const rows: Row[] = [];
  const { run, skipped } = selectPeerCases(flags);
  try {
    if (!be.acquired.hasTimestamps) throw new CefmError(`${be.description} has no timestamp-query: the GPU timings of both sides need it`);
    const peer = await TfjsPeer.open(be.acquired.gpu);
    if (!peer.hasTimestamps) throw new CefmError('tfjs did not enable timestamp-query on the shared adapter');
    console.error(`ours: ${be.description}; tfjs ${tfjsVersion()}: ${peer.adapterDescription}`);
    for (const c of run) {
      const row: Row = { c, ours: await timeOurs(be, c, flags), tfjs: await timeTfjs(peer, c, flags) };
      rows.push(row);
      console.error(`${c.label}: ours ${ms(row.ours)} ms, tfjs ${ms(row.tfjs)} ms`);
    }
    peer.dispose();
  } finally {
    await be.dispose();
  }
  const cmd = `node dist/bench/webgpu-vs-tfjs.js ${args.join(' ')}`.trim();
  const cpu = cpus();
  const text = [
    '# WebGPU: cefm-native vs tfjs-webgpu',
    '',
    `Command: \`${cmd}\` (after \`npx tsc -p .\`), ${new Date().toISOString().slice(0, 10)}.`,
    `Adapter: ${be.description} (Dawn through the \`webgpu\` package, toggles ${DAWN_FLAGS.join(', ')}), on ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}; tfjs-backend-webgpu ${tfjsVersion()} is given the same GPU object as navigator.gpu.`,
    '',
    `Both sides: GPU time from timestamp queries, median of ${flags.repeats} runs after ${flags.warmup} warm-up, random inputs; each case is timed on ours, then right after on tfjs.`,
    '- ours: `benchCase` of `cefm-native bench kernels` (the timestamped compute pass of the op\'s kernel).',
    '- tfjs: `tf.time(...).kernelMs`, the sum of the timestamped passes of every program tfjs runs for the op.',
    '- conv2d: tfjs in its native NHWC layout (input [N,H,W,C], filter HWIO), padding 1, no bias; ours NCHW.',
    '- attention: tfjs has no fused attention: matMul(q·scale, k, transposeB) → softmax → matMul(·, v), q pre-scaled outside the timing.',
    '',
    tableOf(rows),
    '',
    ...notesOf(rows),
    ...skipped.map((s) => `- ${s.c.label}: not run (${s.why}; raise --max-gflop to include it).`),
    '',
  ].join('\n');
  publishReport(out, text);
}

runBench(main);
