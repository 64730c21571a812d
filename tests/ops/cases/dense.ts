import type { OpCase } from '../case.js';

// linear: x[..., I] · wᵀ + bias, with the fused activations forward only (docs/ops.md).
export const cases: OpCase[] = [
  { op: 'linear', shapes: [[1, 1], [1, 1], [1]], note: 'one feature' },
  { op: 'linear', shapes: [[7], [5, 7], [5]], note: 'x rank 1' },
  { op: 'linear', shapes: [[7, 13], [5, 13]], note: 'no bias' },
  { op: 'linear', shapes: [[2, 3, 13], [17, 13], [17]], note: 'rank 3' },
  { op: 'linear', shapes: [[2, 2, 3, 9], [4, 9], [4]], note: 'rank 4' },
  { op: 'linear', shapes: [[33, 65], [70, 65], [70]], noGradcheck: true, note: 'partial tiles' },
  { op: 'linear', shapes: [[2, 101, 67], [83, 67], [83]], attrs: { activation: 'gelu' }, noGradcheck: true, forwardOnly: true, note: 'B-stationary sgemm with the bias + activation epilogue' },
  { op: 'linear', shapes: [[3, 0], [4, 0], [4]], note: 'no input features: y = bias' },
  { op: 'linear', shapes: [[2, 3, 9], [5, 9], [5]], attrs: { activation: 'none' } },
  { op: 'linear', shapes: [[5, 21], [19, 21], [19]], attrs: { activation: 'relu' }, forwardOnly: true },
  { op: 'linear', shapes: [[5, 21], [19, 21]], attrs: { activation: 'relu' }, forwardOnly: true, note: 'no bias' },
  { op: 'linear', shapes: [[2, 7, 21], [37, 21], [37]], attrs: { activation: 'gelu' }, forwardOnly: true },
  { op: 'linear', shapes: [[2, 7, 21], [37, 21], [37]], attrs: { activation: 'gelu_tanh' }, forwardOnly: true },
  {
    op: 'linear',
    shapes: [[9, 17], [23, 17], [23]],
    attrs: { activation: 'gelu' },
    // pre-activations out to ±8 reach both flat tails of Φ
    gen: { 0: (rng, s) => rng.array(s[0] * s[1], -2, 2), 1: (rng, s) => rng.array(s[0] * s[1], -1, 1) },
    forwardOnly: true,
    note: 'wide pre-activations',
  },
];
