// conv2d / conv_transpose2d argument checks: what PyTorch 1.13 accepts or rejects (checked with
// F.conv2d / F.conv_transpose2d), with one-line CefmErrors naming the op and the shapes, and the
// normalised attrs and output shapes of the accepted calls.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CefmError } from '../../src/ts/errors.js';
import type { Attrs } from '../../src/ts/ops/op.js';
import { getOp } from '../../src/ts/ops/registry.js';

type Case = [op: string, name: string, shapes: number[][], attrs: Attrs];

// Accepted by PyTorch, with the output shape it gives.
const accepted: [...Case, number[]][] = [
  ['conv2d', 'empty batch', [[0, 4, 5, 5], [6, 4, 3, 3]], {}, [0, 6, 3, 3]],
  ['conv2d', 'padding makes room for the kernel', [[2, 4, 5, 5], [6, 4, 7, 7]], { padding: 1 }, [2, 6, 1, 1]],
  ['conv2d', 'padding larger than the kernel', [[2, 4, 5, 5], [6, 4, 3, 3]], { padding: 4 }, [2, 6, 11, 11]],
  ['conv2d', "padding 'valid'", [[2, 4, 5, 5], [6, 4, 3, 3]], { padding: 'valid' }, [2, 6, 3, 3]],
  ['conv2d', "padding 'same', dilated", [[2, 4, 5, 5], [6, 4, 3, 3]], { padding: 'same', dilation: 2 }, [2, 6, 5, 5]],
  ['conv_transpose2d', 'stride 2, output padding 1', [[2, 4, 5, 5], [4, 3, 3, 3]], { stride: 2, output_padding: 1 }, [2, 3, 12, 12]],
  ['conv_transpose2d', 'output padding below the dilation', [[2, 4, 5, 5], [4, 3, 3, 3]], { dilation: 2, output_padding: 1 }, [2, 3, 10, 10]],
  ['conv_transpose2d', 'groups', [[2, 4, 5, 5], [4, 3, 3, 3]], { groups: 2 }, [2, 6, 7, 7]],
  ['conv_transpose2d', 'padding to a 1x1 output', [[2, 4, 5, 5], [4, 3, 1, 1]], { padding: 2 }, [2, 3, 1, 1]],
  ['conv_transpose2d', 'empty batch', [[0, 4, 5, 5], [4, 3, 3, 3]], {}, [0, 3, 7, 7]],
];

// Rejected by PyTorch.
const rejected: [...Case, RegExp][] = [
  ['conv2d', 'kernel larger than the padded input', [[2, 4, 5, 5], [6, 4, 7, 7]], {}, /smaller than the dilated kernel/],
  ['conv2d', 'zero height', [[2, 4, 0, 5], [6, 4, 1, 1]], {}, /non-zero sizes/],
  ['conv2d', 'no output channels', [[2, 4, 5, 5], [0, 4, 3, 3]], {}, /non-zero sizes/],
  ['conv2d', 'stride 0', [[2, 4, 5, 5], [6, 4, 3, 3]], { stride: 0 }, /non-positive stride/],
  ['conv2d', 'negative padding', [[2, 4, 5, 5], [6, 4, 3, 3]], { padding: -1 }, /negative padding/],
  ['conv2d', 'dilation 0', [[2, 4, 5, 5], [6, 4, 3, 3]], { dilation: 0 }, /non-positive dilation/],
  ['conv2d', 'channels do not match groups', [[2, 4, 5, 5], [6, 4, 3, 3]], { groups: 2 }, /expected x to have 8 channels, but got 4/],
  ['conv2d', 'output channels not divisible by groups', [[2, 4, 5, 5], [5, 2, 3, 3]], { groups: 2 }, /divisible by 2 at dimension 0/],
  ['conv2d', "padding 'same' with a stride", [[2, 4, 5, 5], [6, 4, 3, 3]], { padding: 'same', stride: 2 }, /not supported for strided/],
  ['conv2d', 'bias of the wrong size', [[2, 4, 5, 5], [6, 4, 3, 3], [5]], {}, /bias to be 1-dimensional with 6 elements/],
  ['conv2d', 'fractional stride', [[2, 4, 5, 5], [6, 4, 3, 3]], { stride: 1.5 }, /integer or a pair/],
  ['conv_transpose2d', 'output padding not below stride or dilation', [[2, 4, 5, 5], [4, 3, 3, 3]], { stride: 2, output_padding: 2 }, /output padding must be smaller/],
  ['conv_transpose2d', 'output padding with stride 1', [[2, 4, 5, 5], [4, 3, 3, 3]], { output_padding: 1 }, /output padding must be smaller/],
  ['conv_transpose2d', 'negative output padding', [[2, 4, 5, 5], [4, 3, 3, 3]], { stride: 2, output_padding: -1 }, /negative output_padding/],
  ['conv_transpose2d', 'output too small', [[2, 4, 5, 5], [4, 3, 1, 1]], { padding: 3 }, /too small/],
  ['conv_transpose2d', 'zero output size', [[2, 4, 5, 5], [4, 3, 2, 2]], { padding: 3 }, /too small/],
  ['conv_transpose2d', 'channels not divisible by groups', [[2, 3, 5, 5], [3, 3, 3, 3]], { groups: 2 }, /divisible by 2 at dimension 0/],
  ['conv_transpose2d', 'channels do not match the weight', [[2, 4, 5, 5], [3, 3, 3, 3]], {}, /expects x to have 3 channels, but got 4/],
  ['conv_transpose2d', "string padding", [[2, 4, 5, 5], [4, 3, 3, 3]], { padding: 'same' }, /integer or a pair/],
];

// docs/ops.md takes x as [N, C, H, W] only (PyTorch also takes an unbatched [C, H, W]: add the batch dim).
rejected.push(['conv2d', 'rank 3 input (contract)', [[4, 5, 5], [6, 4, 3, 3]], {}, /4-D/]);

for (const [opName, name, shapes, attrs, want] of accepted) {
  test(`${opName}: accepts ${name}`, () => {
    const op = getOp(opName);
    assert.equal(op.outputShapes(shapes, op.normalize(shapes, attrs)), [want]);
  });
}

for (const [opName, name, shapes, attrs, message] of rejected) {
  test(`${opName}: rejects ${name}`, () => {
    try {
      getOp(opName).normalize(shapes, attrs);
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, CefmError);
      const text = (e as Error).message;
      assert.match(text, new RegExp(`^${opName}: `));
      assert.match(text, message);
      assert.match(text, `[${shapes[0].join(',')}]`);
      assert.not.match(text, /\n/);
    }
  });
}

test('conv2d: normalised attrs are pairs, with padding=same resolved', () => {
  const op = getOp('conv2d');
  assert.equal(op.normalize([[1, 2, 9, 9], [3, 2, 5, 3]], { padding: 'same', stride: 1, dilation: [1, 2] }), {
    stride: [1, 1], padding: [2, 2], dilation: [1, 2], groups: 1,
  });
  assert.throws(() => op.normalize([[1, 2, 9, 9], [3, 2, 4, 3]], { padding: 'same' }), /asymmetric padding/);
});

test.run();
