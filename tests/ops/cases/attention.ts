import type { OpCase } from '../case.js';

// q[B, H, L, D], k[B, H, S, D], v[B, H, S, Dv]. Small enough for the float64 reference and the
// software GPU; together they cover single rows and keys, no rows, L != S, odd and large D,
// Dv != D, several (batch, head) problems, given scales, and L, S longer than one tile of each
// kernel (native: 64 rows x 256 keys; WebGPU: 256 rows or keys per workgroup, 16 per tile).
export const cases: OpCase[] = [
  { op: 'attention', shapes: [[1, 1, 1, 8], [1, 1, 1, 8], [1, 1, 1, 8]], note: 'one query, one key' },
  { op: 'attention', shapes: [[1, 1, 1, 16], [1, 1, 9, 16], [1, 1, 9, 16]], note: 'L = 1' },
  { op: 'attention', shapes: [[1, 1, 0, 4], [1, 1, 3, 4], [1, 1, 3, 2]], note: 'no queries: dk, dv are 0' },
  { op: 'attention', shapes: [[2, 3, 7, 3], [2, 3, 5, 3], [2, 3, 5, 3]], note: 'D = 3, L != S' },
  { op: 'attention', shapes: [[1, 2, 13, 17], [1, 2, 11, 17], [1, 2, 11, 5]], note: 'D = 17, Dv != D' },
  { op: 'attention', shapes: [[1, 1, 9, 128], [1, 1, 7, 128], [1, 1, 7, 128]], note: 'D = 128' },
  { op: 'attention', shapes: [[2, 1, 6, 8], [2, 1, 10, 8], [2, 1, 10, 24]], attrs: { scale: 0.7 }, note: 'scale given' },
  { op: 'attention', shapes: [[1, 1, 5, 4], [1, 1, 6, 4], [1, 1, 6, 4]], attrs: { scale: -1.3 }, note: 'negative scale' },
  { op: 'attention', shapes: [[1, 2, 53, 33], [1, 2, 41, 33], [1, 2, 41, 20]], note: 'odd sizes over several row tiles' },
  { op: 'attention', shapes: [[1, 1, 3, 6], [1, 1, 300, 6], [1, 1, 300, 6]], attrs: { scale: 2 }, note: 'S over several key blocks' },
  { op: 'attention', shapes: [[1, 1, 300, 4], [1, 1, 260, 4], [1, 1, 260, 5]], note: 'L, S over several tiles of every kernel' },
  { op: 'attention', shapes: [[1, 1, 70, 64], [1, 1, 70, 64], [1, 1, 70, 64]], noGradcheck: true, note: 'ViT-like head' },
];
