// Inverted dropout with a counter-based mask: element i is kept when a 32-bit hash of (seed, i)
// clears a threshold, so the reference, native and WGSL kernels give the same mask bit for bit.
import { numel } from '../tensor.js';
import { defineOp, numAttr, opError, refTensor, type Attrs } from './op.js';

export interface DropoutAttrs extends Attrs {
  /** Probability of zeroing an element, in [0, 1]. */
  p: number;
  /** Integer in [0, 2³²). */
  seed: number;
}

/** Chris Wellons' lowbias32 integer hash (src/wgsl/dropout.wgsl and native/kernels/dropout.cc: the same). */
export function hash32(v: number): number {
  let x = v >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** What every backend derives from the attrs: the 24-bit drop threshold and the kept scale. */
export function dropoutScalars(a: DropoutAttrs): { threshold: number; keptScale: number; seedHash: number } {
  // p·2²⁴ is exact in double, so floor gives every backend the same integer.
  return { threshold: Math.floor(a.p * 2 ** 24), keptScale: a.p === 1 ? 0 : 1 / (1 - a.p), seedHash: hash32(a.seed) };
}

/** Whether element i is kept: hash32(hash32(seed) ^ i) >> 8 (24 uniform bits) >= p·2²⁴. */
export function dropoutKeeps(seedHash: number, i: number, threshold: number): boolean {
  return hash32((seedHash ^ i) >>> 0) >>> 8 >= threshold;
}

/** y = x·mask, mask = 0 or 1/(1 − p) per element; mask is an output (state) so backward is dx = dy·mask. */
export const dropout = defineOp<DropoutAttrs>({
  name: 'dropout',
  inputs: ['x'],
  outputs: ['y', 'mask'],
  gradOutputs: [true, false],
  normalize(shapes, attrs) {
    if (shapes.length !== 1) throw opError('dropout', shapes, `expects 1 input, got ${shapes.length}`);
    if (numel(shapes[0]) >= 2 ** 32) throw opError('dropout', shapes, 'needs fewer than 2^32 elements');
    const p = numAttr('dropout', shapes, attrs, 'p', 0.5);
    if (!(p >= 0 && p <= 1)) throw opError('dropout', shapes, `attr p must be in [0, 1], got ${p}`);
    const seed = numAttr('dropout', shapes, attrs, 'seed');
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw opError('dropout', shapes, `attr seed must be an integer in [0, 2^32), got ${seed}`);
    return { p, seed };
  },
  outputShapes: ([x]) => [x, x],
  differentiable: () => [true],
  cost: ([x]) => ({ flops: 12 * numel(x), bytes: 12 * numel(x) }),
  reference: {
    forward([x], a) {
      const { threshold, keptScale, seedHash } = dropoutScalars(a);
      const mask = refTensor(x.shape), y = refTensor(x.shape);
      for (let i = 0; i < x.data.length; i++) {
        mask.data[i] = dropoutKeeps(seedHash, i, threshold) ? keptScale : 0;
        y.data[i] = x.data[i] * mask.data[i];
      }
      return [y, mask];
    },
    backward([x], [, mask], [dy]) {
      return [refTensor(x.shape, dy.data.map((v, i) => v * mask.data[i]))];
    },
  },
});
