#include "gemm.h"

#include <vector>

#include "../core/parallel.h"

namespace cefm {

// Straightforward row-parallel version; the packed, register-blocked kernel replaces it.
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  parallelFor(M, 4, [&](int64_t r0, int64_t r1) {
    std::vector<float> row(N);
    for (int64_t i = r0; i < r1; i++) {
      std::fill(row.begin(), row.end(), 0.0f);
      for (int64_t p = 0; p < K; p++) {
        float a = transA ? A[p * lda + i] : A[i * lda + p];
        if (!transB) {
          const float* b = B + p * ldb;
          for (int64_t j = 0; j < N; j++) row[j] += a * b[j];
        } else {
          for (int64_t j = 0; j < N; j++) row[j] += a * B[j * ldb + p];
        }
      }
      float* c = C + i * ldc;
      for (int64_t j = 0; j < N; j++) c[j] = alpha * row[j] + (beta == 0.0f ? 0.0f : beta * c[j]);
    }
  });
}

}  // namespace cefm
