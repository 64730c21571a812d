import type { OpDef } from '../op.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from '../pool.js';
import { upsampleBilinear2d, upsampleNearest2d } from '../upsample.js';
import { concat, permute, reshape, transpose } from '../shape.js';
import { bceWithLogits, crossEntropy, diceLoss } from '../losses.js';
import { ntXent } from '../nt_xent.js';
import { adamwStep } from '../adamw.js';

// The spatial ops (docs/ops.md): pooling, upsampling, layout, losses and the optimizer step.
export const ops: OpDef<any>[] = [
  maxPool2d, avgPool2d, adaptiveAvgPool2d,
  upsampleBilinear2d, upsampleNearest2d,
  concat, permute, transpose, reshape,
  crossEntropy, bceWithLogits, diceLoss, ntXent,
  adamwStep,
];
