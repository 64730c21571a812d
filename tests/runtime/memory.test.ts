// Device memory over long loops, on native and WebGPU: tidy() frees what a step made, keep() and
// returned tensors survive, dropped tensors are freed by the finalizer; a 1,000-step training-like
// loop (forward, backward, AdamW in place) holds memory flat.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend, DeviceTensor } from '../../src/ts/backend/backend.js';
import { keep, scopeSize, tidy } from '../../src/ts/backend/scope.js';
import { openTestBackend } from '../ops/harness.js';
import { Rng } from '../util/rng.js';
import { NO_GPU, disposeBackend, skip } from '../util/skip.js';

const rng = new Rng(3);
const host = (shape: number[]) => ({ shape, data: rng.array(shape.reduce((a, b) => a * b, 1)) });
const gc = (globalThis as { gc?: () => void }).gc;

for (const kind of ['native', 'webgpu'] as const) {
  const opened = openTestBackend(kind);
  opened.catch(() => {}); // the tests await it and fail with its error
  // Native frees a buffer once the kernels queued on it have run: count after the stream drains.
  const live = async (be: Backend) => {
    await be.sync();
    return be.memory!();
  };

  test(`${kind}: tidy disposes what the scope made, except returned and kept tensors`, async () => {
    const be = await opened;
    if (!be) return skip(NO_GPU);
    const before = (await live(be)).buffers;
    const outside = be.upload(host([3, 4]));
    let kept: DeviceTensor | undefined;
    const [returned, nested] = tidy(() => {
      const a = be.upload(host([4, 5]));
      const [y] = be.op('matmul', [outside, a]);
      const [z] = be.op('relu', [y]);
      kept = keep(be.op('gelu', [z])[0]);
      const inner = tidy(() => be.op('sigmoid', [be.op('tanh', [z])[0]])[0]);
      assert.is(scopeSize(), 4, 'a, y, z and the inner result (moved up); kept left the scope');
      return [z, { inner }];
    }) as [DeviceTensor, { inner: DeviceTensor }];
    assert.is((await live(be)).buffers, before + 4, 'outside, returned, kept and the inner result are alive');
    assert.is((await be.download(returned)).shape.join('x'), '3x5');
    assert.is((await be.download(nested.inner)).shape.join('x'), '3x5');
    assert.is((await be.download(kept!)).shape.join('x'), '3x5');
    [outside, returned, nested.inner, kept!].forEach((t) => t.dispose());
    assert.is((await live(be)).buffers, before);
  });

  test(`${kind}: an async tidy owns what it makes after await; a throw disposes everything`, async () => {
    const be = await opened;
    if (!be) return skip(NO_GPU);
    const before = (await live(be)).buffers;
    const y = await tidy(async () => {
      const a = be.upload(host([8]));
      await be.sync();
      const [b] = be.op('relu', [a]);
      await be.download(b);
      return be.op('tanh', [b])[0];
    });
    assert.is((await live(be)).buffers, before + 1);
    y.dispose();
    assert.throws(() => tidy(() => {
      be.upload(host([8]));
      throw new Error('boom');
    }), /boom/);
    assert.is((await live(be)).buffers, before, 'the failed scope freed its tensor');
  });

  test(`${kind}: 1,000 steps of forward + backward + AdamW in tidy hold memory flat`, async () => {
    const be = await opened;
    if (!be) return skip(NO_GPU);
    const x = be.upload(host([8, 12])), w = be.upload(host([6, 12])), b = be.upload(host([6]));
    const m = [w, b].map((p) => be.upload({ shape: p.shape, data: new Float32Array(p.shape.reduce((s, d) => s * d, 1)) }));
    const v = [w, b].map((p) => be.upload({ shape: p.shape, data: new Float32Array(p.shape.reduce((s, d) => s * d, 1)) }));
    const step = (t: number) => tidy(() => {
      const [y] = be.op('linear', [x, w, b]);
      const [h] = be.op('gelu', [y]);
      const [dh] = be.op('tanh', [h]); // some upstream gradient
      const [dy] = be.opBackward('gelu', [y], [h], [dh]);
      const [, dw, db] = be.opBackward('linear', [x, w, b], [y], [dy!]);
      be.op('adamw_step', [w, dw!, m[0], v[0]], { lr: 1e-3, step: t });
      be.op('adamw_step', [b, db!, m[1], v[1]], { lr: 1e-3, step: t });
    });
    for (let t = 1; t <= 20; t++) step(t);
    await be.sync();
    const before = await live(be);
    for (let t = 21; t <= 1020; t++) {
      step(t);
      if (t % 100 === 0) await be.sync();
    }
    await be.sync();
    assert.equal(await live(be), before, 'device memory grew over 1,000 steps');
    const wNow = await be.download(w);
    assert.ok(wNow.data.every(Number.isFinite), 'the parameters stay finite');
    [x, w, b, ...m, ...v].forEach((t) => t.dispose());
  });

  test(`${kind}: tensors dropped without dispose are freed by the finalizer`, async () => {
    const be = await opened;
    if (!be) return skip(NO_GPU);
    if (!gc) return skip('run with --expose-gc (tests/run.mjs does) to check the finalizer');
    await be.sync();
    const before = (await live(be)).buffers;
    // Made in a plain function so that no variable of this async one still holds the last of them.
    const made = ((): number => {
      const held: DeviceTensor[] = [];
      for (let i = 0; i < 200; i++) {
        const x = be.upload(host([16, 16]));
        held.push(x, ...be.op('relu', [x]));
      }
      return be.memory!().buffers - before; // dropped here, never disposed
    })();
    assert.is(made, 400, "buffers made");
    await be.sync();
    for (let i = 0; i < 10 && (await live(be)).buffers > before; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.is((await live(be)).buffers, before);
  });

  test(`${kind}: dispose`, async () => {
    await disposeBackend(opened);
  });
}

test.run();
