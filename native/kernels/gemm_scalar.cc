// Portable sgemm micro-kernel (no ISA extension assumed): a 4 x 8 tile in plain C++; compilers
// still vectorise it with the baseline SIMD of the target (SSE2 on x86-64).
#include "gemm_kernels.h"
#include "gemm_pack.h"

namespace cefm {
namespace gemm {

namespace {

constexpr int MR = 4, NR = 8;

void kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float beta, int mr, int nr) {
  float acc[MR * NR] = {};
  for (int64_t k = 0; k < kc; k++) {
    for (int i = 0; i < MR; i++)
      for (int j = 0; j < NR; j++) acc[i * NR + j] += a[i] * b[j];
    a += MR;
    b += NR;
  }
  storeTileCorner(acc, NR, c, ldc, beta, mr, nr);
}

}  // namespace

const MicroKernel& scalarKernel() {
  static const MicroKernel k{"scalar", MR, NR, 256, 128, 1024, kernel, packA<MR>, packB<NR>};
  return k;
}

}  // namespace gemm
}  // namespace cefm
