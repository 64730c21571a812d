// attention's argument checks (one-line CefmErrors naming the op and the shapes) and its default
// scale, 1/sqrt(D) as in F.scaled_dot_product_attention.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CefmError } from '../../src/ts/errors.js';
import { getOp } from '../../src/ts/ops/registry.js';

const op = getOp('attention');
const ok = [[2, 3, 5, 8], [2, 3, 7, 8], [2, 3, 7, 4]];

test('attention: scale defaults to 1/sqrt(D) and keeps a given one', () => {
  assert.is(op.normalize(ok, {}).scale, 1 / Math.sqrt(8));
  assert.is(op.normalize(ok, { scale: -0.25 }).scale, -0.25);
  assert.equal(op.outputShapes(ok, op.normalize(ok, {})), [[2, 3, 5, 4]]);
});

const bad: [string, number[][], Record<string, unknown>, RegExp][] = [
  ['two inputs', ok.slice(0, 2), {}, /expects 3 inputs/],
  ['rank 3', [[3, 5, 8], [3, 7, 8], [3, 7, 4]], {}, /rank 4/],
  ['batch differs', [[2, 3, 5, 8], [1, 3, 7, 8], [1, 3, 7, 4]], {}, /same batch and head/],
  ['heads differ', [[2, 3, 5, 8], [2, 3, 7, 8], [2, 2, 7, 4]], {}, /same batch and head/],
  ['D differs', [[2, 3, 5, 8], [2, 3, 7, 6], [2, 3, 7, 4]], {}, /same feature size \(8 vs 6\)/],
  ['S differs', [[2, 3, 5, 8], [2, 3, 7, 8], [2, 3, 6, 4]], {}, /same sequence length \(7 vs 6\)/],
  ['no keys', [[2, 3, 5, 8], [2, 3, 0, 8], [2, 3, 0, 4]], {}, /at least one key/],
  ['D = 0', [[2, 3, 5, 0], [2, 3, 7, 0], [2, 3, 7, 4]], {}, /D must be at least 1/],
  ['scale NaN', ok, { scale: NaN }, /attr scale must be a finite number/],
  ['scale text', ok, { scale: 'big' }, /attr scale must be a finite number/],
];

for (const [name, shapes, attrs, message] of bad) {
  test(`attention: rejects ${name}`, () => {
    try {
      op.normalize(shapes, attrs as never);
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, CefmError);
      const text = (e as Error).message;
      assert.match(text, /^attention: /);
      assert.match(text, message);
      assert.match(text, `[${shapes[0].join(',')}]`);
      assert.not.match(text, /\n/);
    }
  });
}

test.run();
