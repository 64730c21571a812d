// Checks of the pointwise references that the shared gradcheck cannot make: the float64 erfc
// behind gelu (against CPython's math.erfc), and the training-mode batch_norm backward by finite
// differences of <y, dy> alone (its running-stat outputs depend on x but are not differentiated).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { erfc } from '../../src/ts/ops/activations.js';
import { batch_norm } from '../../src/ts/ops/batch_norm.js';
import type { RefTensor } from '../../src/ts/ops/op.js';
import { Rng } from '../util/rng.js';
import { centralDifference } from './harness.js';

// math.erfc(z) from CPython 3 (libm), across both branches of our erfc and their seam at 1.5.
const erfcTable: [number, number][] = [
  [-3.7, 1.9999998328489421], [-2.5, 1.999593047982555], [-1.2, 1.9103139782296354], [-0.3, 1.3286267594591274],
  [0, 1.0], [1e-4, 0.9998871620836666], [0.7, 0.32219880616258156], [1.49, 0.03510213515679579], [1.51, 0.03272325187128836],
  [-1.51, 1.9672767481287117], [2.49, 0.000429287867733913],
  [2.51, 0.0003857054817242798], [4.2, 2.8554941795921843e-9], [6.0, 2.1519736712498916e-17], [9.5, 3.76921448565488e-41],
];

test('reference erfc matches math.erfc to 1e-13 relative', () => {
  for (const [z, want] of erfcTable) {
    const got = erfc(z);
    assert.ok(Math.abs(got - want) <= 1e-13 * want, `erfc(${z}) = ${got}, expected ${want}`);
  }
});

for (const shape of [[6, 3], [2, 3, 4, 5]]) {
  test(`batch_norm training backward = finite differences of <y, dy>: x [${shape}]`, () => {
    const rng = new Rng(shape.length * 7919);
    const C = shape[1];
    const t = (s: number[], lo = -1, hi = 1): RefTensor => ({ shape: s, data: Float64Array.from(rng.array(s.reduce((a, b) => a * b, 1), lo, hi)) });
    const inputs = [t(shape), t([C]), t([C]), t([C]), t([C], 0.5, 2)];
    const shapes = inputs.map((x) => x.shape);
    const attrs = batch_norm.normalize(shapes, { training: 1, momentum: 0.2 });
    const outs = batch_norm.reference.forward(inputs, attrs);
    const dy = t(shape);
    const zeros = [outs[1], outs[2]].map((o) => ({ shape: o.shape, data: new Float64Array(o.data.length) }));
    const grads = batch_norm.reference.backward!(inputs, outs, [dy, ...zeros], attrs);
    const loss = (): number => batch_norm.reference.forward(inputs, attrs)[0].data.reduce((s, v, i) => s + v * dy.data[i], 0);
    const eps = 1e-6;
    for (let k = 0; k < 3; k++) {
      const x = inputs[k];
      for (let j = 0; j < x.data.length; j += 3) {
        const fd = centralDifference(x.data, j, eps, loss);
        assert.ok(Math.abs(fd - grads[k]!.data[j]) <= 1e-6 * Math.max(1, Math.abs(fd)), `input ${k} element ${j}: backward ${grads[k]!.data[j]} vs ${fd}`);
      }
    }
    assert.is(grads[3], null);
    assert.is(grads[4], null);
  });
}

test.run();
