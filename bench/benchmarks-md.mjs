#!/usr/bin/env node
// Rebuilds BENCHMARKS.md: the summary written here, then each results file of bench/results/ as
// written by its script (the command that made it is at its top).
import { readFileSync, existsSync, writeFileSync, renameSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const section = (file, title) => {
  const p = join(root, 'bench', 'results', file);
  if (!existsSync(p)) return `## ${title}\n\n(not measured yet: see the commands above)\n`;
  return `## ${title}\n\n` + readFileSync(p, 'utf8').replace(/^# .*\n/, '').replace(/^## /gm, '### ').trim() + '\n';
};
const summary = readFileSync(join(root, 'bench', 'summary.md'), 'utf8').trim();
const out = join(root, 'BENCHMARKS.md');
// model-ratio.js --update-benchmarks writes its block into BENCHMARKS.md itself: carry it over.
const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
const models = /<!-- models:begin -->[\s\S]*?<!-- models:end -->/.exec(previous)?.[0] ?? '<!-- models:begin -->\n## Models\n\n(not measured yet: `node dist/bench/model-ratio.js --update-benchmarks`)\n<!-- models:end -->';
const text = [
  '# Benchmarks',
  '',
  summary,
  '',
  section('model-step-issue-run1.md', 'Issue 9 table (latest round), native vs PyTorch 1.13 through the public ops API: run 1 of 3'),
  section('model-step-issue-run2.md', 'Issue 9 table: run 2 of 3'),
  section('model-step-issue-run3.md', 'Issue 9 table: run 3 of 3'),
  section('model-step.md', 'Model-shaped benchmark: every op of a vit-tiny and a multi-task training step, native vs PyTorch 1.13 (quiet AVX-512 VM, 2026-12-06)'),
  section('model-step-predict.md', "Model-shaped benchmark: the shipped models' forward passes at predict's batch of 16, native vs PyTorch 1.13"),
  models,
  '',
  section('shipped-models.md', 'Training and inference of the shipped models'),
  section('cpu-ratio.md', 'Native CPU backend vs PyTorch 1.13 (CPU), per kernel (earlier round, AVX-512 machine)'),
  section('webgpu-vs-tfjs.md', 'WebGPU kernels vs tfjs-webgpu (same Dawn adapter, same run)'),
  section('wgsl-matmul.md', 'WebGPU matmul variants and autotune'),
  section('abc-auc.md', 'ABC features: melanoma-vs-rest AUC and speed'),
].join('\n');
writeFileSync(`${out}.tmp`, text);
renameSync(`${out}.tmp`, out);
