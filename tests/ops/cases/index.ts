// Every op family's cases.
import type { OpCase } from '../case.js';
import { matmulCases } from './matmul.js';
import { cases as dense } from './dense.js';
import { cases as conv } from './conv.js';
import { cases as attention } from './attention.js';
import { cases as pointwise } from './pointwise.js';
import { cases as spatial } from './spatial.js';

export const allCases: OpCase[] = [...matmulCases, ...dense, ...conv, ...attention, ...pointwise, ...spatial];
