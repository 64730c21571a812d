// Gradients of each backend by central finite differences of its own float32 forward, for a few
// ops: an independent check of the backward kernels that needs neither the reference nor torch
// (tests/ops/gradcheck.test.ts does the float64 reference).
// L(inputs) = Σ_k <out_k, dy_k> (summed in float64); dL/dx_j ≈ (L(x_j + h) − L(x_j − h)) / 2h.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/ts/backend/backend.js';
import type { Attrs } from '../../src/ts/ops/op.js';
import { type HostTensor, numel } from '../../src/ts/tensor.js';
import { Rng, hashSeed } from '../util/rng.js';
import { backendKinds, openTestBackend, selectByOp } from './harness.js';
import { NO_GPU, disposeBackend, skip } from '../util/skip.js';

/** Step: large enough that float32 rounding of L (~1e-7 relative) stays far below the difference. */
const H = 1e-2;
/** Loose, for float32: observed errors are ~1e-5 (O(h²) truncation plus float32 rounding of L); a wrong rule is off by O(1). */
const TOL = 3e-3;
const PROBES_PER_INPUT = 5;

interface FdCase {
  op: string;
  shapes: number[][];
  attrs?: Attrs;
  /** Input ranges (default ±1). */
  range?: number;
}

const cases: FdCase[] = [
  { op: 'matmul', shapes: [[5, 7], [7, 4]] },
  { op: 'conv2d', shapes: [[1, 3, 6, 5], [4, 3, 3, 3], [4]], attrs: { padding: 1 } },
  { op: 'conv2d', shapes: [[2, 4, 5, 5], [4, 2, 3, 3]], attrs: { stride: 2, groups: 2 } },
  { op: 'layer_norm', shapes: [[3, 7], [7], [7]], range: 2 },
  { op: 'softmax', shapes: [[4, 9]], range: 3 },
  { op: 'attention', shapes: [[1, 2, 5, 8], [1, 2, 6, 8], [1, 2, 6, 4]] },
  { op: 'nt_xent', shapes: [[4, 6], [4, 6]], attrs: { tau: 0.5 } },
];

function caseLabel(c: FdCase): string {
  return `${c.op} ${c.shapes.map((s) => `[${s}]`).join(' ')}${c.attrs ? ` ${JSON.stringify(c.attrs)}` : ''}`;
}

/** Σ_k <out_k, dy_k> in float64 over the backend's float32 outputs. */
async function lossOf(be: Backend, c: FdCase, inputs: HostTensor[], dys: HostTensor[]): Promise<number> {
  const outs = await be.forward(c.op, inputs, c.attrs);
  let s = 0;
  outs.forEach((o, k) => o.data.forEach((v, i) => { s += v * dys[k].data[i]; }));
  return s;
}

function rms(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return Math.sqrt(s / Math.max(1, a.length));
}

async function checkGradients(be: Backend, c: FdCase): Promise<void> {
  const rng = new Rng(hashSeed(caseLabel(c)));
  const range = c.range ?? 1;
  const inputs: HostTensor[] = c.shapes.map((s) => ({ shape: s, data: rng.array(numel(s), -range, range) }));
  const outs = await be.forward(c.op, inputs, c.attrs);
  const dys: HostTensor[] = outs.map((o) => ({ shape: o.shape, data: rng.array(numel(o.shape)) }));
  const grads = await be.backward(c.op, inputs, c.attrs, dys);
  for (const [i, g] of grads.entries()) {
    assert.ok(g, `input ${i} should have a gradient`);
    const x = inputs[i].data;
    const scale = rms(g!.data);
    for (let p = 0; p < PROBES_PER_INPUT; p++) {
      const j = rng.int(0, x.length);
      const saved = x[j];
      const up = Math.fround(saved + H), down = Math.fround(saved - H);
      x[j] = up;
      const lUp = await lossOf(be, c, inputs, dys);
      x[j] = down;
      const lDown = await lossOf(be, c, inputs, dys);
      x[j] = saved;
      const fd = (lUp - lDown) / (up - down);
      const err = Math.abs(fd - g!.data[j]) / Math.max(Math.abs(fd), Math.abs(g!.data[j]), scale, 1e-6);
      assert.ok(err <= TOL, `input ${i} element ${j}: backward ${g!.data[j]} vs finite difference ${fd} (rel ${err.toExponential(2)} > ${TOL})`);
    }
  }
}

for (const kind of backendKinds().filter((k) => k !== 'reference')) {
  const opened = openTestBackend(kind);
  opened.catch(() => {}); // the tests await it and fail with its error; this only avoids an unhandled rejection
  for (const c of selectByOp(cases)) {
    test(`${kind}: backward = finite differences of forward: ${caseLabel(c)}`, async () => {
      const be = await opened;
      if (!be) return skip(NO_GPU);
      await checkGradients(be, c);
    });
  }
  test(`${kind}: dispose`, async () => {
    await disposeBackend(opened);
  });
}

test.run();
