import type { OpDef } from '../op.js';
import { gelu, relu, sigmoid, tanh } from '../activations.js';
import { batch_norm } from '../batch_norm.js';
import { add, div, mul, sub } from '../binary.js';
import { layer_norm } from '../layer_norm.js';
import { mean, sum } from '../reduce.js';
import { log_softmax, softmax } from '../softmax.js';

// The pointwise ops (docs/ops.md): normalisation, activations, elementwise arithmetic, reductions.
export const ops: OpDef<any>[] = [
  layer_norm, batch_norm, softmax, log_softmax, gelu, relu, sigmoid, tanh, add, sub, mul, div, sum, mean,
];
