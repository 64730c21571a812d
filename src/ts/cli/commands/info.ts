import { cpus } from 'node:os';
import type { Command } from 'commander';
import { addonStatus } from '../../addon.js';
import { type AdapterSummary, listAdapters } from '../../backend/webgpu/device.js';
import { packageVersion } from '../../version.js';

export interface InfoReport {
  version: string;
  node: string;
  platform: string;
  cpu: { model: string; logicalCores: number };
  adapters: AdapterSummary[];
  adapterError?: string;
  native: { ok: boolean; reason?: string; simd?: string; threads?: number; features?: Record<string, boolean>; kernels?: number };
  auto: { backend: 'webgpu' | 'native' | 'none'; reason: string };
}

/** Everything `cefm-native info` reports: what this machine offers and what `auto` picks. */
export async function collectInfo(): Promise<InfoReport> {
  let adapters: AdapterSummary[] = [];
  let adapterError: string | undefined;
  try {
    adapters = await listAdapters();
  } catch (e) {
    adapterError = (e as Error).message;
  }
  const st = addonStatus();
  const native: InfoReport['native'] = st.ok
    ? (() => {
        const i = st.addon.info();
        return { ok: true, simd: i.simd, threads: i.threads, features: { avx2: i.avx2, fma: i.fma, avx512f: i.avx512f, neon: i.neon }, kernels: i.kernels.length };
      })()
    : { ok: false, reason: st.reason };
  const hw = adapters.find((a) => !a.software);
  const auto: InfoReport['auto'] = hw
    ? { backend: 'webgpu', reason: `hardware adapter ${hw.name}` }
    : native.ok
      ? { backend: 'native', reason: adapters.length ? 'only software WebGPU adapters (never picked automatically)' : 'no WebGPU adapter' }
      : { backend: 'none', reason: 'no hardware WebGPU adapter and the native addon is not built' };
  const c = cpus();
  return {
    version: packageVersion,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: { model: c[0]?.model ?? 'unknown', logicalCores: c.length },
    adapters,
    adapterError,
    native,
    auto,
  };
}

function formatInfo(r: InfoReport): string {
  const lines: string[] = [];
  lines.push(`cefm-native ${r.version}  (node ${r.node}, ${r.platform})`);
  lines.push(`CPU: ${r.cpu.model}, ${r.cpu.logicalCores} logical cores`);
  lines.push('');
  lines.push(`WebGPU adapters (Dawn): ${r.adapters.length}${r.adapterError ? ` (${r.adapterError})` : ''}`);
  for (const a of r.adapters) {
    lines.push(`  - ${a.name}  [${a.backend}, ${a.software ? 'software' : 'hardware'}]`);
    lines.push(`      ${a.description}`);
    lines.push(`      features: ${a.features.join(', ')}`);
    lines.push(`      limits: ${Object.entries(a.limits).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  }
  if (!r.adapters.length) lines.push('  none: install a Vulkan driver (or Mesa >= 24 lavapipe for a software one; see README)');
  lines.push('');
  if (r.native.ok) {
    const f = Object.entries(r.native.features!).filter(([, v]) => v).map(([k]) => k);
    lines.push(`Native backend: ok, SIMD path ${r.native.simd}, ${r.native.threads} threads, ${r.native.kernels} kernels (CPU features: ${f.join(', ') || 'none'})`);
  } else {
    lines.push(`Native backend: unavailable: ${r.native.reason}`);
  }
  lines.push(`Backend 'auto' picks: ${r.auto.backend} (${r.auto.reason})`);
  return lines.join('\n');
}

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('list WebGPU adapters, the native backend, CPU features and what --backend auto picks')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const report = await collectInfo();
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatInfo(report)}\n`);
    });
}
