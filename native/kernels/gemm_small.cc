// sgemm for products with very few rows or columns (gemm_kernels.h: isSmallProduct): a row of C
// is axpys over the rows of op(B) or dot products with its columns. With few rows, packing B
// would cost more than the product (each element is used by at most kSmallRows rows); with few
// columns, a register tile would be mostly padding (a 7-class head fills 7 of 32 columns).
#include <algorithm>
#include <vector>

#include "../core/parallel.h"
#include "gemm_kernels.h"
#include "simd.h"

namespace cefm {
namespace gemm {

namespace {

// acc[0, n) += a * b[0, n)
template <int W>
CEFM_SIMD_INLINE void axpy(float* acc, const float* b, float a, int64_t n) {
  const simd::VF<W> av = simd::splat<W>(a);
  int64_t j = 0;
  for (; j + W <= n; j += W) simd::store<W>(acc + j, simd::load<W>(acc + j) + av * simd::load<W>(b + j));
  for (; j < n; j++) acc[j] += a * b[j];
}

template <int W>
CEFM_SIMD_INLINE float dot(const float* x, const float* y, int64_t n) {
  simd::VF<W> s0 = simd::splat<W>(0.0f), s1 = s0;
  int64_t k = 0;
  for (; k + 2 * W <= n; k += 2 * W) {
    s0 += simd::load<W>(x + k) * simd::load<W>(y + k);
    s1 += simd::load<W>(x + k + W) * simd::load<W>(y + k + W);
  }
  for (; k + W <= n; k += W) s0 += simd::load<W>(x + k) * simd::load<W>(y + k);
  float s = simd::hsum<W>(s0 + s1);
  for (; k < n; k++) s += x[k] * y[k];
  return s;
}

// Rows [r0, r1) x columns [c0, c1) of C; `arow` holds K floats, `acc` c1 - c0.
template <int W>
CEFM_SIMD_INLINE void smallBlock(const SmallProduct& p, int64_t r0, int64_t r1, int64_t c0, int64_t c1, float* arow,
                                 float* acc) {
  const int64_t n = c1 - c0;
  for (int64_t i = r0; i < r1; i++) {
    for (int64_t k = 0; k < p.K; k++) arow[k] = p.alpha * (p.transA ? p.A[k * p.lda + i] : p.A[i * p.lda + k]);
    if (p.transB) {
      for (int64_t j = 0; j < n; j++) acc[j] = dot<W>(arow, p.B + (c0 + j) * p.ldb, p.K);
    } else {
      std::fill(acc, acc + n, 0.0f);
      for (int64_t k = 0; k < p.K; k++) axpy<W>(acc, p.B + k * p.ldb + c0, arow[k], n);
    }
    float* row = p.C + i * p.ldc + c0;
    for (int64_t j = 0; j < n; j++) row[j] = p.beta == 0.0f ? acc[j] : acc[j] + p.beta * row[j];
    if (p.epilogue) p.epilogue->apply(p.epilogue->ctx, row, p.ldc, i, c0, 1, n);
  }
}

CEFM_SIMD_VARIANTS(smallBlock,
                   (const SmallProduct& p, int64_t r0, int64_t r1, int64_t c0, int64_t c1, float* arow, float* acc),
                   (p, r0, r1, c0, c1, arow, acc))

}  // namespace

void runSmallProduct(const SmallProduct& product) {
  const bool byColumns = product.M <= kSmallRows && product.N > kSmallCols;
  // Few columns of a row-major B: transpose them once (N x K, small) so that every row of C is
  // N dot products of contiguous vectors rather than K axpys of N floats.
  std::vector<float> bt;
  SmallProduct p = product;
  if (!byColumns && !p.transB) {
    bt.resize(size_t(p.N * p.K));
    for (int64_t k = 0; k < p.K; k++)
      for (int64_t j = 0; j < p.N; j++) bt[size_t(j * p.K + k)] = p.B[k * p.ldb + j];
    p.B = bt.data();
    p.ldb = p.K;
    p.transB = true;
  }
  // Pieces of at least ~64K multiply-adds; few rows split by columns, else by rows.
  const int64_t work = std::max<int64_t>(1, p.K);
  const int64_t n = byColumns ? p.N : p.M, perItem = byColumns ? p.M * work : p.N * work;
  const int64_t grain = std::max<int64_t>(byColumns ? 64 : 1, 65536 / std::max<int64_t>(1, perItem));
  parallelFor(n, grain, [&](int64_t b0, int64_t b1) {
    std::vector<float> arow(size_t(std::max<int64_t>(p.K, 1))), acc(size_t(byColumns ? b1 - b0 : p.N));
    if (byColumns) smallBlockSimd(p, 0, p.M, b0, b1, arow.data(), acc.data());
    else smallBlockSimd(p, b0, b1, 0, p.N, arow.data(), acc.data());
  });
}

}  // namespace gemm
}  // namespace cefm
