import type { OpDef } from '../op.js';

// The pointwise ops (docs/ops.md).
export const ops: OpDef<any>[] = [];
