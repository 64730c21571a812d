// Packing for sgemm's micro-kernels (see gemm_kernels.h): copies a block of op(A) or op(B) into
// panels of W rows (A, W = MR) or W columns (B, W = NR), k-major, zero-padded to full width.
// Always inlined, so each ISA's file (gemm_avx2.cc...) wraps them in functions compiled for its
// own target and the copies use its vectors.
#pragma once
#include <algorithm>
#include <cstdint>

namespace cefm {
namespace gemm {

// dst[panel][k * W + x] = scale * src[x * xStride + k * kStride] for x in [0, n), k in [0, kc),
// panel = x / W. One of the strides is 1: either the x of one k step are neighbours (a copy) or
// each x is a contiguous row over k (a transpose).
// Rows of a copy-path pack ahead of the one being copied that are prefetched: its rows are a
// stride apart (often a power of two), each read for only a few cache lines, which the hardware
// prefetchers do not follow; without it packing B took half the time of a 32-row product.
constexpr int64_t kPrefetchRows = 4;

template <int W>
inline __attribute__((always_inline)) void packPanels(const float* src, int64_t xStride, int64_t kStride, int64_t n, int64_t kc, float scale, float* dst) {
  const int64_t full = n / W * W;  // columns in whole panels
  if (xStride == 1) {
    // Each k step reads a run of neighbours across a group of panels (reading W at a time, k
    // after k, would stride through memory with too little per cache line for the prefetchers)
    // and deals them to the group's panels, each written sequentially. A group is a few panels:
    // enough to read whole cache lines, few enough write streams.
    constexpr int64_t group = std::max(1, 256 / W) * W;
    for (int64_t g0 = 0; g0 < full; g0 += group) {
      const int64_t g1 = std::min(full, g0 + group);
      for (int64_t k = 0; k < kc; k++) {
        const float* row = src + k * kStride;
        if (k + kPrefetchRows < kc) {
          const char* ahead = reinterpret_cast<const char*>(row + kPrefetchRows * kStride + g0);
          for (int64_t byte = 0; byte < (g1 - g0) * int64_t(sizeof(float)); byte += 64) __builtin_prefetch(ahead + byte);
        }
        for (int64_t x0 = g0; x0 < g1; x0 += W) {
          float* d = dst + x0 * kc + k * W;
          for (int x = 0; x < W; x++) d[x] = scale * row[x0 + x];
        }
      }
    }
    if (full < n) {
      for (int64_t k = 0; k < kc; k++) {
        const float* row = src + k * kStride;
        float* d = dst + full * kc + k * W;
        for (int64_t x = 0; x < W; x++) d[x] = full + x < n ? scale * row[full + x] : 0.0f;
      }
    }
    return;
  }
  // Each x is a contiguous row over k: transpose W rows at a time in blocks of kb steps, so each
  // row is read a cache line at a time (W rows read step by step would be W streams fighting over
  // the same cache sets for power-of-two strides) while the kb x W destination block stays in L1.
  constexpr int64_t kb = 16;
  for (int64_t x0 = 0; x0 < full; x0 += W, dst += W * kc) {
    const float* s = src + x0 * xStride;
    int64_t k0 = 0;
    for (; k0 + kb <= kc; k0 += kb)
      for (int x = 0; x < W; x++) {
        const float* row = s + x * xStride + k0;
        for (int64_t k = 0; k < kb; k++) dst[(k0 + k) * W + x] = scale * row[k];
      }
    for (int x = 0; x < W; x++)
      for (int64_t k = k0; k < kc; k++) dst[k * W + x] = scale * s[x * xStride + k];
  }
  if (full < n) {
    const int w = int(n - full);
    const float* s = src + full * xStride;
    for (int64_t k = 0; k < kc; k++) {
      for (int x = 0; x < w; x++) dst[k * W + x] = scale * s[x * xStride + k];
      for (int x = w; x < W; x++) dst[k * W + x] = 0.0f;
    }
  }
}

template <int MR>
inline __attribute__((always_inline)) void packA(const float* src, int64_t ld, bool trans, int64_t m, int64_t kc, float alpha, float* dst) {
  if (trans) packPanels<MR>(src, 1, ld, m, kc, alpha, dst);
  else packPanels<MR>(src, ld, 1, m, kc, alpha, dst);
}

template <int NR>
inline __attribute__((always_inline)) void packB(const float* src, int64_t ld, bool trans, int64_t kc, int64_t n, float* dst) {
  if (trans) packPanels<NR>(src, ld, 1, n, kc, 1.0f, dst);
  else packPanels<NR>(src, 1, ld, n, kc, 1.0f, dst);
}

}  // namespace gemm
}  // namespace cefm
