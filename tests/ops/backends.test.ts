// The op harness (after ggml's test-backend-ops): every case of every op on every backend,
// forward and all input gradients, against the float64 reference, with outputs poisoned (NaN).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReferenceBackend } from '../../src/ts/backend/reference.js';
import { allCases } from './cases/index.js';
import { caseName } from './case.js';
import { backendKinds, compareWithReference, openTestBackend, selectCases } from './harness.js';
import { tolerance } from './tolerances.js';

const ref = new ReferenceBackend();
const cases = selectCases(allCases);

for (const kind of backendKinds()) {
  const opened = openTestBackend(kind);
  for (const c of cases) {
    test(`${kind}: ${caseName(c)}`, async () => {
      const be = await opened;
      if (!be) return;
      const tol = tolerance(c.op);
      const r = await compareWithReference(be, ref, c);
      r.forward.forEach((e, i) => assert.ok(e <= tol, `output ${i}: rel error ${e.toExponential(2)} > ${tol}`));
      r.backward.forEach((e, i) => assert.ok(e === null || e <= tol, `grad of input ${i}: rel error ${e?.toExponential(2)} > ${tol}`));
    });
  }
  test(`${kind}: dispose`, async () => {
    const be = await opened;
    await be?.dispose();
  });
}

test.run();
