// The attention kernels' variant without subgroup shuffles (adapters without `subgroups`, or with
// subgroups under 8 lanes), forced with CEFM_ATTENTION_SUBGROUPS=0 on an adapter that has them:
// forward and every gradient against the float64 reference. Cases with D, Dv <= 32 only, which
// share one pipeline per kernel (compiling is most of the cost on a software adapter).
import { test } from 'uvu';
import { ReferenceBackend } from '../../src/ts/backend/reference.js';
import { caseName } from './case.js';
import { cases } from './cases/attention.js';
import { assertMatchesReference, openTestBackend } from './harness.js';
import { NO_GPU, disposeBackend, skip } from '../util/skip.js';

process.env.CEFM_ATTENTION_SUBGROUPS = '0';
const ref = new ReferenceBackend();
const opened = openTestBackend('webgpu');

for (const c of cases.filter((c) => c.shapes[0][3] <= 32 && c.shapes[2][3] <= 32)) {
  test(`webgpu without subgroups: ${caseName(c)}`, async () => {
    const be = await opened;
    if (!be) return skip(NO_GPU);
    await assertMatchesReference(be, ref, c);
  });
}

test('webgpu without subgroups: dispose', async () => {
  await disposeBackend(opened);
});

test.run();
