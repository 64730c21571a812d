import type { OpCase } from '../case.js';

export const matmulCases: OpCase[] = [
  { op: 'matmul', shapes: [[1, 1], [1, 1]] },
  { op: 'matmul', shapes: [[7, 13], [13, 5]] },
  { op: 'matmul', shapes: [[129, 65], [65, 257]], noGradcheck: true },
  { op: 'matmul', shapes: [[3, 7, 13], [3, 13, 5]], note: 'batch 3' },
  { op: 'matmul', shapes: [[3, 7, 13], [13, 5]], note: 'b broadcast' },
  { op: 'matmul', shapes: [[2, 1, 5, 3], [1, 3, 3, 4]], note: 'both broadcast' },
  { op: 'matmul', shapes: [[1, 64], [64, 33]] },
];
