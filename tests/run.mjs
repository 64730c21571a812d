#!/usr/bin/env node
// Runs every compiled test file (dist/tests/**/*.test.js) in its own process, so a crash in one
// native or GPU test is reported as that file's failure, and ends with one line:
// "N passed, N failed, N skipped". A test that cannot run here (no GPU under CEFM_SKIP_GPU=1, a
// missing CPU or adapter feature) prints a "[cefm-skip] reason" line (tests/util/skip.ts) and
// returns: uvu counts it as passed, this runner moves it to skipped.
import { spawn } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testRoot = join(root, 'dist', 'tests');
if (!existsSync(testRoot)) {
  console.error('tests not compiled: run `npx tsc -p .` (npm test does it in pretest)');
  process.exit(1);
}

function find(dir) {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? find(p) : n.endsWith('.test.js') ? [p] : [];
  });
}

const filter = process.argv[2];
const files = find(testRoot).filter((f) => !filter || f.includes(filter));
let passed = 0, failed = 0, skipped = 0;
const failures = [];
process.env.XDG_RUNTIME_DIR ??= '/tmp';

for (const file of files) {
  const name = relative(testRoot, file);
  const started = Date.now();
  const out = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', file], { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.stderr.on('data', (d) => {
      // Dawn prints two harmless limit warnings on every device: keep them out of the log.
      const s = String(d).split('\n').filter((l) => !/^Warning: maxDynamic\w+PerPipelineLayout artificially reduced/.test(l)).join('\n');
      text += s;
    });
    child.on('close', (code, signal) => resolve({ code, signal, text }));
  });
  // uvu's summary: "Total: N / Passed: N / Skipped: N"
  // eslint-disable-next-line no-control-regex
  const plain = out.text.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  const marked = (plain.match(/^\[cefm-skip\] /gm) ?? []).length;
  const skip = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0) + marked;
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    failed += 1;
    failures.push(name);
    console.log(`FAIL ${name} (${secs}s): no test summary (exit ${out.code}${out.signal ? `, ${out.signal}` : ''})`);
    console.log(out.text.split('\n').slice(-30).join('\n'));
    continue;
  }
  const bad = total - ok - (skip - marked) + (out.code !== 0 && total === ok + skip - marked ? 1 : 0);
  passed += ok - marked;
  failed += bad;
  skipped += skip;
  console.log(`${bad ? 'FAIL' : 'ok  '} ${name}: ${ok - marked}/${total} passed${skip ? `, ${skip} skipped` : ''} (${secs}s)`);
  for (const reason of new Set(plain.split('\n').filter((l) => l.startsWith('[cefm-skip] ')))) console.log(`     ${reason}`);
  if (bad) {
    failures.push(name);
    console.log(plain.split('\n').filter((l) => l.trim()).slice(-60).join('\n'));
  }
}

if (failures.length) console.log(`\nfailing files: ${failures.join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
