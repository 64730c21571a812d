// The op list (src/ts/ops/index.ts) is what everything else reads: each op in it has harness cases,
// a PyTorch fixture is checked in fixtures.test.ts, and both backends have its kernels (`<op>`,
// and `<op>_backward` when it has a gradient). A kernel for no listed op is a leftover.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadAddon } from '../../src/ts/addon.js';
import { gpuKernels } from '../../src/ts/backend/webgpu/kernels/index.js';
import { backwardKernelName } from '../../src/ts/ops/backward-call.js';
import { allOps } from '../../src/ts/ops/index.js';
import { allCases } from './cases/index.js';

const wanted = allOps.flatMap((d) => (d.differentiable ? [d.name, backwardKernelName(d.name)] : [d.name]));

test('op names are unique', () => {
  assert.is(new Set(allOps.map((d) => d.name)).size, allOps.length);
});

test('every op has harness cases', () => {
  const covered = new Set(allCases.map((c) => c.op));
  assert.equal(allOps.map((d) => d.name).filter((n) => !covered.has(n)), []);
});

test('every case names a listed op', () => {
  const names = new Set(allOps.map((d) => d.name));
  assert.equal([...new Set(allCases.map((c) => c.op))].filter((n) => !names.has(n)), []);
});

test('WebGPU has exactly the kernels of the op list', () => {
  assert.equal(wanted.filter((k) => !(k in gpuKernels)), [], 'missing');
  assert.equal(Object.keys(gpuKernels).filter((k) => !wanted.includes(k)), [], 'not in the op list');
});

test('the native addon has every kernel of the op list', () => {
  const native = new Set(loadAddon().info().kernels);
  assert.equal(wanted.filter((k) => !native.has(k)), []);
});

test.run();
