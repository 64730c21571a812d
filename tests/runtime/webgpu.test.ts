// The GPU runtime on a real Dawn adapter (lavapipe here): errors, pool, timing, poison.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebGpuBackend } from '../../src/ts/backend/webgpu/backend.js';
import { acquireDevice } from '../../src/ts/backend/webgpu/device.js';
import { packUniforms } from '../../src/ts/backend/webgpu/kernel.js';
import { defineWgsl } from '../../src/ts/backend/webgpu/pipelines.js';
import { openTestBackend } from '../ops/harness.js';
import { NO_GPU, disposeBackend, skip } from '../util/skip.js';

const opened = openTestBackend('webgpu') as Promise<WebGpuBackend | null>;

test('a software adapter is refused unless allowed', async () => {
  if (!(await opened)) return skip(NO_GPU);
  const gpu = (await opened)!;
  if (!gpu.acquired.summary.software) return skip('a hardware adapter: no software adapter to refuse');
  try {
    await acquireDevice({ allowSoftware: false });
    assert.unreachable('software adapter accepted');
  } catch (e) {
    assert.match((e as Error).message, /only a software WebGPU adapter/);
  }
});

test('requests timestamp-query and shader-f16 when offered', async () => {
  const gpu = await opened;
  if (!gpu) return skip(NO_GPU);
  const a = gpu.acquired;
  assert.is(a.hasTimestamps, a.adapter.features.has('timestamp-query'));
  assert.is(a.hasF16, a.adapter.features.has('shader-f16'));
});

test('a WGSL compile error names the file and line', async () => {
  const gpu = await opened;
  if (!gpu) return skip(NO_GPU);
  defineWgsl('broken_test', 'struct P { n: u32 }\n@group(0) @binding(0) var<uniform> p: P;\n@compute @workgroup_size(1)\nfn main() {\n  let x: f32 = undefined_name;\n}\n');
  const buf = gpu.runtime.pool.acquire(16);
  gpu.runtime.beginKernel('broken_op [1]');
  try {
    gpu.runtime.dispatch({ pipeline: { shader: 'broken_test' }, buffers: [], uniforms: packUniforms([{ u: 1 }]), workgroups: [1] });
  } catch {
    // Dawn may throw at pipeline creation or report through the compilation info: both must name the line.
  }
  try {
    await gpu.sync();
    assert.unreachable('no error reported');
  } catch (e) {
    assert.match((e as Error).message, /broken_test\.wgsl:5/);
  }
  gpu.runtime.pool.release(buf);
});

test('a validation error names the kernel and its shapes', async () => {
  const gpu = await opened;
  if (!gpu) return skip(NO_GPU);
  const src = gpu.runtime.pool.acquire(256), dst = gpu.runtime.pool.acquire(256);
  gpu.runtime.beginKernel('my_op [70000,3]');
  gpu.runtime.dispatch({ pipeline: { shader: 'copy' }, buffers: [src, dst], uniforms: packUniforms([{ u: 4 }]), workgroups: [70000] });
  try {
    await gpu.sync();
    assert.unreachable('no validation error');
  } catch (e) {
    assert.match((e as Error).message, /my_op \[70000,3\]/);
  }
  gpu.runtime.pool.release(src);
  gpu.runtime.pool.release(dst);
  // the backend stays usable afterwards
  const [y] = await gpu.forward('matmul', [{ shape: [1, 2], data: new Float32Array([1, 2]) }, { shape: [2, 1], data: new Float32Array([3, 4]) }]);
  assert.equal(Array.from(y.data), [11]);
});

test('buffers are pooled: a released buffer of the same bucket is reused', async () => {
  const gpu = await opened;
  if (!gpu) return skip(NO_GPU);
  const a = gpu.runtime.pool.acquire(1000);
  gpu.runtime.pool.release(a);
  const b = gpu.runtime.pool.acquire(900);
  assert.ok(a === b, 'not reused');
  gpu.runtime.pool.release(b);
});

test('poisoned tensors read back as NaN', async () => {
  const gpu = await opened;
  if (!gpu) return skip(NO_GPU);
  const t = gpu.empty([3, 5]);
  const h = await gpu.download(t);
  assert.ok(h.data.every((v) => Number.isNaN(v)));
  t.dispose();
});

test('timestamp timing gives one positive time per run', async () => {
  const gpu = await opened;
  if (!gpu) return skip(NO_GPU);
  if (!gpu.acquired.hasTimestamps) return skip('the adapter has no timestamp-query');
  const a = gpu.upload({ shape: [33, 17], data: new Float32Array(33 * 17).fill(1) });
  const b = gpu.upload({ shape: [17, 9], data: new Float32Array(17 * 9).fill(1) });
  const c = gpu.empty([33, 9]);
  const times = await gpu.timeKernel('matmul', [a, b], [c], {}, 5);
  assert.is(times.length, 5);
  assert.ok(times.every((t) => t > 0 && t < 10000), String(times));
  const h = await gpu.download(c);
  assert.ok(h.data.every((v) => v === 17));
  [a, b, c].forEach((t) => t.dispose());
});

test('bad op arguments throw at once, naming the op and the shapes', async () => {
  const gpu = await opened;
  if (!gpu) return skip(NO_GPU);
  try {
    await gpu.forward('matmul', [{ shape: [2, 3], data: new Float32Array(6) }, { shape: [4, 5], data: new Float32Array(20) }]);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /^matmul: inner dimensions differ \(3 vs 4\) \(input shapes \[2,3\] \[4,5\]\)$/);
  }
});

test('dispose', async () => {
  await disposeBackend(opened);
});

test.run();
