import type { BenchCase } from '../case.js';

// linear at the shapes of the models: ViT-B/16 (batch 8, 197 tokens, width 768, MLP 3072) and
// CEFM's heads (batch 256). Backward only for activation 'none' (docs/ops.md).
const tokens = 8 * 197;
const forwardAndBackward = (c: BenchCase): BenchCase[] => [c, { ...c, backward: true, label: `${c.label} (backward)` }];

export const benchCases: BenchCase[] = [
  ...forwardAndBackward({ op: 'linear', shapes: [[8, 197, 768], [2304, 768], [2304]], label: 'ViT-B/16 qkv projection' }),
  ...forwardAndBackward({ op: 'linear', shapes: [[8, 197, 768], [768, 768], [768]], label: 'ViT-B/16 attention output' }),
  { op: 'linear', shapes: [[tokens, 768], [3072, 768], [3072]], attrs: { activation: 'gelu' }, label: 'ViT-B/16 MLP fc1 + GELU' },
  ...forwardAndBackward({ op: 'linear', shapes: [[tokens, 768], [3072, 768], [3072]], label: 'ViT-B/16 MLP fc1' }),
  ...forwardAndBackward({ op: 'linear', shapes: [[tokens, 3072], [768, 3072], [768]], label: 'ViT-B/16 MLP fc2' }),
  ...forwardAndBackward({ op: 'linear', shapes: [[256, 768], [256, 768], [256]], label: 'CEFM image projection, batch 256' }),
  ...forwardAndBackward({ op: 'linear', shapes: [[256, 768], [7, 768], [7]], label: 'HAM10000 7-class classifier, batch 256' }),
];
