import type { OpDef } from '../op.js';
import { conv2d } from '../conv2d.js';
import { conv_transpose2d } from '../conv_transpose2d.js';

// The conv ops (docs/ops.md).
export const ops: OpDef<any>[] = [conv2d, conv_transpose2d];
