import type { BenchCase } from '../case.js';

const vit = (heads: number): number[][] => [[8, heads, 197, 64], [8, heads, 197, 64], [8, heads, 197, 64]];

// Attention at ViT-B/16 sizes (224 px: 197 tokens, 64 features per head), batch 8: 3 heads (the
// issue's comparison point with PyTorch and tfjs) and the full 12.
export const benchCases: BenchCase[] = [
  { op: 'attention', shapes: vit(3), label: 'attention B8 H3 L197 D64' },
  { op: 'attention', backward: true, shapes: vit(3), label: 'attention backward B8 H3 L197 D64' },
  { op: 'attention', shapes: vit(12), label: 'ViT-B/16 attention (B8 H12)' },
  { op: 'attention', backward: true, shapes: vit(12), label: 'ViT-B/16 attention backward (B8 H12)' },
];
