// relu, sigmoid, tanh, gelu forward and backward: elementwise.wgsl's activation entry points.
import { numel } from '../../../tensor.js';
import type { Attrs } from '../../../ops/op.js';
import type { GpuKernel } from '../kernel.js';
import { ActivationCode, recordActivation, recordActivationBackward } from './elementwise.js';

type Pick = (attrs: Attrs) => ActivationCode;

function forward(code: Pick): GpuKernel {
  return (ctx, [x], [y], attrs) => recordActivation(ctx, code(attrs), x.buffer, y.buffer, numel(x.shape));
}

// x, y, dy -> dx
function backward(code: Pick): GpuKernel {
  return (ctx, [x, y, dy], [dx], attrs) => recordActivationBackward(ctx, code(attrs), x.buffer, y.buffer, dy.buffer, dx.buffer, numel(x.shape));
}

const fixed = (code: ActivationCode): Pick => () => code;
const geluCode: Pick = (attrs) => (attrs.approximate === 'tanh' ? ActivationCode.geluTanh : ActivationCode.gelu);

export const relu = forward(fixed(ActivationCode.relu));
export const sigmoid = forward(fixed(ActivationCode.sigmoid));
export const tanh = forward(fixed(ActivationCode.tanh));
export const gelu = forward(geluCode);
export const relu_backward = backward(fixed(ActivationCode.relu));
export const sigmoid_backward = backward(fixed(ActivationCode.sigmoid));
export const tanh_backward = backward(fixed(ActivationCode.tanh));
export const gelu_backward = backward(geluCode);
