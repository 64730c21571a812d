import type { OpDef } from '../op.js';

// The spatial ops (docs/ops.md).
export const ops: OpDef<any>[] = [];
