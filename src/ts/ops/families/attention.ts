import type { OpDef } from '../op.js';
import { attention } from '../attention.js';

// The attention ops (docs/ops.md).
export const ops: OpDef<any>[] = [attention];
