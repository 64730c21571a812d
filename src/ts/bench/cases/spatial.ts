import type { BenchCase } from '../case.js';

// Shapes of the models this package trains: the multi-task U-Net on 256² images (batch 8), ViT-B/16
// on 224² (batch 8, 197 tokens, 12 heads of 64), CEFM's projection heads and its classifier.
const forwardAndBackward = (c: BenchCase): BenchCase[] => [c, { ...c, backward: true, label: `${c.label} (backward)` }];

export const benchCases: BenchCase[] = [
  ...forwardAndBackward({ op: 'max_pool2d', shapes: [[8, 64, 128, 128]], attrs: { kernel: 2 }, label: 'U-Net encoder pool 2x2' }),
  { op: 'max_pool2d', shapes: [[8, 64, 112, 112]], attrs: { kernel: 3, stride: 2, padding: 1 }, label: 'stem pool 3x3/2' },
  { op: 'avg_pool2d', shapes: [[8, 256, 32, 32]], attrs: { kernel: 2 }, label: 'avg pool 2x2' },
  ...forwardAndBackward({ op: 'adaptive_avg_pool2d', shapes: [[8, 512, 16, 16]], attrs: { output_size: 1 }, label: 'U-Net bottleneck global pool' }),
  ...forwardAndBackward({ op: 'upsample_bilinear2d', shapes: [[8, 64, 64, 64]], attrs: { scale: 2 }, label: 'U-Net decoder bilinear x2' }),
  { op: 'upsample_bilinear2d', shapes: [[8, 1, 64, 64]], attrs: { size: [256, 256] }, label: 'mask logits to 256²' },
  ...forwardAndBackward({ op: 'upsample_nearest2d', shapes: [[8, 128, 32, 32]], attrs: { scale: 2 }, label: 'U-Net decoder nearest x2' }),
  ...forwardAndBackward({ op: 'concat', shapes: [[8, 64, 128, 128], [8, 64, 128, 128]], attrs: { dim: 1 }, label: 'U-Net skip concat' }),
  ...forwardAndBackward({ op: 'permute', shapes: [[8, 197, 12, 64]], attrs: { dims: [0, 2, 1, 3] }, label: 'ViT-B/16 split heads' }),
  { op: 'permute', shapes: [[8, 768, 14, 14]], attrs: { dims: [0, 2, 3, 1] }, label: 'ViT-B/16 patches NCHW to NHWC' },
  { op: 'transpose', shapes: [[8, 12, 197, 64]], attrs: { dim0: 1, dim1: 2 }, label: 'ViT-B/16 merge heads' },
  { op: 'reshape', shapes: [[8, 197, 768]], attrs: { shape: [-1, 768] }, label: 'ViT-B/16 tokens to rows' },
  ...forwardAndBackward({ op: 'cross_entropy', shapes: [[256, 7], [256]], label: 'HAM10000 7-class head, batch 256' }),
  ...forwardAndBackward({ op: 'bce_with_logits', shapes: [[8, 1, 256, 256], [8, 1, 256, 256]], label: 'U-Net mask BCE' }),
  ...forwardAndBackward({ op: 'dice_loss', shapes: [[8, 1, 256, 256], [8, 1, 256, 256]], label: 'U-Net mask dice' }),
  ...forwardAndBackward({ op: 'nt_xent', shapes: [[256, 128], [256, 128]], attrs: { tau: 0.1 }, label: 'CEFM contrastive, batch 256' }),
  { op: 'adamw_step', shapes: [[768, 3072], [768, 3072], [768, 3072], [768, 3072]], attrs: { step: 10 }, label: 'ViT-B/16 MLP weight' },
];
