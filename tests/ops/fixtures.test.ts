// Every PyTorch fixture (tests/fixtures/<op>.json, from gen_fixtures.py) on the float64 reference
// and on every backend: forward outputs and every input gradient, as ‖out − ref‖ / ‖ref‖ against
// torch's float64 results. An op without a definition or kernel fails here, so gaps stay visible.
// CEFM_OPS=op1,op2 narrows the ops; CEFM_BACKENDS=reference,native,webgpu narrows the backends.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend, BackendKind } from '../../src/ts/backend/backend.js';
import { type HostTensor, shapeString } from '../../src/ts/tensor.js';
import { contractOps, type FixtureCase, fixtureDir, loadFixtures } from '../fixtures/load.js';
import { backendKinds, openTestBackend, relError, selectByOp } from './harness.js';
import { tolerance } from './tolerances.js';
import { NO_GPU, disposeBackend, skip } from '../util/skip.js';

const fixtures = selectByOp(loadFixtures());
const kinds: BackendKind[] = process.env.CEFM_BACKENDS ? backendKinds() : ['reference', ...backendKinds()];

test('every op of docs/ops.md has a fixture', () => {
  const missing = selectByOp(contractOps().map((op) => ({ op }))).filter(({ op }) => !existsSync(join(fixtureDir, `${op}.json`)));
  assert.equal(missing.map((m) => m.op), [], 'ops without tests/fixtures/<op>.json (run tests/fixtures/gen_fixtures.py)');
});

function expectClose(what: string, got: HostTensor | null | undefined, want: HostTensor | null, tol: number): void {
  if (!want || !got) {
    assert.ok(!want && !got, `${what}: expected ${want ? shapeString(want.shape) : 'null'}, got ${got ? shapeString(got.shape) : 'null'}`);
    return;
  }
  assert.is(shapeString(got.shape), shapeString(want.shape), `${what}: shape`);
  const err = relError(got.data, want.data);
  assert.ok(err <= tol, `${what}: rel error ${err.toExponential(2)} > ${tol}`);
}

async function checkCase(be: Backend, op: string, c: FixtureCase): Promise<void> {
  const tol = tolerance(op);
  const outs = await be.forward(op, c.inputs, c.attrs);
  assert.is(outs.length, c.outputs.length, 'number of outputs');
  c.outputs.forEach((want, i) => expectClose(`output ${i}`, outs[i], want, tol));
  if (!c.dOutputs || !c.grads) return;
  const grads = await be.backward(op, c.inputs, c.attrs, c.dOutputs);
  assert.is(grads.length, c.grads.length, 'number of gradients');
  c.grads.forEach((want, i) => expectClose(`grad of input ${i}`, grads[i], want, tol));
}

for (const kind of kinds) {
  const opened = openTestBackend(kind);
  opened.catch(() => {}); // the tests below await it and fail with its error; this only avoids an unhandled rejection
  for (const f of fixtures) {
    for (const c of f.cases) {
      test(`${kind}: ${f.op} (${c.name}) vs torch ${f.torch}`, async () => {
        const be = await opened;
        if (!be) return skip(NO_GPU);
        await checkCase(be, f.op, c);
      });
    }
  }
  test(`${kind}: dispose`, async () => {
    await disposeBackend(opened);
  });
}

test.run();
