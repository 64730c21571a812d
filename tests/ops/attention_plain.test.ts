// The attention kernels' variant without subgroup shuffles (adapters without `subgroups`, or with
// subgroups under 8 lanes), forced with CEFM_ATTENTION_SUBGROUPS=0 on an adapter that has them:
// forward and every gradient against the float64 reference. Cases with D, Dv <= 32 only, which
// share one pipeline per kernel (compiling is most of the cost on a software adapter).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReferenceBackend } from '../../src/ts/backend/reference.js';
import { caseName } from './case.js';
import { cases } from './cases/attention.js';
import { compareWithReference, openTestBackend } from './harness.js';
import { tolerance } from './tolerances.js';

process.env.CEFM_ATTENTION_SUBGROUPS = '0';
const ref = new ReferenceBackend();
const opened = openTestBackend('webgpu');

for (const c of cases.filter((c) => c.shapes[0][3] <= 32 && c.shapes[2][3] <= 32)) {
  test(`webgpu without subgroups: ${caseName(c)}`, async () => {
    const be = await opened;
    if (!be) return;
    const tol = tolerance(c.op);
    const r = await compareWithReference(be, ref, c);
    r.forward.forEach((e, i) => assert.ok(e <= tol, `output ${i}: rel error ${e.toExponential(2)} > ${tol}`));
    r.backward.forEach((e, i) => assert.ok(e === null || e <= tol, `grad of input ${i}: rel error ${e?.toExponential(2)} > ${tol}`));
  });
}

test('webgpu without subgroups: dispose', async () => {
  await (await opened)?.dispose();
});

test.run();
