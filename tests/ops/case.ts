import type { Attrs } from '../../src/ts/ops/op.js';
import type { Rng } from '../util/rng.js';

/** One test case of the op harness: every backend runs it and is compared with the reference. */
export interface OpCase {
  op: string;
  shapes: number[][];
  attrs?: Attrs;
  /** Inputs that are not plain uniform(-1, 1) noise (class indices, probabilities, positive values...). */
  gen?: Record<number, (rng: Rng, shape: number[]) => Float32Array>;
  /** Skip the backward check (e.g. a forward-only attr combination). */
  forwardOnly?: boolean;
  /** Skip the float64 finite-difference check of the reference backward (non-smooth points, huge cases). */
  noGradcheck?: boolean;
  note?: string;
}

export function caseName(c: OpCase): string {
  const attrs = c.attrs && Object.keys(c.attrs).length ? ` ${JSON.stringify(c.attrs)}` : '';
  return `${c.op} ${c.shapes.map((s) => `[${s.join(',')}]`).join(' ')}${attrs}${c.note ? ` (${c.note})` : ''}`;
}
