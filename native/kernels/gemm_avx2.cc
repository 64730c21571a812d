// sgemm micro-kernel for AVX2 + FMA: a 6 x 16 tile in 12 ymm accumulators; each k step loads two
// vectors of B and broadcasts 6 values of A (15 of the 16 registers in use).
#include "../core/cpu.h"
#include "gemm_kernels.h"
#include "gemm_pack.h"

#if defined(CEFM_X86)
#include <immintrin.h>

namespace cefm {
namespace gemm {

namespace {

constexpr int MR = 6, NV = 2, NR = 8 * NV;

CEFM_TARGET_AVX2 void kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float beta, int mr,
                             int nr) {
  __m256 acc[MR][NV];
#pragma GCC unroll 8
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = _mm256_setzero_ps();
  for (int i = 0; i < mr; i++) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    __m256 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = _mm256_load_ps(b + 8 * v);
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
      const __m256 av = _mm256_broadcast_ss(a + i);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[i][v] = _mm256_fmadd_ps(av, bv[v], acc[i][v]);
    }
    a += MR;
    b += NR;
  }
  if (mr == MR && nr == NR) {
    const __m256 betav = _mm256_set1_ps(beta);
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        float* p = c + i * ldc + 8 * v;
        __m256 r = acc[i][v];
        if (beta != 0.0f) r = _mm256_fmadd_ps(betav, _mm256_loadu_ps(p), r);
        _mm256_storeu_ps(p, r);
      }
    return;
  }
  alignas(32) float tile[MR * NR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) _mm256_store_ps(tile + i * NR + 8 * v, acc[i][v]);
  storeTileCorner(tile, NR, c, ldc, beta, mr, nr);
}

CEFM_TARGET_AVX2 void packAPanels(const float* src, int64_t ld, bool trans, int64_t m, int64_t kc, float alpha, float* dst) {
  packA<MR>(src, ld, trans, m, kc, alpha, dst);
}
CEFM_TARGET_AVX2 void packBPanels(const float* src, int64_t ld, bool trans, int64_t kc, int64_t n, float* dst) {
  packB<NR>(src, ld, trans, kc, n, dst);
}

}  // namespace

const MicroKernel& avx2Kernel() {
  static const MicroKernel k{"avx2", MR, NR, 384, 256, 3072, kernel, packAPanels, packBPanels};
  return k;
}

}  // namespace gemm
}  // namespace cefm

#endif  // CEFM_X86
