// The native backend's runtime: memory, the non-blocking stream, errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadAddon } from '../../src/ts/addon.js';
import { NativeBackend } from '../../src/ts/backend/native.js';
import { ReferenceBackend } from '../../src/ts/backend/reference.js';
import type { Attrs } from '../../src/ts/ops/op.js';
import { Rng } from '../util/rng.js';

const be = new NativeBackend({ poison: true });
const rng = new Rng(7);
const host = (shape: number[]) => ({ shape, data: rng.array(shape.reduce((a, b) => a * b, 1)) });

test('no memory growth across 10,000 forward/backward calls', async () => {
  const a = be.upload(host([9, 13])), b = be.upload(host([13, 7])), dy = be.upload(host([9, 7]));
  const step = () => {
    const [y] = be.op('matmul', [a, b]);
    const [da, db] = be.opBackward('matmul', [a, b], [y], [dy]);
    y.dispose(); da!.dispose(); db!.dispose();
  };
  for (let i = 0; i < 500; i++) step();
  await be.sync();
  const liveBefore = be.memory();
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  for (let i = 0; i < 10000; i++) {
    step();
    if (i % 1000 === 999) await be.sync(); // let the stream drain as a training loop would
  }
  await be.sync();
  global.gc?.();
  const liveAfter = be.memory();
  const rssAfter = process.memoryUsage().rss;
  assert.equal(liveAfter, liveBefore, 'native buffers leaked');
  assert.ok(rssAfter - rssBefore < 32 * 1024 * 1024, `RSS grew by ${((rssAfter - rssBefore) / 1048576).toFixed(1)} MiB`);
  [a, b, dy].forEach((t) => t.dispose());
});

test('tensors dropped without dispose are freed by the finalizer', async () => {
  await be.sync();
  const before = be.memory().buffers;
  for (let i = 0; i < 200; i++) be.upload(host([16, 16]));
  assert.ok(be.memory().buffers >= before + 200);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return; // run with --expose-gc to check this part; the explicit-dispose test above always runs
  for (let i = 0; i < 5 && be.memory().buffers > before; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.is(be.memory().buffers, before);
});

test('a long kernel does not block the event loop', async () => {
  const a = be.upload(host([700, 700])), b = be.upload(host([700, 700]));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const started = Date.now();
  const outs: ReturnType<typeof be.op>[] = [];
  for (let i = 0; i < 6; i++) outs.push(be.op('matmul', [a, b]));
  await be.sync();
  const ms = Date.now() - started;
  clearInterval(timer);
  assert.ok(ticks >= Math.min(5, ms / 10), `event loop ticked ${ticks} times during ${ms} ms of kernels`);
  outs.flat().forEach((t) => t.dispose());
  a.dispose(); b.dispose();
});

test('bad arguments throw a JS error naming the op and shapes, never crash', async () => {
  const a = be.upload(host([2, 3])), b = be.upload(host([4, 5]));
  assert.throws(() => be.op('matmul', [a, b]), /matmul: inner dimensions differ \(3 vs 4\) \(input shapes \[2,3\] \[4,5\]\)/);
  assert.throws(() => be.op('matmul', [a]), /matmul: expects 2 inputs/);
  assert.throws(() => be.op('no_such_op', [a]), /unknown op 'no_such_op'/);
  assert.throws(() => be.run('no_such_kernel', [a], [b], {}), /native backend has no kernel 'no_such_kernel'/);
  const c = be.upload(host([3, 1]));
  a.dispose();
  assert.throws(() => be.op('matmul', [a, c]), /used after dispose/);
  b.dispose();
  c.dispose();
  await assert.not.throws(async () => be.forward('matmul', [host([1, 1]), host([1, 1])]));
});

test('malformed indexed kernel calls throw a JS error, never crash', () => {
  const addon = loadAddon();
  const relu = addon.kernelIndex('relu');
  assert.ok(relu >= 0);
  assert.is(addon.kernelIndex('no_such_kernel'), -1);
  const a = addon.alloc(6, false), b = addon.alloc(6, false);
  const bad: [string, () => void, RegExp][] = [
    ['negative counts', () => addon.enqueueIndexed(relu, undefined, new Float64Array([-1, 1])), /bad tensor counts/],
    ['NaN count', () => addon.enqueueIndexed(relu, undefined, new Float64Array([NaN, 1, 1, 6]), a, b), /bad tensor counts/],
    ['a buffer missing', () => addon.enqueueIndexed(relu, undefined, new Float64Array([1, 1, 1, 6, 1, 6]), a), /counts differ/],
    ['negative rank', () => addon.enqueueIndexed(relu, undefined, new Float64Array([1, 1, -1, 6, 1, 6]), a, b), /truncated/],
    ['rank past the end', () => addon.enqueueIndexed(relu, undefined, new Float64Array([1, 1, 9, 6]), a, b), /truncated/],
    ['negative dim', () => addon.enqueueIndexed(relu, undefined, new Float64Array([1, 1, 1, -6, 1, 6]), a, b), /not a non-negative integer/],
    ['shape past the buffer', () => addon.enqueueIndexed(relu, undefined, new Float64Array([1, 1, 1, 7, 1, 6]), a, b), /relu input 0: shape larger than its buffer/],
    ['not a buffer', () => addon.enqueueIndexed(relu, undefined, new Float64Array([1, 1, 1, 6, 1, 6]), {} as never, b), /relu input 0 is not a NativeBuffer/],
    ['unknown kernel', () => addon.enqueueIndexed(100000, undefined, new Float64Array([0, 0])), /no kernel with index/],
  ];
  for (const [what, call, message] of bad) assert.throws(call, message, what);
  const freed = addon.alloc(6, false);
  freed.free();
  assert.throws(() => addon.enqueueIndexed(relu, undefined, new Float64Array([1, 1, 1, 6, 1, 6]), freed, b), /used after free/);
  a.free();
  b.free();
});

test('host tensors with the wrong length are rejected', async () => {
  try {
    await be.forward('matmul', [{ shape: [2, 2], data: new Float32Array(3) }, host([2, 2])]);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /matmul: input 0 has shape \[2,2\] \(4 values\) but 3 values/);
  }
});


test('large buffers freed by one pass are reused by the next (buffer cache)', async () => {
  await be.sync();
  const shape = [300, 301]; // 361 KB: above the cache's 64 KB floor
  const first = be.upload(host(shape));
  await be.sync();
  const cachedBefore = be.memory().cachedBytes;
  first.dispose();
  await be.sync();
  const cachedAfterFree = be.memory().cachedBytes;
  assert.ok(cachedAfterFree >= cachedBefore + 300 * 301 * 4, `freed block not kept (${cachedBefore} -> ${cachedAfterFree})`);
  const again = be.upload(host(shape)); // same size: takes the kept block
  await be.sync();
  assert.ok(be.memory().cachedBytes <= cachedAfterFree - 300 * 301 * 4, 'kept block not reused');
  // A reused block holds old numbers: results must not depend on that (the op harness runs with poison too).
  const [y] = be.op('add', [again, again]);
  const out = (await be.download(y)).data, want = (await be.download(again)).data;
  assert.ok(out.every((v, i) => v === 2 * want[i]));
  [again, y].forEach((t) => t.dispose());
});

test('max_pool2d: a NaN spreads to exactly the windows that hold it (separable and 2x2 paths)', async () => {
  const ref = new ReferenceBackend();
  const variants: Attrs[] = [{ kernel: 3, stride: 2, padding: 1 }, { kernel: 2 }, { kernel: 4, stride: 3, padding: 2 }];
  for (const attrs of variants) {
    const shape = [1, 2, 9, 21];
    const data = Float32Array.from({ length: 2 * 9 * 21 }, (_, i) => Math.sin(i * 1.37) * 5);
    for (const at of [0, 20, 4 * 21 + 7, 9 * 21 + 100, 2 * 9 * 21 - 1]) data[at] = NaN;
    const x = { shape, data };
    const [ours] = await be.forward('max_pool2d', [x], attrs);
    const [want] = await ref.forward('max_pool2d', [x], attrs);
    assert.is(ours.data.length, want.data.length);
    let nans = 0;
    for (let i = 0; i < want.data.length; i++) {
      if (Number.isNaN(want.data[i])) {
        nans++;
        assert.ok(Number.isNaN(ours.data[i]), `${JSON.stringify(attrs)}: output ${i} should be NaN`);
      } else {
        assert.is(ours.data[i], want.data[i], `${JSON.stringify(attrs)}: output ${i}`);
      }
    }
    assert.ok(nans > 0 && nans < want.data.length);
  }
});


test('small memory-bound ops run at once when the stream is idle, in stream order when it is not', async () => {
  await be.sync();
  const r = new ReferenceBackend();
  const a = host([300, 300]), b = host([300, 300]);
  const [want] = await r.forward('relu', [(await r.forward('matmul', [a, b]))[0]]);
  // Behind a long kernel (queued), relu must wait for its input.
  const da = be.upload(a), db = be.upload(b);
  const [y] = be.op('matmul', [da, db]);
  const [queued] = be.op('relu', [y]);
  const got = (await be.download(queued)).data;
  assert.ok(got.every((v, i) => Math.abs(v - want.data[i]) <= 1e-4 * (1 + Math.abs(want.data[i]))), 'relu behind matmul');
  // On an idle stream (inline), the same op chain gives the same numbers.
  await be.sync();
  const [again] = be.op('relu', [y]);
  const [sum] = be.op('add', [again, queued]);
  const twice = (await be.download(sum)).data;
  assert.ok(twice.every((v, i) => v === 2 * got[i]), 'inline relu + add');
  // An inline kernel's error surfaces at the next sync, as a queued one's does.
  const logits = be.upload(host([2, 3])), target = be.upload({ shape: [2], data: new Float32Array([0, 7]) });
  const [loss] = be.op('cross_entropy', [logits, target]);
  const error = await be.sync().then(() => null, (e: Error) => e);
  assert.match(String(error?.message), /cross_entropy: target 7/);
  [da, db, y, queued, again, sum, logits, target, loss].forEach((t) => t.dispose());
});

test.run();
