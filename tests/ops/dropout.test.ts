// dropout's mask (the backends' equality with the reference is in backends.test.ts): the kept
// fraction is 1 − p within 5 standard deviations, kept values are 1/(1 − p), the mask depends
// on the seed and on nothing else, and neighbouring elements are not correlated.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getOp } from '../../src/ts/ops/registry.js';
import { refTensor } from '../../src/ts/ops/op.js';

const dropout = getOp('dropout');
const N = 100_003;

function mask(p: number, seed: number, n = N): Float64Array {
  const x = refTensor([n], new Float64Array(n).fill(1));
  return dropout.reference.forward([x], dropout.normalize([[n]], { p, seed }))[1].data;
}

for (const p of [0.1, 0.3, 0.5, 0.9]) {
  test(`p = ${p}: kept fraction and kept value`, () => {
    const m = mask(p, 1234);
    const kept = m.filter((v) => v !== 0);
    const sd = Math.sqrt(p * (1 - p) / N);
    assert.ok(Math.abs(kept.length / N - (1 - p)) < 5 * sd, `kept ${kept.length / N}, expected ${1 - p}`);
    assert.ok(kept.every((v) => v === 1 / (1 - p)), 'kept elements are 1/(1 - p)');
  });
}

test('same seed gives the same mask, another seed another one', () => {
  const a = mask(0.5, 7), b = mask(0.5, 7), c = mask(0.5, 8);
  assert.equal(Array.from(a), Array.from(b));
  const same = a.reduce((s, v, i) => s + (v === c[i] ? 1 : 0), 0) / N;
  assert.ok(Math.abs(same - 0.5) < 0.02, `masks of seeds 7 and 8 agree on ${same} of elements (independent: 0.5)`);
});

test('neighbouring elements are uncorrelated', () => {
  const m = mask(0.5, 99);
  let both = 0;
  for (let i = 0; i + 1 < N; i++) if (m[i] !== 0 && m[i + 1] !== 0) both++;
  assert.ok(Math.abs(both / (N - 1) - 0.25) < 0.01, `P(kept, kept next) = ${both / (N - 1)}, independent: 0.25`);
});

test('bad attrs are refused', () => {
  assert.throws(() => dropout.normalize([[4]], { p: 0.5 }), /seed/);
  assert.throws(() => dropout.normalize([[4]], { p: 1.5, seed: 1 }), /attr p/);
  assert.throws(() => dropout.normalize([[4]], { p: 0.5, seed: -1 }), /seed/);
  assert.throws(() => dropout.normalize([[4]], { p: 0.5, seed: 1, training: 1 }), /unknown attr 'training'/);
});

test.run();
