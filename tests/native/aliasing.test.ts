// Tensors that share storage on the native backend: reshape views, add's pass-through gradients,
// and copy on write before every in-place kernel. Checked against the float64 reference backend.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as F from '../../src/ts/autograd/functional.js';
import { withGraph } from '../../src/ts/autograd/graph.js';
import { Parameter } from '../../src/ts/autograd/tensor.js';
import type { Backend, DeviceTensor } from '../../src/ts/backend/backend.js';
import { NativeBackend } from '../../src/ts/backend/native.js';
import { ReferenceBackend } from '../../src/ts/backend/reference.js';
import { Rng } from '../util/rng.js';

const be = new NativeBackend({ poison: true });
const ref = new ReferenceBackend();
const rng = new Rng(11);
const host = (shape: number[]) => ({ shape, data: rng.array(shape.reduce((a, b) => a * b, 1)) });
const read = async (t: DeviceTensor) => Array.from((await be.download(t)).data);
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.is(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > tol * (1 + Math.abs(b[i]))) assert.unreachable(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test('reshape is a view: no kernel, same values, and it outlives its source', async () => {
  const x = be.upload(host([3, 5, 7]));
  const want = await read(x);
  const buffers = be.memory().buffers;
  const [y] = be.op('reshape', [x], { shape: [7, -1] });
  assert.equal(y.shape, [7, 15]);
  assert.is(be.memory().buffers, buffers, 'a view allocates no buffer');
  x.dispose();
  assert.equal(await read(y), want);
  y.dispose();
  assert.is(be.memory().buffers, buffers - 1, 'the buffer is freed with its last tensor');
});

test('an in-place kernel on a view writes a private copy (copy on write)', async () => {
  const x = be.upload(host([4, 9]));
  const before = await read(x);
  const [y] = be.op('reshape', [x], { shape: [36] });
  const [filled] = be.op('fill', [y], { value: 2.5 });
  assert.ok(filled === y, 'fill returns its (now private) target');
  assert.equal(await read(y), new Array(36).fill(2.5));
  assert.equal(await read(x), before, 'the source is untouched');
  const z = be.op('reshape', [x], { shape: [9, 4] })[0];
  const addHost = host([4, 9]);
  const add = be.upload(addHost);
  const [acc] = be.op('accumulate', [x, add]);
  assert.ok(acc === x, 'accumulate returns its target');
  close(await read(x), before.map((v, i) => v + addHost.data[i]), 1e-6, 'accumulated source');
  assert.equal(await read(z), before, 'the other view keeps the old values');
  z.dispose();
  [x, y, add].forEach((t) => t.dispose());
});

test("add's gradients are dy itself (same shape) or dy summed over broadcast dims, as the reference", async () => {
  const cases: [number[], number[]][] = [[[5, 7], [5, 7]], [[3, 11, 6], [11, 6]], [[3, 11, 6], [1, 11, 1]], [[4, 1, 5], [1, 3, 1]], [[2, 9], [9]]];
  for (const [sa, sb] of cases) {
    const a = host(sa), b = host(sb);
    const out = sa.length >= sb.length ? sa.map((d, k) => Math.max(d, sb[k - (sa.length - sb.length)] ?? 1)) : sb;
    const dy = host(out);
    const got = await be.backward('add', [a, b], {}, dy);
    const want = await ref.backward('add', [a, b], {}, dy);
    got.forEach((g, i) => {
      assert.equal(g!.shape, [sa, sb][i], `[${sa}] + [${sb}]: gradient ${i} shape`);
      close(g!.data, want[i]!.data, 1e-5, `[${sa}] + [${sb}]: gradient ${i}`);
    });
  }
});

test('accumulating into a shared gradient leaves the other holders intact', async () => {
  const a = be.upload(host([6, 5])), b = be.upload(host([6, 5])), dyHost = host([6, 5]);
  const dy = be.upload(dyHost);
  const [y] = be.op('add', [a, b]);
  const [da, db] = be.opBackward('add', [a, b], [y], [dy]);
  const extra = be.upload(host([6, 5]));
  const extraValues = await read(extra);
  be.op('accumulate', [da!, extra]);
  close(await read(da!), dyHost.data.map((v, i) => v + extraValues[i]), 1e-6, 'da after accumulate');
  close(await read(db!), dyHost.data, 0, 'db');
  close(await read(dy), dyHost.data, 0, 'dy');
  [a, b, dy, y, da!, db!, extra].forEach((t) => t.dispose());
});

/** Gradient of sum((x + x) * w + reshape(x + b)) on a backend, for x, w, b. */
async function residualGrads(backend: Backend, values: { x: ReturnType<typeof host>; w: ReturnType<typeof host>; b: ReturnType<typeof host> }) {
  const x = new Parameter(backend.upload(values.x), 'x'), w = new Parameter(backend.upload(values.w), 'w'), b = new Parameter(backend.upload(values.b), 'b');
  await withGraph(async (g) => {
    const h = F.add(x, x);
    const y = F.add(F.sum(F.mul(h, w), [0, 1]), F.sum(F.reshape(F.add(h, b), [-1]), [0]));
    g.backward(y);
  });
  const grads = await Promise.all([x, w, b].map(async (p) => Array.from((await backend.download(p.grad!)).data)));
  [x, w, b].forEach((p) => p.dispose());
  return grads;
}

test('autograd through aliased gradients matches the reference (x + x, broadcast, reshape)', async () => {
  const values = { x: host([7, 5]), w: host([7, 5]), b: host([5]) };
  const got = await residualGrads(be, values), want = await residualGrads(ref, values);
  ['x', 'w', 'b'].forEach((n, i) => close(got[i], want[i], 1e-5, `d${n}`));
});

test.run();
