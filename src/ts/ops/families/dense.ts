import type { OpDef } from '../op.js';
import { linear } from '../linear.js';

// The dense ops (docs/ops.md); matmul is registered on its own in ../index.ts.
export const ops: OpDef<any>[] = [linear];
