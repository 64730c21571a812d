// Finite differences in float64 check every reference backward rule, so the yardstick the
// backends are compared with is itself checked independently (PyTorch fixtures check it too).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RefTensor } from '../../src/ts/ops/op.js';
import { getOp } from '../../src/ts/ops/registry.js';
import { allCases } from './cases/index.js';
import { caseName } from './case.js';
import { caseInputs, caseOutputGrads, centralDifference, selectCases } from './harness.js';
import { Rng, hashSeed } from '../util/rng.js';

const PROBES_PER_INPUT = 12;
const EPS = 1e-6;

for (const c of selectCases(allCases)) {
  const def = getOp(c.op);
  if (!def.differentiable || !def.reference.backward || c.forwardOnly || c.noGradcheck) continue;
  test(`reference gradient = finite differences: ${caseName(c)}`, () => {
    const shapes = c.shapes;
    const attrs = def.normalize(shapes, c.attrs ?? {});
    const inputs: RefTensor[] = caseInputs(c).map((t) => ({ shape: t.shape, data: Float64Array.from(t.data) }));
    const outputs = def.reference.forward(inputs, attrs);
    const dys: RefTensor[] = caseOutputGrads(c, outputs.map((o) => ({ shape: o.shape, data: new Float32Array(o.data.length) }))).map((t) => ({ shape: t.shape, data: Float64Array.from(t.data) }));
    // L(inputs) = sum_k <out_k, dy_k>; dL/dinput is what backward returns.
    const carries = (k: number) => def.gradOutputs?.[k] ?? true;
    const loss = (): number => def.reference.forward(inputs, attrs).reduce((s, o, k) => (carries(k) ? s + o.data.reduce((a, v, i) => a + v * dys[k].data[i], 0) : s), 0);
    const grads = def.reference.backward!(inputs, outputs, dys, attrs);
    const diff = def.differentiable!(shapes, attrs);
    const rng = new Rng(hashSeed(`${caseName(c)}/probe`));
    inputs.forEach((x, i) => {
      if (!diff[i]) return;
      const g = grads[i];
      assert.ok(g, `input ${i} should have a gradient`);
      for (let p = 0; p < Math.min(PROBES_PER_INPUT, x.data.length); p++) {
        const j = rng.int(0, x.data.length);
        const fd = centralDifference(x.data, j, EPS, loss);
        const err = Math.abs(fd - g!.data[j]) / Math.max(1, Math.abs(fd));
        assert.ok(err < 1e-5, `input ${i} element ${j}: backward ${g!.data[j]} vs finite difference ${fd}`);
      }
    });
  });
}

test.run();
