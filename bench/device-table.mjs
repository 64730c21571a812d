#!/usr/bin/env node
// Merges `bench kernels --json` (ours) with the PyTorch CUDA peer into a markdown table.
import { readFileSync, existsSync } from 'node:fs';

const [oursFile, torchFile, gpuFile] = process.argv.slice(2);
const read = (f) => (f && existsSync(f) ? readFileSync(f, 'utf8') : '');
let ours = { backends: [] }, torch = { results: [] };
try { ours = JSON.parse(read(oursFile)); } catch { /* partial run */ }
try { torch = JSON.parse(read(torchFile)); } catch { /* no peer */ }
const peer = new Map(torch.results.map((r) => [r.label, r]));
const lines = [`GPU: ${read(gpuFile).trim() || 'none (software adapter)'}; peer: PyTorch ${torch.torch ?? '-'} fp32, TF32 off`, ''];
lines.push('| backend | case | pass | ours ms | ours GFLOP/s | PyTorch GFLOP/s | ours / PyTorch |', '|---|---|---|---|---|---|---|');
for (const b of ours.backends ?? []) {
  for (const r of b.results) {
    const p = peer.get(r.label.replace(/^matmul (\d+)³$/, 'matmul $1x$1x$1'));
    const pg = p ? p.gflops : null;
    lines.push(`| ${b.backend} | ${r.label} | ${r.backward ? 'bwd' : 'fwd'} | ${r.medianMs.toFixed(3)} | ${r.gflops.toFixed(1)} | ${pg ? pg.toFixed(1) : '-'} | ${pg ? (r.gflops / pg).toFixed(2) : '-'} |`);
  }
  lines.push('', `ceilings: ${b.ceilings.note}`);
}
for (const p of torch.results) lines.push(`- PyTorch ${p.label}: ${p.ms.toFixed(3)} ms, ${p.gflops.toFixed(1)} GFLOP/s`);
console.log(lines.join('\n'));
