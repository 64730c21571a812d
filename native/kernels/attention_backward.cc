// attention backward: inputs q, k, v, out, dOut -> dq, dk, dv, recomputing the softmax tile by
// tile (FlashAttention-2): per row tile, the row log-sum-exp over all keys, then per key tile
//   p = exp(scale q k^T - lse), dv += p^T dy, dp = dy v^T, ds = scale p (dp - rowsum(dy * out)),
//   dq += ds k, dk += ds^T q.
// A task owns a group of row tiles of one head and accumulates that head's dk, dv locally; when
// there are too few heads to keep every thread busy, heads are split into row groups whose
// partial dk, dv are summed afterwards.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../core/kernel.h"
#include "../core/parallel.h"
#include "attention_common.h"

namespace cefm {
namespace attn {
namespace {

struct Backward {
  Problem p;
  const float *out, *dy;
  float *dq, *dk, *dv;
  int64_t groups, tilesPerGroup;
  // dk, dv partial sums [bh, groups, S, D | Dv] when groups > 1.
  float *partK = nullptr, *partV = nullptr;
};

// dst[0..n) = sum of the `count` blocks src[g * stride .. g * stride + n).
void sumBlocks(const float* src, int64_t count, int64_t stride, int64_t n, float* dst) {
  std::copy(src, src + n, dst);
  for (int64_t g = 1; g < count; g++)
    for (int64_t i = 0; i < n; i++) dst[i] += src[g * stride + i];
}

// Tasks begin..end (task = head * groups + row group).
template <int W>
CEFM_INLINE void backwardTasks(const Backward& b, int64_t begin, int64_t end) {
  const Problem& p = b.p;
  const int64_t sPad = roundUp(p.S, W), dPad = roundUp(p.D, W), dvPad = roundUp(p.Dv, W);
  const int64_t keyPad = roundUp(p.keyTile(), W);
  // The head's k and v as the B operands they play: k^T and v^T for the scores and dp, k for dq.
  Buffer kT(p.D * sPad), vT(p.Dv * sPad), kPad(p.S * dPad);
  Buffer dK(p.S * dPad), dV(p.S * dvPad), qPad(kRowTile * dPad), dyPad(kRowTile * dvPad);
  Buffer probs(kRowTile * keyPad), dS(kRowTile * keyPad), dQ(kRowTile * dPad);
  float rowMax[kRowTile], rowSum[kRowTile], alpha[kRowTile], lse[kRowTile], delta[kRowTile];
  const bool oneKeyTile = p.keyTiles() == 1;
  int64_t staged = -1;
  for (int64_t task = begin; task < end; task++) {
    const int64_t h = task / b.groups, g = task % b.groups;
    if (h != staged) {
      transposePadded(p.k + h * p.S * p.D, p.S, p.D, kT.get(), sPad);
      transposePadded(p.v + h * p.S * p.Dv, p.S, p.Dv, vT.get(), sPad);
      copyPadded(p.k + h * p.S * p.D, p.S, p.D, kPad.get(), dPad);
      staged = h;
    }
    std::fill(dK.get(), dK.get() + p.S * dPad, 0.0f);
    std::fill(dV.get(), dV.get() + p.S * dvPad, 0.0f);
    const int64_t tEnd = std::min(p.rowTiles(), (g + 1) * b.tilesPerGroup);
    for (int64_t rt = g * b.tilesPerGroup; rt < tEnd; rt++) {
      const int64_t i0 = rt * kRowTile, rows = std::min(kRowTile, p.L - i0);
      const float* q = p.q + (h * p.L + i0) * p.D;
      const float* dy = b.dy + (h * p.L + i0) * p.Dv;
      const float* out = b.out + (h * p.L + i0) * p.Dv;
      copyPadded(q, rows, p.D, qPad.get(), dPad);
      copyPadded(dy, rows, p.Dv, dyPad.get(), dvPad);
      for (int64_t r = 0; r < rows; r++) {
        float d = 0.0f;
        for (int64_t c = 0; c < p.Dv; c++) d += dy[r * p.Dv + c] * out[r * p.Dv + c];
        delta[r] = d;
      }
      // Softmax statistics over all keys. With a single key tile its probabilities are kept.
      for (int64_t t = 0; t < p.keyTiles(); t++) {
        const int64_t j0 = t * kKeyTile, n = std::min(kKeyTile, p.S - j0);
        scoreTile<W>(q, rows, p.D, kT.get(), sPad, j0, n, probs.get(), keyPad);
        onlineSoftmaxTile<W>(probs.get(), keyPad, rows, n, p.scale, t == 0, rowMax, rowSum, alpha);
      }
      for (int64_t r = 0; r < rows; r++) lse[r] = rowMax[r] + std::log(rowSum[r]);
      for (int64_t t = 0; t < p.keyTiles(); t++) {
        const int64_t j0 = t * kKeyTile, n = std::min(kKeyTile, p.S - j0), nPad = roundUp(n, W);
        float* P = probs.get();
        if (oneKeyTile) {
          for (int64_t r = 0; r < rows; r++) scaleRow<W>(P + r * keyPad, nPad, 1.0f / rowSum[r]);
        } else {
          scoreTile<W>(q, rows, p.D, kT.get(), sPad, j0, n, P, keyPad);
          for (int64_t r = 0; r < rows; r++) {
            scaleRow<W>(P + r * keyPad, nPad, p.scale);
            expRow<W>(P + r * keyPad, n, lse[r]);
          }
        }
        tileGemm<W>(n, dvPad, rows, P, 1, keyPad, dyPad.get(), dvPad, dV.get() + j0 * dvPad, dvPad, true);
        tileGemm<W>(rows, nPad, p.Dv, dyPad.get(), dvPad, 1, vT.get() + j0, sPad, dS.get(), keyPad, false);
        for (int64_t r = 0; r < rows; r++) {
          const float* pr = P + r * keyPad;
          float* ds = dS.get() + r * keyPad;
          for (int64_t j = 0; j < nPad; j += W)
            store<W>(ds + j, load<W>(pr + j) * (load<W>(ds + j) - delta[r]) * p.scale);
        }
        tileGemm<W>(rows, dPad, n, dS.get(), keyPad, 1, kPad.get() + j0 * dPad, dPad, dQ.get(), dPad, t > 0);
        tileGemm<W>(n, dPad, rows, dS.get(), 1, keyPad, qPad.get(), dPad, dK.get() + j0 * dPad, dPad, true);
      }
      copyUnpadded(dQ.get(), dPad, rows, p.D, b.dq + (h * p.L + i0) * p.D);
    }
    const bool direct = b.groups == 1;
    copyUnpadded(dK.get(), dPad, p.S, p.D, direct ? b.dk + h * p.S * p.D : b.partK + task * p.S * p.D);
    copyUnpadded(dV.get(), dvPad, p.S, p.Dv, direct ? b.dv + h * p.S * p.Dv : b.partV + task * p.S * p.Dv);
  }
}

CEFM_SIMD_VARIANTS(backwardTasks, (const Backward& b, int64_t begin, int64_t end), (b, begin, end))

// inputs q, k, v, out, dOut -> dq, dk, dv
void attentionBackward(KernelCall& c) {
  Backward b;
  b.p = problemOf(c);
  const Problem& p = b.p;
  b.out = c.in[3].data;
  b.dy = c.in[4].data;
  b.dq = c.out[0].data;
  b.dk = c.out[1].data;
  b.dv = c.out[2].data;
  // About two tasks per thread; a head is split only when there are fewer heads than that.
  const int64_t rowTiles = std::max<int64_t>(p.rowTiles(), 1);
  const int64_t wanted = (2 * numThreads() + p.bh - 1) / std::max<int64_t>(p.bh, 1);
  b.tilesPerGroup = (rowTiles + std::min(wanted, rowTiles) - 1) / std::min(wanted, rowTiles);
  b.groups = (rowTiles + b.tilesPerGroup - 1) / b.tilesPerGroup;
  std::vector<float> partK, partV;
  if (b.groups > 1) {
    partK.resize(size_t(p.bh * b.groups * p.S * p.D));
    partV.resize(size_t(p.bh * b.groups * p.S * p.Dv));
    b.partK = partK.data();
    b.partV = partV.data();
  }
  parallelFor(p.bh * b.groups, 1, [&](int64_t begin, int64_t end) { backwardTasksSimd(b, begin, end); });
  if (b.groups > 1) {
    parallelFor(p.bh, 1, [&](int64_t h0, int64_t h1) {
      for (int64_t h = h0; h < h1; h++) {
        sumBlocks(b.partK + h * b.groups * p.S * p.D, b.groups, p.S * p.D, p.S * p.D, b.dk + h * p.S * p.D);
        sumBlocks(b.partV + h * b.groups * p.S * p.Dv, b.groups, p.S * p.Dv, p.S * p.Dv, b.dv + h * p.S * p.Dv);
      }
    });
  }
}

}  // namespace
}  // namespace attn

CEFM_COMPUTE_KERNEL(attention_backward, attn::attentionBackward);

}  // namespace cefm
