import type { OpCase } from '../case.js';
import type { Rng } from '../../util/rng.js';

const classes = (c: number) => (rng: Rng, shape: number[]) => Float32Array.from({ length: shape[0] }, () => rng.int(0, c));
const unit = (rng: Rng, shape: number[]) => rng.array(shape.reduce((a, b) => a * b, 1), 0, 1);
const wide = (rng: Rng, shape: number[]) => rng.array(shape.reduce((a, b) => a * b, 1), -8, 8);
const binary = (rng: Rng, shape: number[]) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.int(0, 2));

const pool: OpCase[] = [
  { op: 'max_pool2d', shapes: [[2, 3, 7, 9]], attrs: { kernel: 2 } },
  { op: 'max_pool2d', shapes: [[2, 3, 6, 38]], attrs: { kernel: 2 }, note: 'exact 2×2 tiling, 19 windows a row (vector body and tail)' },
  { op: 'max_pool2d', shapes: [[1, 2, 9, 8]], attrs: { kernel: 3, stride: 2, padding: 1 } },
  { op: 'max_pool2d', shapes: [[2, 1, 11, 10]], attrs: { kernel: [3, 2], stride: [2, 1], padding: [1, 0], dilation: [2, 1] } },
  { op: 'max_pool2d', shapes: [[1, 2, 6, 13]], attrs: { kernel: [2, 3], stride: [3, 2], dilation: [1, 3], padding: [1, 1] } },
  { op: 'max_pool2d', shapes: [[1, 1, 1, 1]], attrs: { kernel: 1 } },
  // the separable path: wide odd rows, windows into the right padding, a generic kernel size
  { op: 'max_pool2d', shapes: [[2, 3, 13, 37]], attrs: { kernel: 3, stride: 2, padding: 1 } },
  { op: 'max_pool2d', shapes: [[1, 2, 11, 23]], attrs: { kernel: 4, stride: 3, padding: 2 } },
  { op: 'max_pool2d', shapes: [[1, 2, 7, 19]], attrs: { kernel: 3, stride: 1, padding: 1 } },
  { op: 'max_pool2d', shapes: [[1, 2, 9, 17]], attrs: { kernel: [2, 5], stride: [2, 1], padding: [0, 2] } },
  { op: 'avg_pool2d', shapes: [[2, 3, 7, 9]], attrs: { kernel: 2 } },
  { op: 'avg_pool2d', shapes: [[1, 2, 9, 8]], attrs: { kernel: 3, stride: 2, padding: 1 } },
  { op: 'avg_pool2d', shapes: [[1, 2, 9, 8]], attrs: { kernel: 3, stride: 2, padding: 1, count_include_pad: false } },
  { op: 'avg_pool2d', shapes: [[2, 2, 10, 7]], attrs: { kernel: [3, 2], stride: [1, 2], padding: [1, 1], count_include_pad: 0 } },
  { op: 'avg_pool2d', shapes: [[1, 1, 5, 5]], attrs: { kernel: 5 } },
  { op: 'adaptive_avg_pool2d', shapes: [[2, 3, 7, 9]], attrs: { output_size: [3, 4] } },
  { op: 'adaptive_avg_pool2d', shapes: [[1, 2, 8, 8]], attrs: { output_size: 1 } },
  { op: 'adaptive_avg_pool2d', shapes: [[3, 37, 5, 7]], attrs: { output_size: 1 }, note: 'global pool over many planes (threaded reduction)' },
  { op: 'adaptive_avg_pool2d', shapes: [[1, 2, 5, 3]], attrs: { output_size: [7, 6] }, note: 'output larger than input' },
  { op: 'adaptive_avg_pool2d', shapes: [[2, 1, 6, 4]], attrs: { output_size: [2, 2] } },
];

const upsampleShapes: { shapes: number[][]; attrs: Record<string, number | number[]>; note?: string }[] = [
  { shapes: [[2, 3, 5, 7]], attrs: { scale: 2 } },
  { shapes: [[1, 2, 5, 6]], attrs: { scale: 1.5 } },
  { shapes: [[1, 2, 9, 7]], attrs: { size: [4, 5] }, note: 'downsampling' },
  { shapes: [[1, 2, 8, 9]], attrs: { scale: [0.5, 0.7] }, note: 'downsampling by scale' },
  { shapes: [[2, 2, 3, 4]], attrs: { size: [7, 11] } },
  { shapes: [[1, 1, 4, 5]], attrs: { scale: 1.1 }, note: 'same size: a copy' },
  { shapes: [[1, 1, 10, 6]], attrs: { scale: 2.05 }, note: 'twice the size by a scale other than 2' },
  { shapes: [[1, 3, 1, 1]], attrs: { size: [3, 2] } },
];
const upsample: OpCase[] = ['upsample_bilinear2d', 'upsample_nearest2d'].flatMap((op) => upsampleShapes.map((c) => ({ op, ...c })));

const shape: OpCase[] = [
  ...[0, 1, 2, 3].map((dim): OpCase => {
    const parts = [[2, 3, 4, 5], [2, 3, 4, 5], [2, 3, 4, 5]];
    parts[1][dim] = 1;
    parts[2][dim] = 2;
    return { op: 'concat', shapes: parts, attrs: { dim } };
  }),
  { op: 'concat', shapes: [[3, 5], [3, 2]], attrs: { dim: -1 } },
  { op: 'concat', shapes: [[7], [1], [4], [2]], attrs: { dim: 0 } },
  { op: 'concat', shapes: [[2, 3]], attrs: { dim: 1 }, note: 'one input' },
  ...[[0, 2, 3, 1], [0, 3, 1, 2], [3, 2, 1, 0], [1, 0, 2, 3], [2, 0, 3, 1], [0, 1, 3, 2]].map((dims): OpCase => ({ op: 'permute', shapes: [[2, 3, 4, 5]], attrs: { dims } })),
  { op: 'permute', shapes: [[3, 1, 5]], attrs: { dims: [2, 0, 1] } },
  { op: 'permute', shapes: [[7, 9]], attrs: { dims: [-1, 0] } },
  // 8×8 register-block transposes with partial blocks at both edges, and tiles beyond one 32×32
  { op: 'permute', shapes: [[2, 19, 5, 7]], attrs: { dims: [0, 2, 3, 1] }, note: 'tokens from channels (8×8 blocks)' },
  { op: 'permute', shapes: [[37, 41]], attrs: { dims: [1, 0] }, note: 'two 32-tiles each way' },
  { op: 'permute', shapes: [[3, 11, 17]], attrs: { dims: [0, 2, 1] }, note: 'row-contiguous source' },
  { op: 'transpose', shapes: [[2, 3, 4, 5]], attrs: { dim0: 1, dim1: 3 } },
  { op: 'transpose', shapes: [[6, 5, 3]], attrs: { dim0: -1, dim1: 0 } },
  { op: 'transpose', shapes: [[4, 3]], attrs: { dim0: 1, dim1: 1 }, note: 'identity' },
  { op: 'reshape', shapes: [[2, 3, 4]], attrs: { shape: [6, -1] } },
  { op: 'reshape', shapes: [[5, 7]], attrs: { shape: [35] } },
  { op: 'reshape', shapes: [[1, 6]], attrs: { shape: [2, 1, -1] } },
  { op: 'slice', shapes: [[2, 3, 4]], attrs: { dim: 1, start: 1, length: 2 } },
  { op: 'slice', shapes: [[2, 3, 5]], attrs: { dim: -1, start: -3, length: 2 }, note: 'negative dim and start' },
  { op: 'slice', shapes: [[3, 17, 8]], attrs: { dim: 1, start: 0, length: 1 }, note: 'class token' },
  { op: 'slice', shapes: [[3, 17, 8]], attrs: { dim: 1, start: 1, length: 16 }, note: 'patch tokens' },
  { op: 'slice', shapes: [[7, 4]], attrs: { dim: 0, start: 6, length: 1 }, note: 'last row' },
  { op: 'slice', shapes: [[9]], attrs: { dim: 0, start: 2, length: 5 } },
  { op: 'slice', shapes: [[2, 3, 4, 5]], attrs: { dim: 2, start: 0, length: 4 }, note: 'whole dim' },
];

const losses: OpCase[] = [
  { op: 'cross_entropy', shapes: [[1, 5], [1]], gen: { 1: classes(5) } },
  { op: 'cross_entropy', shapes: [[7, 3], [7]], gen: { 1: classes(3) } },
  { op: 'cross_entropy', shapes: [[9, 33], [9]], gen: { 0: wide, 1: classes(33) } },
  { op: 'cross_entropy', shapes: [[4, 1], [4]], gen: { 1: classes(1) }, note: 'one class' },
  { op: 'bce_with_logits', shapes: [[1], [1]], gen: { 1: unit } },
  { op: 'bce_with_logits', shapes: [[7, 5], [7, 5]], gen: { 0: wide, 1: unit } },
  { op: 'bce_with_logits', shapes: [[2, 3, 4, 5], [2, 3, 4, 5]], gen: { 1: unit } },
  { op: 'bce_with_logits', shapes: [[7, 5], [7, 5], [7, 5]], gen: { 0: wide, 1: unit, 2: (rng, s) => rng.array(s[0] * s[1], 0, 2) }, note: 'weighted' },
  { op: 'bce_with_logits', shapes: [[4, 2], [4, 2], [4, 2]], gen: { 1: unit, 2: binary }, note: 'zero weights still count in the mean' },
  { op: 'bce_with_logits', shapes: [[5003], [5003], [5003]], gen: { 1: unit, 2: unit }, note: 'weighted, several chunks' },
  { op: 'bce_with_logits', shapes: [[9, 37], [9, 37]], gen: { 0: (rng, s) => rng.array(s[0] * s[1], -40, 40), 1: unit }, note: 'logits to ±40: log1p of a tiny e^−|x| (vector and tail lanes)' },
  { op: 'dice_loss', shapes: [[1, 1, 5, 6], [1, 1, 5, 6]], gen: { 1: unit } },
  { op: 'dice_loss', shapes: [[3, 1, 13, 17], [3, 1, 13, 17]], gen: { 0: (rng, s) => rng.array(s.reduce((a, b) => a * b, 1), -30, 30), 1: unit }, note: 'saturated sigmoids, runs across samples' },
  { op: 'dice_loss', shapes: [[3, 2, 7, 5], [3, 2, 7, 5]], gen: { 0: wide, 1: unit } },
  { op: 'dice_loss', shapes: [[2, 9], [2, 9]], attrs: { smooth: 0.5 }, gen: { 1: unit } },
  { op: 'dice_loss', shapes: [[4, 3, 3], [4, 3, 3]], attrs: { smooth: 0 }, gen: { 1: unit } },
  { op: 'nt_xent', shapes: [[1, 4], [1, 4]], attrs: { tau: 0.5 }, note: 'N = 1' },
  { op: 'nt_xent', shapes: [[5, 7], [5, 7]], attrs: { tau: 0.5 } },
  { op: 'nt_xent', shapes: [[6, 16], [6, 16]], attrs: { tau: 0.1 } },
  { op: 'nt_xent', shapes: [[3, 33], [3, 33]], attrs: { tau: 1 } },
  { op: 'nt_xent', shapes: [[9, 5], [9, 5]], attrs: { tau: 0.07 } },
];

const adamw: OpCase[] = [
  { op: 'adamw_step', shapes: [[7, 5], [7, 5], [7, 5], [7, 5]], attrs: { step: 1 }, gen: { 2: () => new Float32Array(35), 3: () => new Float32Array(35) }, note: 'first step from zero state' },
  { op: 'adamw_step', shapes: [[33], [33], [33], [33]], attrs: { step: 2, lr: 0.01 }, gen: { 3: unit } },
  { op: 'adamw_step', shapes: [[3, 4, 5], [3, 4, 5], [3, 4, 5], [3, 4, 5]], attrs: { step: 10, weight_decay: 0 }, gen: { 3: unit } },
  { op: 'adamw_step', shapes: [[2, 9], [2, 9], [2, 9], [2, 9]], attrs: { step: 1000, lr: 3e-4, beta1: 0.8, beta2: 0.99, eps: 1e-6, weight_decay: 0.05 }, gen: { 3: unit } },
];

// In-place buffer updates (no backward): the outputs alias input 0.
const buffers: OpCase[] = [
  { op: 'fill', shapes: [[7, 5]], attrs: { value: 0 }, note: 'zero a gradient' },
  { op: 'fill', shapes: [[33]], attrs: { value: -2.5 } },
  { op: 'fill', shapes: [[70001]], attrs: { value: 1 }, note: 'long' },
  { op: 'accumulate', shapes: [[7, 5], [7, 5]] },
  { op: 'accumulate', shapes: [[3, 4, 5], [3, 4, 5]] },
  { op: 'accumulate', shapes: [[70001], [70001]] },
];

export const cases: OpCase[] = [...pool, ...upsample, ...shape, ...losses, ...adamw, ...buffers];
