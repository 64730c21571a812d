import type { OpDef } from '../op.js';

// The dense ops (docs/ops.md).
export const ops: OpDef<any>[] = [];
