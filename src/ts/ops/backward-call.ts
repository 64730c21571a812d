// The one place that knows how an op's `<op>_backward` kernel is called (docs/ops.md): its inputs
// are [...inputs, ...outputs, ...dOutputs] and its outputs are the gradients of the
// differentiable inputs, in input order. Backends, the reference and the benchmark all use it.
import type { OpDef } from './op.js';

const SUFFIX = '_backward';

export function backwardKernelName(op: string): string {
  return `${op}${SUFFIX}`;
}

/** Splits a kernel name into its op and whether it is the backward. */
export function parseKernelName(kernel: string): { op: string; backward: boolean } {
  return kernel.endsWith(SUFFIX) ? { op: kernel.slice(0, -SUFFIX.length), backward: true } : { op: kernel, backward: false };
}

export interface BackwardCall<T> {
  kernel: string;
  inputs: T[];
  /** The gradient tensors the kernel writes (the non-null entries of `grads`, in order). */
  outputs: T[];
}

/** The kernel call that writes `grads` (null where an input has no gradient). */
export function backwardCall<T>(op: string, inputs: T[], outputs: T[], dOutputs: T[], grads: (T | null)[]): BackwardCall<T> {
  return {
    kernel: backwardKernelName(op),
    inputs: [...inputs, ...outputs, ...dOutputs],
    outputs: grads.filter((g): g is T => g !== null),
  };
}

/** The inverse of backwardCall's `inputs`, for a backend that runs the backward of `def`. */
export function splitBackwardInputs<T>(def: Pick<OpDef, 'outputs'>, kernelInputs: T[]): { inputs: T[]; outputs: T[]; dOutputs: T[] } {
  const k = def.outputs.length;
  const nIn = kernelInputs.length - 2 * k;
  return { inputs: kernelInputs.slice(0, nIn), outputs: kernelInputs.slice(nIn, nIn + k), dOutputs: kernelInputs.slice(nIn + k) };
}
