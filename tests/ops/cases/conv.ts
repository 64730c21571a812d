import type { OpCase } from '../case.js';

// conv2d and conv_transpose2d: every attr path (stride, padding, dilation, groups, output_padding,
// bias or not), odd and non-square sizes, size-1 dims, batch > 1, the plain-GEMM 1x1 path, shapes
// tall enough that the native backend splits images into several row bands, and on WebGPU both
// image-gradient paths (stride phases; scatter when no two taps meet, with and without gaps).
const conv2dCases: OpCase[] = [
  { op: 'conv2d', shapes: [[1, 1, 1, 1], [1, 1, 1, 1]], note: 'all ones' },
  { op: 'conv2d', shapes: [[2, 3, 7, 9], [5, 3, 3, 3], [5]], attrs: { padding: 1 } },
  { op: 'conv2d', shapes: [[2, 4, 9, 7], [6, 4, 3, 3]], attrs: { stride: 2 } },
  { op: 'conv2d', shapes: [[3, 3, 13, 11], [5, 3, 4, 3], [5]], attrs: { stride: [4, 3] }, note: 'patch embedding (kernel = stride), leftover rows and columns' },
  { op: 'conv2d', shapes: [[2, 3, 32, 32], [7, 3, 8, 8]], attrs: { stride: 8 }, note: 'ViT-style patches, no bias' },
  { op: 'conv2d', shapes: [[1, 3, 8, 11], [4, 3, 3, 2], [4]], attrs: { stride: [2, 3], padding: [1, 0], dilation: [2, 1] } },
  { op: 'conv2d', shapes: [[2, 6, 7, 7], [4, 3, 3, 3], [4]], attrs: { groups: 2, padding: 1 } },
  { op: 'conv2d', shapes: [[2, 4, 6, 5], [8, 1, 3, 3]], attrs: { groups: 4, padding: 1 }, note: 'depthwise x2' },
  { op: 'conv2d', shapes: [[1, 6, 9, 8], [6, 2, 3, 3], [6]], attrs: { groups: 3, stride: 2, padding: [2, 1], dilation: [1, 2] } },
  { op: 'conv2d', shapes: [[3, 8, 5, 6], [7, 8, 1, 1], [7]], note: '1x1 plain GEMM' },
  { op: 'conv2d', shapes: [[2, 6, 4, 5], [4, 3, 1, 1]], attrs: { groups: 2 }, note: '1x1 grouped' },
  { op: 'conv2d', shapes: [[2, 5, 7, 7], [3, 5, 1, 1]], attrs: { stride: 2 }, note: '1x1 strided' },
  { op: 'conv2d', shapes: [[1, 5, 6, 6], [3, 5, 1, 1], [3]], attrs: { padding: 1 }, note: '1x1 padded' },
  { op: 'conv2d', shapes: [[2, 3, 16, 12], [8, 3, 4, 4], [8]], attrs: { stride: 4 }, note: 'patch embedding' },
  { op: 'conv2d', shapes: [[1, 3, 6, 7], [2, 3, 3, 5]], attrs: { padding: 'same', dilation: [1, 2] } },
  { op: 'conv2d', shapes: [[2, 3, 6, 5], [2, 3, 3, 3]], attrs: { padding: 'valid' } },
  { op: 'conv2d', shapes: [[1, 2, 3, 3], [3, 2, 2, 2]], attrs: { padding: 2 }, note: 'padding > kernel' },
  { op: 'conv2d', shapes: [[2, 2, 5, 4], [3, 2, 5, 4]], note: 'kernel = image' },
  { op: 'conv2d', shapes: [[1, 16, 5, 5], [20, 16, 3, 3], [20]], attrs: { padding: 1 }, note: 'K > tile' },
  { op: 'conv2d', shapes: [[1, 3, 40, 8], [4, 3, 3, 3], [4]], attrs: { padding: 1 }, note: 'many row bands' },
  { op: 'conv2d', shapes: [[1, 2, 37, 9], [3, 2, 3, 3]], attrs: { stride: 2, padding: [0, 1], dilation: 2 }, note: 'strided bands' },
  { op: 'conv2d', shapes: [[2, 20, 13, 11], [70, 20, 3, 3], [70]], attrs: { padding: 1 }, noGradcheck: true, note: 'M > tile' },
  { op: 'conv2d', shapes: [[1, 32, 7, 6], [34, 16, 3, 3], [34]], attrs: { groups: 2, padding: [0, 2] }, noGradcheck: true, note: 'grouped, 16+ channels' },
  { op: 'conv2d', shapes: [[2, 17, 9, 4], [16, 17, 3, 3]], attrs: { padding: 3 }, noGradcheck: true, note: 'padding > 1, 16+ channels' },
  { op: 'conv2d', shapes: [[2, 5, 6, 37], [7, 5, 3, 3], [7]], attrs: { padding: 1 }, noGradcheck: true, note: 'rows wider than a GEMM panel (edge and inner panels)' },
  { op: 'conv2d', shapes: [[1, 3, 7, 71], [4, 3, 3, 3]], attrs: { stride: [1, 2], padding: [1, 2], dilation: [1, 2] }, noGradcheck: true, note: 'wide strided rows' },
  { op: 'conv2d', shapes: [[2, 4, 13, 13], [6, 4, 3, 3], [6]], attrs: { padding: 1 }, noGradcheck: true, note: 'panels that wrap to the next output row' },
  { op: 'conv2d', shapes: [[5, 7, 6, 5], [9, 7, 3, 3], [9]], attrs: { padding: 1 }, noGradcheck: true, note: 'several images in one GEMM, uneven chunks' },
  { op: 'conv2d', shapes: [[3, 4, 9, 11], [5, 4, 3, 3]], attrs: { stride: 2, padding: [1, 0] }, noGradcheck: true, note: 'several images in one GEMM, strided' },
  { op: 'conv2d', shapes: [[0, 3, 5, 5], [4, 3, 3, 3], [4]], note: 'empty batch' },
  // The native Winograd F(4x4, 3x3) path: 3x3, stride 1, one group, 16+ channels on both sides,
  // padding 0-2, maps that end in partial tiles, one tile row shorter than a run of 16 tiles and
  // one longer, and enough tiles for several chunks on several threads.
  { op: 'conv2d', shapes: [[2, 17, 13, 11], [19, 17, 3, 3], [19]], attrs: { padding: 1 }, note: 'Winograd, partial tiles' },
  { op: 'conv2d', shapes: [[1, 16, 9, 7], [16, 16, 3, 3]], note: 'Winograd, no padding' },
  { op: 'conv2d', shapes: [[1, 16, 6, 5], [18, 16, 3, 3], [18]], attrs: { padding: [2, 1] }, note: 'Winograd, padding 2 (image gradient unpadded)' },
  { op: 'conv2d', shapes: [[1, 16, 1, 3], [16, 16, 3, 3]], attrs: { padding: 1 }, note: 'Winograd, one-row map' },
  { op: 'conv2d', shapes: [[3, 20, 9, 75], [17, 20, 3, 3], [17]], attrs: { padding: 1 }, noGradcheck: true, note: 'Winograd, tile rows longer than a run' },
  { op: 'conv2d', shapes: [[4, 24, 61, 43], [32, 24, 3, 3], [32]], attrs: { padding: 1 }, noGradcheck: true, note: 'Winograd, several chunks' },
];

const convTransposeCases: OpCase[] = [
  { op: 'conv_transpose2d', shapes: [[1, 1, 1, 1], [1, 1, 1, 1]], note: 'all ones' },
  { op: 'conv_transpose2d', shapes: [[3, 5, 4, 3], [5, 4, 2, 2], [4]], attrs: { stride: 2 }, note: 'U-Net up-conv, one group (its image gradient cuts patches)' },
  { op: 'conv_transpose2d', shapes: [[2, 3, 5, 4], [3, 4, 3, 3], [4]], attrs: { stride: 2, padding: 1, output_padding: 1 } },
  { op: 'conv_transpose2d', shapes: [[2, 4, 3, 5], [4, 2, 2, 2], [4]], attrs: { stride: 2, groups: 2 }, note: 'U-Net up-conv' },
  { op: 'conv_transpose2d', shapes: [[1, 4, 4, 3], [4, 3, 3, 2]], attrs: { stride: [2, 3], padding: [1, 0], dilation: [2, 1], output_padding: [1, 2] } },
  { op: 'conv_transpose2d', shapes: [[1, 2, 4, 4], [2, 3, 3, 3], [3]], attrs: { dilation: 2, output_padding: 1 }, note: 'output padding from dilation' },
  { op: 'conv_transpose2d', shapes: [[2, 6, 3, 3], [6, 1, 3, 3]], attrs: { groups: 6, stride: 2 }, note: 'depthwise' },
  { op: 'conv_transpose2d', shapes: [[2, 8, 4, 5], [8, 5, 1, 1], [5]], note: '1x1 plain GEMM' },
  { op: 'conv_transpose2d', shapes: [[1, 2, 5, 5], [2, 3, 3, 3]], attrs: { stride: 2, padding: 3 }, note: 'padding > kernel' },
  { op: 'conv_transpose2d', shapes: [[1, 2, 3, 3], [2, 3, 1, 1], [3]], attrs: { stride: 3, output_padding: 2 }, note: 'gaps get the bias' },
  { op: 'conv_transpose2d', shapes: [[1, 2, 3, 4], [2, 2, 2, 2], [2]], attrs: { stride: 3, dilation: 2, padding: 1 }, note: 'dilated taps, gaps' },
  { op: 'conv_transpose2d', shapes: [[1, 3, 20, 6], [3, 2, 4, 4], [2]], attrs: { stride: 2, padding: 1 }, note: 'many row bands' },
  { op: 'conv_transpose2d', shapes: [[2, 12, 6, 5], [12, 70, 3, 3], [70]], attrs: { stride: 2, padding: 1, output_padding: 1 }, noGradcheck: true, note: 'M > tile' },
  { op: 'conv_transpose2d', shapes: [[1, 16, 6, 5], [16, 17, 3, 3], [17]], attrs: { padding: 1 }, noGradcheck: true, note: '16+ channels' },
  { op: 'conv_transpose2d', shapes: [[0, 3, 4, 4], [3, 2, 3, 3], [2]], note: 'empty batch' },
  { op: 'conv_transpose2d', shapes: [[2, 16, 7, 10], [16, 20, 3, 3], [20]], attrs: { padding: 1 }, noGradcheck: true, note: 'Winograd (stride 1)' },
];

export const cases: OpCase[] = [...conv2dCases, ...convTransposeCases];
