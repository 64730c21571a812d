// The f16-storage path of the attention forward (WebGPU with f16: true, shader-f16): inference
// stages key and value tiles as f16 and accumulates in f32. Checked against the float64 reference
// at the f16 tolerance, and shown to really be the f16 path (its error is far above f32 rounding).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/ts/backend/backend.js';
import { ReferenceBackend } from '../../src/ts/backend/reference.js';
import { WebGpuBackend } from '../../src/ts/backend/webgpu/backend.js';
import { caseName } from './case.js';
import { cases } from './cases/attention.js';
import { caseInputs, relError } from './harness.js';
import { tolerance } from './tolerances.js';

const ref = new ReferenceBackend();
const opened: Promise<Backend | null> = WebGpuBackend.open({ f16: true, poison: true, allowSoftware: true }).catch((e: Error) => {
  if (process.env.CEFM_SKIP_GPU === '1') {
    console.warn(`\n!!! CEFM_SKIP_GPU=1: SKIPPING the f16 attention tests (${e.message})\n`);
    return null;
  }
  throw e;
});

// Cases with outputs (an empty output has no rounding to show).
const f16Cases = cases.filter((c) => c.shapes[0].every((d) => d > 0));

for (const c of f16Cases) {
  test(`webgpu f16: ${caseName(c)}`, async () => {
    const be = await opened;
    if (!be) return;
    const inputs = caseInputs(c);
    const [want] = await ref.forward(c.op, inputs, c.attrs);
    const [got] = await be.forward(c.op, inputs, c.attrs);
    const err = relError(got.data, want.data);
    assert.ok(err <= tolerance(c.op, 'f16'), `rel error ${err.toExponential(2)} > ${tolerance(c.op, 'f16')}`);
    assert.ok(err > 1e-6, `rel error ${err.toExponential(2)} is f32-exact: the f16 path did not run`);
  });
}

test('webgpu f16: dispose', async () => {
  await (await opened)?.dispose();
});

test.run();
