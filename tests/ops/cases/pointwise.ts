import type { OpCase } from '../case.js';
import type { Rng } from '../../util/rng.js';

const numelOf = (s: number[]): number => s.reduce((a, b) => a * b, 1);
/** Uniform(lo, hi) inputs. */
const uniform = (lo: number, hi: number) => (rng: Rng, shape: number[]): Float32Array => rng.array(numelOf(shape), lo, hi);
/** Magnitudes in [lo, hi] with random signs (divisors away from zero). */
const awayFromZero = (lo: number, hi: number) => (rng: Rng, shape: number[]): Float32Array =>
  Float32Array.from(rng.array(numelOf(shape), lo, hi), (v) => (rng.next() < 0.5 ? -v : v));
/**
 * A large offset plus unit noise: catches one-pass variance (E[x²] − E[x]² loses ~1e-3 at 100) and
 * unshifted exp (overflows above 88). Larger offsets only measure float32's rounding of the mean.
 */
const offset = (base: number) => (rng: Rng, shape: number[]): Float32Array => rng.array(numelOf(shape), base - 1, base + 1);
/** Noise whose first value in each row of the last dim is an outlier at `value`. */
const firstOutlier = (value: number) => (rng: Rng, shape: number[]): Float32Array => {
  const x = rng.array(numelOf(shape), -1, 1), d = shape[shape.length - 1];
  for (let i = 0; i < x.length; i += d) x[i] = value;
  return x;
};

// Normalisation. Weight and bias are uniform(-1, 1) noise; running_var is positive.
const layerNorm: OpCase[] = [
  { op: 'layer_norm', shapes: [[1, 1], [1], [1]], note: 'D = 1' },
  { op: 'layer_norm', shapes: [[7], [7], [7]] },
  { op: 'layer_norm', shapes: [[7, 13], [13], [13]] },
  { op: 'layer_norm', shapes: [[2, 3, 33], [33], [33]], attrs: { eps: 1e-3 } },
  { op: 'layer_norm', shapes: [[3, 1, 768], [768], [768]], note: 'ViT width' },
  { op: 'layer_norm', shapes: [[5, 67], [67], [67]], gen: { 0: offset(100) }, note: 'mean 100' },
  { op: 'layer_norm', shapes: [[2, 4099], [4099], [4099]], gen: { 0: firstOutlier(3000) }, note: 'outlier first value (backward re-sums the variance)' },
];

const bnShapes = (x: number[]): number[][] => [x, [x[1]], [x[1]], [x[1]], [x[1]]];
const bnGen = { 4: uniform(0.5, 2) };
// Training mode: new_running_mean/var depend on x but are buffers that PyTorch does not
// differentiate, so the finite-difference check of L = Σ<out, dout> cannot apply (see
// tests/ops/pointwise_reference.test.ts for the check on y alone).
const bnTrain = { training: 1 };
const batchNorm: OpCase[] = [
  { op: 'batch_norm', shapes: bnShapes([7, 5]), attrs: bnTrain, gen: bnGen },
  { op: 'batch_norm', shapes: bnShapes([7, 5]), attrs: { training: 0 }, gen: bnGen },
  { op: 'batch_norm', shapes: bnShapes([2, 3, 5, 7]), attrs: bnTrain, gen: bnGen },
  { op: 'batch_norm', shapes: bnShapes([2, 3, 5, 7]), attrs: { training: 0, eps: 1e-3 }, gen: bnGen },
  { op: 'batch_norm', shapes: bnShapes([1, 4, 3, 3]), attrs: { training: 1, momentum: 0.3, eps: 1e-3 }, gen: bnGen, note: 'N = 1' },
  { op: 'batch_norm', shapes: bnShapes([5, 1, 9]), attrs: bnTrain, gen: bnGen, note: 'C = 1, rank 3' },
  { op: 'batch_norm', shapes: bnShapes([2, 17]), attrs: bnTrain, gen: bnGen, note: 'N = 2' },
  { op: 'batch_norm', shapes: bnShapes([301, 3]), attrs: bnTrain, gen: bnGen, note: 'long batch' },
  { op: 'batch_norm', shapes: bnShapes([3, 6, 1, 1]), attrs: bnTrain, gen: bnGen, note: '1x1 spatial' },
  { op: 'batch_norm', shapes: bnShapes([4, 3, 11]), attrs: bnTrain, gen: { 0: offset(100), ...bnGen }, note: 'mean 100' },
  { op: 'batch_norm', shapes: bnShapes([4, 3, 11]), attrs: { training: 0 }, gen: { 0: offset(100), 3: offset(100), ...bnGen }, note: 'eval, mean 100' },
];

const softmaxes: OpCase[] = ['softmax', 'log_softmax'].flatMap((op): OpCase[] => [
  { op, shapes: [[1, 1]] },
  { op, shapes: [[7]] },
  { op, shapes: [[3, 5, 17]] },
  { op, shapes: [[2, 1, 197]], note: 'ViT tokens' },
  { op, shapes: [[2, 5003]], noGradcheck: true, note: 'large D' },
  { op, shapes: [[4, 33]], gen: { 0: uniform(-1000, 1000) }, note: 'logits up to 1000' },
  { op, shapes: [[3, 9]], gen: { 0: offset(300) }, note: 'logits near 300' },
]);

const activations: OpCase[] = [
  { op: 'relu', shapes: [[37]] },
  { op: 'relu', shapes: [[3, 1, 5, 7]] },
  { op: 'sigmoid', shapes: [[5, 13]] },
  { op: 'sigmoid', shapes: [[101]], gen: { 0: uniform(-40, 40) }, note: 'saturated' },
  { op: 'tanh', shapes: [[5, 13]] },
  { op: 'tanh', shapes: [[101]], gen: { 0: uniform(-12, 12) }, note: 'saturated' },
  { op: 'tanh', shapes: [[3, 17]], gen: { 0: uniform(-0.01, 0.01) }, note: 'near 0' },
  ...['none', 'tanh'].flatMap((approximate): OpCase[] => [
    { op: 'gelu', shapes: [[3, 7, 11]], attrs: { approximate } },
    { op: 'gelu', shapes: [[257]], attrs: { approximate }, gen: { 0: uniform(-8, 8) }, note: 'tails' },
  ]),
  { op: 'gelu', shapes: [[1]], note: 'default approximate' },
];

// Broadcasting in every direction, with rank mismatch and scalars.
const binaryShapes: [number[], number[], string?][] = [
  [[7, 13], [7, 13]],
  [[3, 1, 5], [4, 1], 'both broadcast, rank 3 vs 2'],
  [[], [2, 3], 'scalar a'],
  [[5, 4], [4], 'row vector b'],
  [[1], [6, 1, 3], 'a broadcast to rank 3'],
  [[2, 3, 4, 5], [3, 1, 5], 'middle broadcast'],
  [[2, 3, 1, 1], [1, 3, 4, 5], 'per-channel a'],
  [[1, 1], [1, 1]],
];
const binaries: OpCase[] = ['add', 'sub', 'mul', 'div'].flatMap((op) =>
  binaryShapes.map(([a, b, note]): OpCase => ({ op, shapes: [a, b], note, gen: op === 'div' ? { 1: awayFromZero(0.5, 2) } : undefined })),
);

// Reductions: single, multiple, all and negative dims, with and without keepdim.
const reduceVariants: { shape: number[]; dims?: number | number[]; note?: string }[] = [
  { shape: [7, 13], dims: [1] },
  { shape: [7, 13], dims: [0] },
  { shape: [7, 13], dims: -1 },
  { shape: [7, 13], dims: [] },
  { shape: [3, 4, 5], dims: [0, 2] },
  { shape: [3, 4, 5], dims: [-3, -2] },
  { shape: [2, 3, 4, 5], dims: [1, 3] },
  { shape: [1, 5, 1], dims: [0] },
  { shape: [5, 1, 3], dims: [1] },
  { shape: [], note: 'scalar' },
  { shape: [4099], note: 'long' },
  { shape: [3, 1001], dims: [0, 1], note: 'all, listed' },
  { shape: [9, 257], dims: [0], note: 'wide columns' },
  { shape: [301, 7], dims: [0], note: 'long columns' },
  { shape: [3, 300, 5], dims: [1], note: 'long strided middle dim' },
];
const reductions: OpCase[] = ['sum', 'mean'].flatMap((op) =>
  reduceVariants.flatMap(({ shape, dims, note }) =>
    [0, 1].map((keepdim): OpCase => ({ op, shapes: [shape], attrs: dims === undefined ? { keepdim } : { dims, keepdim }, note })),
  ),
);

// l2_normalize: the eps 0.8 case has rows on both sides of the clamp (norms of 3 values in ±0.5).
const l2Normalize: OpCase[] = [
  { op: 'l2_normalize', shapes: [[7]] },
  { op: 'l2_normalize', shapes: [[5, 13]] },
  { op: 'l2_normalize', shapes: [[3, 4, 128]], note: 'CEFM embedding width' },
  { op: 'l2_normalize', shapes: [[2, 1, 517]], gen: { 0: offset(50) }, note: 'large values' },
  { op: 'l2_normalize', shapes: [[9, 1]], forwardOnly: true, note: 'D = 1: y = sign(x), gradient identically 0' },
  { op: 'l2_normalize', shapes: [[16, 3]], attrs: { eps: 0.8 }, gen: { 0: uniform(-0.5, 0.5) }, note: 'some rows clamped' },
];

const scales: OpCase[] = [
  { op: 'scale', shapes: [[37]], attrs: { alpha: 2.5, beta: -0.5 } },
  { op: 'scale', shapes: [[3, 5, 7]], note: 'defaults: identity' },
  { op: 'scale', shapes: [[4, 9]], attrs: { alpha: -1e-3 } },
  { op: 'scale', shapes: [[2, 3]], attrs: { alpha: 0, beta: 7 } },
];

const dropouts: OpCase[] = [
  { op: 'dropout', shapes: [[1000]], attrs: { p: 0.3, seed: 7 } },
  { op: 'dropout', shapes: [[3, 5, 7]], attrs: { p: 0.5, seed: 123456789 } },
  { op: 'dropout', shapes: [[4, 65]], attrs: { p: 0.9, seed: 4294967295 }, note: 'largest seed' },
  { op: 'dropout', shapes: [[33]], attrs: { p: 0, seed: 1 }, note: 'p = 0: identity' },
  { op: 'dropout', shapes: [[2, 9]], attrs: { p: 1, seed: 3 }, note: 'p = 1: all dropped' },
  { op: 'dropout', shapes: [[70001]], attrs: { p: 0.1, seed: 42 }, noGradcheck: true, note: 'long' },
];

export const cases: OpCase[] = [...layerNorm, ...batchNorm, ...l2Normalize, ...softmaxes, ...activations, ...binaries, ...scales, ...dropouts, ...reductions];
