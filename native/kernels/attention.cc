// attention forward: out = softmax(q k^T * scale) v, fused in the FlashAttention-2 way. Each task
// takes a tile of query rows of one (batch, head) problem and walks the keys tile by tile with an
// online softmax (running row max and sum, earlier output rescaled), so no L x S matrix exists:
// only a kRowTile x kKeyTile score tile per thread.
#include <algorithm>
#include <cmath>

#include "../core/kernel.h"
#include "../core/parallel.h"
#include "attention_common.h"

namespace cefm {
namespace attn {
namespace {

// Row tiles begin..end (tile = head * rowTiles + row tile of that head).
template <int W>
CEFM_INLINE void forwardTiles(const Problem& p, float* out, int64_t begin, int64_t end) {
  const int64_t sPad = roundUp(p.S, W), dvPad = roundUp(p.Dv, W), keyPad = roundUp(p.keyTile(), W);
  // One head's keys transposed (the B operand of q k^T) and values padded, staged once per head.
  Buffer kT(p.D * sPad), vPad(p.S * dvPad), scores(kRowTile * keyPad), acc(kRowTile * dvPad);
  float rowMax[kRowTile], rowSum[kRowTile], alpha[kRowTile];
  int64_t staged = -1;
  for (int64_t tile = begin; tile < end; tile++) {
    const int64_t h = tile / p.rowTiles(), i0 = (tile % p.rowTiles()) * kRowTile;
    const int64_t rows = std::min(kRowTile, p.L - i0);
    if (h != staged) {
      transposePadded(p.k + h * p.S * p.D, p.S, p.D, kT.get(), sPad);
      copyPadded(p.v + h * p.S * p.Dv, p.S, p.Dv, vPad.get(), dvPad);
      staged = h;
    }
    const float* q = p.q + (h * p.L + i0) * p.D;
    for (int64_t t = 0; t < p.keyTiles(); t++) {
      const int64_t j0 = t * kKeyTile, n = std::min(kKeyTile, p.S - j0);
      scoreTile<W>(q, rows, p.D, kT.get(), sPad, j0, n, scores.get(), keyPad);
      onlineSoftmaxTile<W>(scores.get(), keyPad, rows, n, p.scale, t == 0, rowMax, rowSum, alpha);
      if (t > 0)
        for (int64_t r = 0; r < rows; r++) scaleRow<W>(acc.get() + r * dvPad, dvPad, alpha[r]);
      tileGemm<W>(rows, dvPad, n, scores.get(), keyPad, 1, vPad.get() + j0 * dvPad, dvPad, acc.get(), dvPad, t > 0);
    }
    float* o = out + (h * p.L + i0) * p.Dv;
    for (int64_t r = 0; r < rows; r++) {
      const float inv = 1.0f / rowSum[r];
      for (int64_t c = 0; c < p.Dv; c++) o[r * p.Dv + c] = acc.get()[r * dvPad + c] * inv;
    }
  }
}

CEFM_SIMD_VARIANTS(forwardTiles, (const Problem& p, float* out, int64_t begin, int64_t end),
                   (p, out, begin, end))

void attentionForward(KernelCall& c) {
  const Problem p = problemOf(c);
  float* out = c.out[0].data;
  parallelFor(p.bh * p.rowTiles(), 1, [&](int64_t begin, int64_t end) { forwardTilesSimd(p, out, begin, end); });
}

}  // namespace
}  // namespace attn

CEFM_COMPUTE_KERNEL(attention, attn::attentionForward);

}  // namespace cefm
