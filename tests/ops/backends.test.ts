// The op harness (after ggml's test-backend-ops): every case of every op on every backend,
// forward and all input gradients, against the float64 reference, with outputs poisoned (NaN).
import { test } from 'uvu';
import { ReferenceBackend } from '../../src/ts/backend/reference.js';
import { allCases } from './cases/index.js';
import { caseName } from './case.js';
import { assertMatchesReference, backendKinds, openTestBackend, selectCases } from './harness.js';
import { NO_GPU, disposeBackend, skip } from '../util/skip.js';

const ref = new ReferenceBackend();
const cases = selectCases(allCases);

for (const kind of backendKinds()) {
  const opened = openTestBackend(kind);
  for (const c of cases) {
    test(`${kind}: ${caseName(c)}`, async () => {
      const be = await opened;
      if (!be) return skip(NO_GPU);
      await assertMatchesReference(be, ref, c);
    });
  }
  test(`${kind}: dispose`, async () => {
    await disposeBackend(opened);
  });
}

test.run();
