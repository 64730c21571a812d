import type { BenchCase } from '../case.js';

// conv2d / conv_transpose2d at the shapes of the models. The `_backward` kernel computes dx, dweight
// and dbias together; conv_transpose2d forward at a conv2d's shapes is exactly that conv2d's input
// gradient, so it times the input-gradient product alone.
const forwardAndBackward = (c: BenchCase): BenchCase[] => [c, { ...c, backward: true, label: `${c.label} (backward)` }];

const resnet = { shapes: [[8, 64, 56, 56], [64, 64, 3, 3]], attrs: { padding: 1 } };

export const benchCases: BenchCase[] = [
  ...forwardAndBackward({ op: 'conv2d', ...resnet, label: 'conv 64→64 3×3 @56, batch 8' }),
  { op: 'conv_transpose2d', ...resnet, label: 'conv 64→64 3×3 @56 input gradient (as conv_transpose2d)' },
  ...forwardAndBackward({ op: 'conv2d', shapes: [[8, 3, 224, 224], [768, 3, 16, 16], [768]], attrs: { stride: 16 }, label: 'ViT-B/16 patch embedding, batch 8' }),
  // U-Net-ish segmentation net at 128×128, batch 8
  ...forwardAndBackward({ op: 'conv2d', shapes: [[8, 3, 128, 128], [32, 3, 3, 3], [32]], attrs: { padding: 1 }, label: 'U-Net stem 3→32 3×3 @128' }),
  ...forwardAndBackward({ op: 'conv2d', shapes: [[8, 32, 64, 64], [64, 32, 3, 3], [64]], attrs: { padding: 1 }, label: 'U-Net encoder 32→64 3×3 @64' }),
  ...forwardAndBackward({ op: 'conv2d', shapes: [[8, 128, 16, 16], [256, 128, 3, 3], [256]], attrs: { padding: 1 }, label: 'U-Net bottleneck 128→256 3×3 @16' }),
  ...forwardAndBackward({ op: 'conv_transpose2d', shapes: [[8, 256, 16, 16], [256, 128, 2, 2], [128]], attrs: { stride: 2 }, label: 'U-Net up-conv 256→128 2×2/2 @16' }),
  ...forwardAndBackward({ op: 'conv_transpose2d', shapes: [[8, 64, 64, 64], [64, 32, 2, 2], [32]], attrs: { stride: 2 }, label: 'U-Net up-conv 64→32 2×2/2 @64' }),
  ...forwardAndBackward({ op: 'conv2d', shapes: [[8, 32, 128, 128], [1, 32, 1, 1], [1]], label: 'U-Net mask head 32→1 1×1 @128' }),
];
