import type { BenchCase } from '../case.js';

export const benchCases: BenchCase[] = [];
