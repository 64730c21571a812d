// The CLI as a user runs it: a child process, its output and exit code.
import { tmpdir } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../util/cli.js';
import { packageVersion } from '../../src/ts/version.js';

test('--version prints the package version', async () => {
  const r = await runCli(['--version']);
  assert.is(r.code, 0);
  assert.is(r.stdout.trim(), packageVersion);
});

test('--help lists the commands', async () => {
  const r = await runCli(['--help']);
  assert.is(r.code, 0);
  for (const cmd of ['info', 'bench']) assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`));
});

test('info exits by itself, lists the adapter and the native backend, from any cwd', async () => {
  // No process.exit() in the CLI: if dawn.node were still referenced, the process would hang here.
  const r = await runCli(['info'], { timeoutMs: 30000, cwd: tmpdir() });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /WebGPU adapters \(Dawn\): [1-9]/);
  assert.match(r.stdout, /Native backend: ok/);
  assert.match(r.stdout, /Backend 'auto' picks: (native|webgpu)/);
  assert.ok(r.ms < 20000, `info took ${r.ms} ms`);
});

test('info --json is one JSON object with adapters and native status', async () => {
  const r = await runCli(['info', '--json'], { timeoutMs: 30000 });
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.ok(Array.isArray(j.adapters) && j.adapters.length > 0, 'no adapter listed');
  assert.ok(j.adapters.every((a: { features: string[] }) => Array.isArray(a.features)));
  assert.is(j.native.ok, true);
  assert.type(j.native.threads, 'number');
  // a software adapter is never what 'auto' picks
  if (j.adapters.every((a: { software: boolean }) => a.software)) assert.is(j.auto.backend, 'native');
});

test('an unknown flag is a one-line usage error with exit code 2', async () => {
  const r = await runCli(['info', '--no-such-flag']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /unknown option '--no-such-flag'/);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
});

test('bad values are one-line errors naming the flag, exit 2', async () => {
  for (const args of [['bench', 'kernels', '--repeats', '0'], ['bench', 'kernels', '--ops', 'nope'], ['bench', 'kernels', '--sizes', '12x3'], ['bench', 'kernels', '--backend', 'cuda']]) {
    const r = await runCli(args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^cefm-native: /);
  }
});

test('a missing addon gives one line saying how to build it', async () => {
  const r = await runCli(['bench', 'kernels', '--backend', 'native', '--ops', 'matmul', '--sizes', '8'], { env: { CEFM_ADDON: '/nonexistent/cefm_native.node' } });
  assert.is(r.code, 1);
  assert.match(r.stderr, /native addon not built .*npm run build:native/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

test('an adapter that does not exist is named in a one-line error listing the real ones', async () => {
  const r = await runCli(['bench', 'kernels', '--backend', 'webgpu', '--adapter', 'no-such-gpu', '--ops', 'matmul', '--sizes', '8']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^cefm-native: WebGPU adapter 'no-such-gpu' not found \(Available adapters: .*backend: /);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('bench kernels --json gives figures for both backends', async () => {
  const r = await runCli(['bench', 'kernels', '--ops', 'matmul', '--sizes', '64,7x13x5', '--repeats', '3', '--warmup', '1', '--json'], { timeoutMs: 120000 });
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.is(j.backends.length, 2);
  for (const b of j.backends) {
    assert.is(b.results.length, 2);
    for (const x of b.results) assert.ok(x.medianMs > 0 && x.gflops > 0, JSON.stringify(x));
  }
});

test.run();
