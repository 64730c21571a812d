// sgemm micro-kernel for arm64 NEON: an 8 x 12 tile in 24 q-register accumulators; each k step
// loads three vectors of B and broadcasts 8 values of A.
#include "gemm_kernels.h"
#include "gemm_pack.h"

#if defined(__aarch64__)
#include <arm_neon.h>

namespace cefm {
namespace gemm {

namespace {

constexpr int MR = 8, NV = 3, NR = 4 * NV;

void kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float beta, int mr, int nr) {
  float32x4_t acc[MR][NV];
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) acc[i][v] = vdupq_n_f32(0.0f);
  for (int64_t k = 0; k < kc; k++) {
    float32x4_t bv[NV];
    for (int v = 0; v < NV; v++) bv[v] = vld1q_f32(b + 4 * v);
    for (int i = 0; i < MR; i++) {
      const float32x4_t av = vdupq_n_f32(a[i]);
      for (int v = 0; v < NV; v++) acc[i][v] = vfmaq_f32(acc[i][v], av, bv[v]);
    }
    a += MR;
    b += NR;
  }
  float tile[MR * NR];
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) vst1q_f32(tile + i * NR + 4 * v, acc[i][v]);
  storeTileCorner(tile, NR, c, ldc, beta, mr, nr);
}

}  // namespace

const MicroKernel& neonKernel() {
  static const MicroKernel k{"neon", MR, NR, 256, 192, 1024, kernel, packA<MR>, packB<NR>};
  return k;
}

}  // namespace gemm
}  // namespace cefm

#endif  // __aarch64__
