// Single-precision GEMM used by every matrix-shaped kernel (matmul, linear, conv, attention).
// A packed, cache-blocked design (BLIS/GotoBLAS): A and B are copied block by block into
// micro-panels that a register-blocked micro-kernel (AVX-512, AVX2+FMA, NEON or portable C++,
// chosen once at run time by simdLevel()) multiplies.
#pragma once
#include <cstdint>

namespace cefm {

// Work done on each finished block of C while it is still in cache (bias, activation...).
// `c` points at C[row0, col0]; the block is rows x cols with leading dimension ldc.
struct GemmEpilogue {
  void (*apply)(const void* ctx, float* c, int64_t ldc, int64_t row0, int64_t col0, int64_t rows, int64_t cols);
  const void* ctx;
};

// C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, row-major with leading dimensions.
// op(X) = X or X^T. beta == 0 overwrites C (its old content may be NaN).
// Threads over the pool unless called from inside a parallel region.
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The same, then `epilogue` on every element of C exactly once, after its full sum.
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const GemmEpilogue& epilogue);

// Name of the micro-kernel sgemm uses ("avx512 12x32", ...), for info and benchmarks.
const char* sgemmKernelName();

}  // namespace cefm
