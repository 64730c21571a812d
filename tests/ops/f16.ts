// The f16-storage forward checks shared by the op families (WebGPU with f16: true, shader-f16):
// each case against the float64 reference at the f16 tolerance, and shown to really be the f16
// path (its error is far above f32 rounding).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/ts/backend/backend.js';
import { ReferenceBackend } from '../../src/ts/backend/reference.js';
import { WebGpuBackend } from '../../src/ts/backend/webgpu/backend.js';
import { type OpCase, caseName } from './case.js';
import { caseInputs, relError } from './harness.js';
import { tolerance } from './tolerances.js';

/** Registers one f16 forward test per case (plus a dispose); `family` names the skip warning. */
export function f16ForwardTests(family: string, cases: OpCase[]): void {
  const ref = new ReferenceBackend();
  const opened: Promise<Backend | null> = WebGpuBackend.open({ f16: true, poison: true, allowSoftware: true }).catch((e: Error) => {
    if (process.env.CEFM_SKIP_GPU === '1') {
      console.warn(`\n!!! CEFM_SKIP_GPU=1: SKIPPING the f16 ${family} tests (${e.message})\n`);
      return null;
    }
    throw e;
  });

  for (const c of cases) {
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
}
