// Width-generic SIMD building blocks of the fused attention kernels: a register-blocked tile
// product for the small tiles that FlashAttention works on, on simd.h's vectors of W floats (GCC
// vector extension), loads, reductions and exp.
//
// Everything here is an always-inline template with no target attribute: each kernel
// instantiates it through CEFM_SIMD_VARIANTS, inside entry points marked CEFM_TARGET_AVX512 /
// CEFM_TARGET_AVX2 (or none), so one portable build carries a 16-, 8- and 4-wide version of the same code.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

#include "simd.h"

#define CEFM_INLINE CEFM_SIMD_INLINE

namespace cefm {
namespace attn {

template <int W> using vf = simd::VF<W>;
using simd::hmax;
using simd::hsum;
using simd::laneBelow;
using simd::load;
using simd::splat;
using simd::store;
using simd::vexp;

// C[MR x NV*W] (=, or += when acc) sum over p < k of A(i, p) * B[p, :], with A(i, p) = A[i*ar + p*ac]
// (ar = 1, ac = ld reads A transposed). The MR x NV accumulators stay in registers.
template <int W, int MR, int NV>
CEFM_INLINE void microTile(int64_t k, const float* A, ptrdiff_t ar, ptrdiff_t ac, const float* B, ptrdiff_t ldb,
                           float* C, ptrdiff_t ldc, bool acc) {
  vf<W> c[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) c[r][v] = acc ? load<W>(C + r * ldc + v * W) : vf<W>{};
  for (int64_t p = 0; p < k; p++) {
    vf<W> b[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) b[v] = load<W>(B + p * ldb + v * W);
    const float* a = A + p * ac;
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
      const float ar_p = a[r * ar];
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) c[r][v] += ar_p * b[v];
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) store<W>(C + r * ldc + v * W, c[r][v]);
}

// Register blocking per width: MR rows x NV vectors of accumulators, within the register file
// (32 zmm for W = 16, 16 ymm / xmm otherwise) next to NV loads of B and one broadcast of A.
template <int W> struct TileShape { static constexpr int MR = 6, NV = 2; };
template <> struct TileShape<16> { static constexpr int MR = 6, NV = 4; };

template <int W, int NV>
CEFM_INLINE void tileRows(int64_t m, int64_t k, const float* A, ptrdiff_t ar, ptrdiff_t ac, const float* B,
                          ptrdiff_t ldb, float* C, ptrdiff_t ldc, bool acc) {
  constexpr int MR = TileShape<W>::MR;
  int64_t i = 0;
  for (; i + MR <= m; i += MR) microTile<W, MR, NV>(k, A + i * ar, ar, ac, B, ldb, C + i * ldc, ldc, acc);
  const float* a = A + i * ar;
  float* c = C + i * ldc;
  switch (m - i) {
    case 5: microTile<W, 5, NV>(k, a, ar, ac, B, ldb, c, ldc, acc); break;
    case 4: microTile<W, 4, NV>(k, a, ar, ac, B, ldb, c, ldc, acc); break;
    case 3: microTile<W, 3, NV>(k, a, ar, ac, B, ldb, c, ldc, acc); break;
    case 2: microTile<W, 2, NV>(k, a, ar, ac, B, ldb, c, ldc, acc); break;
    case 1: microTile<W, 1, NV>(k, a, ar, ac, B, ldb, c, ldc, acc); break;
    default: break;
  }
  static_assert(MR <= 6, "tileRows handles remainders of up to 5 rows");
}

// C[m x nPad] (=, or += when acc) A(m x k) * B[k x nPad], A(i, p) = A[i*ar + p*ac]; B and C are
// row-major with nPad (a multiple of W) columns: callers pad their tiles so no lane is masked.
// Column panels of B (k x NV*W) stay in L1 while every row of A passes over them.
template <int W>
CEFM_INLINE void tileGemm(int64_t m, int64_t nPad, int64_t k, const float* A, ptrdiff_t ar, ptrdiff_t ac,
                          const float* B, ptrdiff_t ldb, float* C, ptrdiff_t ldc, bool acc) {
  constexpr int NV = TileShape<W>::NV;
  int64_t j = 0;
  for (; j + NV * W <= nPad; j += NV * W) tileRows<W, NV>(m, k, A, ar, ac, B + j, ldb, C + j, ldc, acc);
  for (; j < nPad; j += W) tileRows<W, 1>(m, k, A, ar, ac, B + j, ldb, C + j, ldc, acc);
}

inline int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// A 64-byte aligned float buffer (the tiles above live in these).
class Buffer {
 public:
  explicit Buffer(size_t n) : p_(new (std::align_val_t(64)) float[n > 0 ? n : 1]) {}
  float* get() const { return p_.get(); }

 private:
  struct Del {
    void operator()(float* p) const { ::operator delete[](p, std::align_val_t(64)); }
  };
  std::unique_ptr<float[], Del> p_;
};

}  // namespace attn
}  // namespace cefm
