// Packing for sgemm's micro-kernels (see gemm_kernels.h): copies a block of op(A) or op(B) into
// panels of W rows (A, W = MR) or W columns (B, W = NR), k-major, zero-padded to full width.
#pragma once
#include <algorithm>
#include <cstdint>

namespace cefm {
namespace gemm {

// dst[panel][k * W + x] = scale * src[x * xStride + k * kStride] for x in [0, n), k in [0, kc).
// One of the strides is 1: either each k step reads W neighbours (a plain copy) or each x is a
// contiguous row over k (a transpose, read as W parallel streams).
template <int W>
void packPanels(const float* src, int64_t xStride, int64_t kStride, int64_t n, int64_t kc, float scale, float* dst) {
  for (int64_t x0 = 0; x0 < n; x0 += W, dst += W * kc) {
    const int w = int(std::min<int64_t>(W, n - x0));
    const float* s = src + x0 * xStride;
    if (xStride == 1) {
      for (int64_t k = 0; k < kc; k++) {
        const float* row = s + k * kStride;
        float* d = dst + k * W;
        if (w == W) {
          for (int x = 0; x < W; x++) d[x] = scale * row[x];
        } else {
          for (int x = 0; x < w; x++) d[x] = scale * row[x];
          for (int x = w; x < W; x++) d[x] = 0.0f;
        }
      }
    } else if (w == W) {
      const float* rows[W];
      for (int x = 0; x < W; x++) rows[x] = s + x * xStride;
      for (int64_t k = 0; k < kc; k++)
        for (int x = 0; x < W; x++) dst[k * W + x] = scale * rows[x][k * kStride];
    } else {
      for (int64_t k = 0; k < kc; k++) {
        for (int x = 0; x < w; x++) dst[k * W + x] = scale * s[x * xStride + k * kStride];
        for (int x = w; x < W; x++) dst[k * W + x] = 0.0f;
      }
    }
  }
}

template <int MR>
void packA(const float* src, int64_t ld, bool trans, int64_t m, int64_t kc, float alpha, float* dst) {
  if (trans) packPanels<MR>(src, 1, ld, m, kc, alpha, dst);
  else packPanels<MR>(src, ld, 1, m, kc, alpha, dst);
}

template <int NR>
void packB(const float* src, int64_t ld, bool trans, int64_t kc, int64_t n, float* dst) {
  if (trans) packPanels<NR>(src, ld, 1, n, kc, 1.0f, dst);
  else packPanels<NR>(src, 1, ld, n, kc, 1.0f, dst);
}

}  // namespace gemm
}  // namespace cefm
