/**
 * Relative error ‖out − ref‖ / ‖ref‖ allowed per op, in one place. f32 ops: 1e-4 unless the op
 * needs more (long reductions); f16 storage paths: 1e-2.
 */
const DEFAULT_F32 = 1e-4;

const perOp: Record<string, number> = {};

export function tolerance(op: string, precision: 'f32' | 'f16' = 'f32'): number {
  if (precision === 'f16') return 1e-2;
  return perOp[op] ?? DEFAULT_F32;
}
