// Every op, in the order the harness and the benchmark list them. Each family file lists its ops.
import type { OpDef } from './op.js';
import { matmul } from './matmul.js';
import { ops as dense } from './families/dense.js';
import { ops as conv } from './families/conv.js';
import { ops as attention } from './families/attention.js';
import { ops as pointwise } from './families/pointwise.js';
import { ops as spatial } from './families/spatial.js';

export const allOps: OpDef<any>[] = [matmul, ...dense, ...conv, ...attention, ...pointwise, ...spatial];
