// Resizing learned ViT position embeddings to another patch grid: the grid tokens are an image of
// D channels, resized bicubically exactly as PyTorch's F.interpolate(mode='bicubic') does it.
import { type HostTensor, shapeString } from '../tensor.js';

const A = -0.75; // PyTorch's cubic convolution constant
const cubic1 = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1; // |x| <= 1
const cubic2 = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; // 1 < |x| < 2

/** For each output index: the 4 clamped source indices and their weights (upsample_bicubic2d's rule). */
function bicubicTaps(inSize: number, outSize: number, alignCorners: boolean): { idx: Int32Array; w: Float64Array } {
  const idx = new Int32Array(outSize * 4), w = new Float64Array(outSize * 4);
  const scale = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const real = alignCorners ? scale * o : scale * (o + 0.5) - 0.5; // not clamped for cubic
    const x0 = Math.floor(real), t = real - x0;
    const weights = [cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t)];
    for (let k = 0; k < 4; k++) {
      idx[o * 4 + k] = Math.min(Math.max(x0 - 1 + k, 0), inSize - 1);
      w[o * 4 + k] = weights[k];
    }
  }
  return { idx, w };
}

/**
 * Resizes a position embedding [1, prefix + g·g, D] to [1, prefix + n·n, D]: the prefix tokens (the
 * class token's) are kept, the g×g grid is resized bicubically. `alignCorners` true is torchvision's
 * interpolate_embeddings, false timm's resample_abs_pos_embed (without its antialias, which only
 * matters when shrinking). Same size returns a copy, as PyTorch does.
 */
export function resizePosEmbed(pos: HostTensor, opts: { prefixTokens: number; grid: number; alignCorners: boolean }): HostTensor {
  const [one, len, D] = pos.shape;
  const g = Math.round(Math.sqrt(len - opts.prefixTokens));
  if (pos.shape.length !== 3 || one !== 1 || g * g !== len - opts.prefixTokens) throw new Error(`resizePosEmbed: ${shapeString(pos.shape)} is not [1, ${opts.prefixTokens} + g*g, D]`);
  const n = opts.grid;
  const out = new Float32Array((opts.prefixTokens + n * n) * D);
  out.set(pos.data.subarray(0, opts.prefixTokens * D));
  if (n === g) {
    out.set(pos.data.subarray(opts.prefixTokens * D), opts.prefixTokens * D);
    return { shape: [1, opts.prefixTokens + n * n, D], data: out };
  }
  const taps = bicubicTaps(g, n, opts.alignCorners);
  const grid = pos.data.subarray(opts.prefixTokens * D); // token r*g + c, channel d
  // Rows first (g×g → n×g), then columns (n×g → n×n), in float64.
  const rows = new Float64Array(n * g * D);
  for (let r = 0; r < n; r++)
    for (let k = 0; k < 4; k++) {
      const src = taps.idx[r * 4 + k], wk = taps.w[r * 4 + k];
      for (let c = 0; c < g; c++) {
        const s = (src * g + c) * D, t = (r * g + c) * D;
        for (let d = 0; d < D; d++) rows[t + d] += wk * grid[s + d];
      }
    }
  const base = opts.prefixTokens * D;
  const acc = new Float64Array(D);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      acc.fill(0);
      for (let k = 0; k < 4; k++) {
        const s = (r * g + taps.idx[c * 4 + k]) * D, wk = taps.w[c * 4 + k];
        for (let d = 0; d < D; d++) acc[d] += wk * rows[s + d];
      }
      out.set(acc, base + (r * n + c) * D);
    }
  return { shape: [1, opts.prefixTokens + n * n, D], data: out };
}
