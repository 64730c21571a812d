// add, sub, mul, div: the broadcasting elementwise kernel; backward forms each gradient at the
// output shape and sums it down to its operand's shape with the reduction core.
import { numel } from '../../../tensor.js';
import type { GpuKernel, GpuTensorLike, KernelContext } from '../kernel.js';
import { BinaryCode, recordBinary } from './elementwise.js';
import { recordSumToShape } from './reduce.js';

type BinaryName = 'add' | 'sub' | 'mul' | 'div';

function forward(name: BinaryName): GpuKernel {
  return (ctx, [a, b], [out]) => recordBinary(ctx, BinaryCode[name], a, b, out.buffer, out.shape);
}

/** Where an operand's gradient is formed at the output shape: in place when it is not broadcast. */
function fullShapeGradient(ctx: KernelContext, operand: GpuTensorLike, grad: GpuTensorLike, outShape: readonly number[]): GPUBuffer {
  return numel(operand.shape) === numel(outShape) ? grad.buffer : ctx.scratch(4 * numel(outShape));
}

// a, b, out, dy -> da, db. add/sub: dy (negated for sub's b); mul: dy·b, dy·a;
// div: dy/b and −(dy/b)·out = −dy·a/b².
function backward(name: BinaryName): GpuKernel {
  return (ctx, [a, b, out, dy], [da, db]) => {
    const shape = out.shape;
    if (name === 'add' || name === 'sub') {
      recordSumToShape(ctx, dy.buffer, shape, a.shape, da.buffer, 1);
      recordSumToShape(ctx, dy.buffer, shape, b.shape, db.buffer, name === 'sub' ? -1 : 1);
      return;
    }
    const ga = fullShapeGradient(ctx, a, da, shape), gb = fullShapeGradient(ctx, b, db, shape);
    if (name === 'mul') {
      recordBinary(ctx, BinaryCode.mul, dy, b, ga, shape);
      recordBinary(ctx, BinaryCode.mul, dy, a, gb, shape);
    } else {
      recordBinary(ctx, BinaryCode.div, dy, b, ga, shape);
      recordBinary(ctx, BinaryCode.negMul, { buffer: ga, shape }, out, gb, shape);
    }
    if (ga !== da.buffer) recordSumToShape(ctx, ga, shape, a.shape, da.buffer, 1);
    if (gb !== db.buffer) recordSumToShape(ctx, gb, shape, b.shape, db.buffer, 1);
  };
}

export const add = forward('add');
export const sub = forward('sub');
export const mul = forward('mul');
export const div = forward('div');
export const add_backward = backward('add');
export const sub_backward = backward('sub');
export const mul_backward = backward('mul');
export const div_backward = backward('div');
