import type { Attrs } from '../ops/op.js';

/** One benchmark shape: an op (or its backward) at model-relevant sizes. */
export interface BenchCase {
  op: string;
  /** Time the op's `_backward` kernel instead of the forward. */
  backward?: boolean;
  shapes: number[][];
  attrs?: Attrs;
  /** Short label for tables, e.g. 'ViT-B/16 qkv'. */
  label: string;
}
