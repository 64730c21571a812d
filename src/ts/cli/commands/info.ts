import type { Command } from 'commander';
import { type InfoReport, collectInfo } from '../../info.js';

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
