import { numel } from '../tensor.js';

/** A tensor seen as rows of its last dim (softmax, layer_norm); a scalar is one row of one. */
export function lastDimRows(shape: readonly number[]): { rows: number; D: number } {
  const D = shape.length ? shape[shape.length - 1] : 1;
  return { rows: D === 0 ? 0 : numel(shape) / D, D };
}
