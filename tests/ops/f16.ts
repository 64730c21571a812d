// The f16-storage forward checks shared by the op families: each case run with the per-call
// option { precision: 'f16' } on a default (f32) WebGPU backend, against the float64 reference at
// the f16 tolerance, and shown to really be the f16 path (its error is far above f32 rounding);
// the same call without the option stays f32-exact.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/ts/backend/backend.js';
import { ReferenceBackend } from '../../src/ts/backend/reference.js';
import type { WebGpuBackend } from '../../src/ts/backend/webgpu/backend.js';
import { type OpCase, caseName } from './case.js';
import { caseInputs, openTestBackend, relError } from './harness.js';
import { tolerance } from './tolerances.js';
import { NO_GPU, disposeBackend, skip } from '../util/skip.js';

/** Registers one f16 forward test per case (plus a dispose). */
export function f16ForwardTests(family: string, cases: OpCase[]): void {
  const ref = new ReferenceBackend();
  const opened = openTestBackend('webgpu') as Promise<WebGpuBackend | null>;
  opened.catch(() => {}); // the tests await it and fail with its error

  for (const c of cases) {
    test(`webgpu f16 (${family}): ${caseName(c)}`, async () => {
      const be = await opened;
      if (!be) return skip(NO_GPU);
      if (!be.acquired.hasF16) return skip('the adapter has no shader-f16');
      const inputs = caseInputs(c);
      const [want] = await ref.forward(c.op, inputs, c.attrs);
      const [got] = await be.forward(c.op, inputs, c.attrs, { precision: 'f16' });
      const err = relError(got.data, want.data);
      assert.ok(err <= tolerance(c.op, 'f16'), `rel error ${err.toExponential(2)} > ${tolerance(c.op, 'f16')}`);
      assert.ok(err > 1e-6, `rel error ${err.toExponential(2)} is f32-exact: the f16 path did not run`);
      const [f32] = await be.forward(c.op, inputs, c.attrs);
      const err32 = relError(f32.data, want.data);
      assert.ok(err32 <= tolerance(c.op), `without the option: rel error ${err32.toExponential(2)} > ${tolerance(c.op)} (not f32)`);
    });
  }

  test(`webgpu f16 (${family}): dispose`, async () => {
    await disposeBackend(opened as Promise<Backend | null>);
  });
}
