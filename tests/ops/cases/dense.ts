import type { OpCase } from '../case.js';

export const cases: OpCase[] = [];
