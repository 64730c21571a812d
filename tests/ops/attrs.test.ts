// Op attributes: a key no op reads (a typo) is an error naming the op and the key, on every path
// that normalises (the OpDef itself, a backend's op/opBackward/cost); normalised attrs pass again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReferenceBackend } from '../../src/ts/backend/reference.js';
import { getOp, opNames } from '../../src/ts/ops/registry.js';
import { Rng } from '../util/rng.js';

const be = new ReferenceBackend();
const rng = new Rng(5);
const host = (shape: number[]) => ({ shape, data: rng.array(shape.reduce((a, b) => a * b, 1)) });

test("conv2d { strides: 2 } is refused, naming the op, the key and the known ones", () => {
  const shapes = [[1, 2, 9, 9], [3, 2, 3, 3]];
  assert.throws(() => getOp('conv2d').normalize(shapes, { strides: 2 }), (e: Error) =>
    /^conv2d: unknown attr 'strides' \(known: .*\bstride\b.*\)/.test(e.message) && /padding/.test(e.message) && /dilation/.test(e.message));
  assert.equal(getOp('conv2d').normalize(shapes, { stride: 2 }).stride, [2, 2]);
});

test('every path through a backend checks: op, opBackward, forward, cost', async () => {
  const x = be.upload(host([1, 2, 9, 9])), w = be.upload(host([3, 2, 3, 3]));
  assert.throws(() => be.op('conv2d', [x, w], { strides: 2 }), /conv2d: unknown attr 'strides'/);
  const [y] = be.op('conv2d', [x, w], { stride: 2 });
  const dy = be.upload(host(y.shape));
  assert.throws(() => be.opBackward('conv2d', [x, w], [y], [dy], { stride: 2, paddin: 1 }), /conv2d: unknown attr 'paddin'/);
  assert.throws(() => be.cost('conv2d', [x.shape, w.shape], { groupz: 1 }), /conv2d: unknown attr 'groupz'/);
  let failed = '';
  await be.forward('max_pool2d', [host([1, 1, 4, 4])], { kernel: 2, strid: 1 }).catch((e: Error) => { failed = e.message; });
  assert.match(failed, /^max_pool2d: unknown attr 'strid'/);
});

test('an op without attrs refuses any', () => {
  assert.throws(() => getOp('matmul').normalize([[2, 3], [3, 4]], { transpose: true }), /^matmul: unknown attr 'transpose' \(known: none/);
  assert.equal(getOp('matmul').normalize([[2, 3], [3, 4]], {}), {});
  assert.equal(getOp('matmul').normalize([[2, 3], [3, 4]], { unused: undefined } as never), {}, 'an undefined value is no attr');
});

test('already-normalised attrs are accepted again and normalise to themselves (every op with attrs)', () => {
  const calls: [string, number[][], Record<string, unknown>][] = [
    ['conv2d', [[1, 2, 9, 9], [4, 1, 3, 3]], { stride: 2, padding: 1, groups: 2, dilation: 1 }],
    ['conv2d', [[1, 2, 9, 9], [3, 2, 3, 3]], { padding: 'same' }],
    ['conv_transpose2d', [[1, 2, 5, 5], [2, 3, 3, 3]], { stride: 2, padding: 1, output_padding: 1 }],
    ['upsample_bilinear2d', [[1, 1, 5, 7]], { scale: 2.5 }],
    ['upsample_nearest2d', [[1, 1, 5, 7]], { size: [9, 4] }],
    ['max_pool2d', [[1, 1, 8, 8]], { kernel: 3, stride: 2, padding: 1 }],
    ['avg_pool2d', [[1, 1, 8, 8]], { kernel: 2 }],
    ['transpose', [[2, 3, 4]], { dim0: 0, dim1: 2 }],
    ['reshape', [[2, 3, 4]], { shape: [6, -1] }],
    ['linear', [[2, 5], [3, 5], [3]], { activation: 'gelu' }],
    ['attention', [[2, 3, 5, 4], [2, 3, 5, 4], [2, 3, 5, 4]], {}],
    ['adamw_step', [[4], [4], [4], [4]], { lr: 0.1, step: 3 }],
    ['sum', [[2, 3]], { dims: [1], keepdim: 1 }],
  ];
  for (const [op, shapes, attrs] of calls) {
    if (!opNames().includes(op)) continue; // renamed elsewhere: the loop over opNames() below still covers it
    const def = getOp(op);
    const norm = def.normalize(shapes, attrs as never);
    assert.equal(def.normalize(shapes, norm), norm, `${op}: normalise(normalise(attrs)) = normalise(attrs)`);
  }
});

test('every registered op refuses a misspelt attr', () => {
  const shapesFor = (n: number) => Array.from({ length: n }, () => [2, 2]);
  let checked = 0;
  for (const name of opNames()) {
    const def = getOp(name);
    // Whatever inputs the op takes, the key check runs after its own checks pass or fail first:
    // either error must not be a silent success.
    let message = '';
    try {
      def.normalize(shapesFor(def.inputs.filter((i) => !i.endsWith('?')).length), { no_such_attr: 1 });
    } catch (e) {
      message = (e as Error).message;
    }
    assert.ok(message.startsWith(`${name}:`), `${name}: accepted { no_such_attr: 1 } (${message || 'no error'})`);
    checked++;
  }
  assert.ok(checked >= 20, `only ${checked} ops registered`);
});

test.run();
