import type { BenchCase } from '../case.js';

// ViT-B/16 at 224 px, batch 8: 8 × 197 tokens of width 768, 12 heads, MLP width 3072.
const TOKENS = 8 * 197;
const SCORE_ROWS = 8 * 12 * 197;

export const benchCases: BenchCase[] = [
  { op: 'layer_norm', shapes: [[TOKENS, 768], [768], [768]], label: 'ViT-B/16 layer_norm [1576, 768]' },
  { op: 'layer_norm', backward: true, shapes: [[TOKENS, 768], [768], [768]], label: 'ViT-B/16 layer_norm [1576, 768]' },
  { op: 'softmax', shapes: [[SCORE_ROWS, 197]], label: 'ViT-B/16 attention softmax [18912, 197]' },
  { op: 'softmax', backward: true, shapes: [[SCORE_ROWS, 197]], label: 'ViT-B/16 attention softmax [18912, 197]' },
  { op: 'gelu', shapes: [[TOKENS, 3072]], label: 'ViT-B/16 MLP gelu [1576, 3072]' },
  { op: 'add', shapes: [[TOKENS, 768], [TOKENS, 768]], label: 'ViT-B/16 residual add [1576, 768]' },
  { op: 'batch_norm', shapes: [[8, 64, 56, 56], [64], [64], [64], [64]], attrs: { training: 1 }, label: 'U-Net batch_norm train [8, 64, 56, 56]' },
  { op: 'sum', shapes: [[8, 64, 56, 56]], attrs: { dims: [0, 2, 3] }, label: 'per-channel sum [8, 64, 56, 56]' },
];
