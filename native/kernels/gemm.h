// Single-precision GEMM used by every matrix-shaped kernel (matmul, linear, conv, attention).
// A packed, cache-blocked design (BLIS/GotoBLAS): A and B are copied block by block into
// micro-panels that a register-blocked micro-kernel (AVX-512, AVX2+FMA, NEON or portable C++,
// chosen once at run time by simdLevel()) multiplies.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/buffer_cache.h"

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

// count products C[z] = alpha * op(A[z]) * op(B[z]) + beta * C[z] of one shape (pointer arrays;
// an A or B may repeat). When the C[z] are distinct and there are at least as many products as
// threads, whole products go to the pool's threads, which saves a join per product; otherwise
// they run in order (so a repeated C accumulates in order), each one threaded.
void sgemmBatched(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* const* A,
                  int64_t lda, const float* const* B, int64_t ldb, float beta, float* const* C, int64_t ldc,
                  int64_t count);

// A right operand that packs itself, for a B that exists only implicitly (a convolution's
// im2col, read straight from the image): pack(ctx, k0, kc, j0, cols, nr, dst) writes op(B)[k0 + k,
// j0 + j] for k < kc, j < cols into ceil(cols / nr) panels of nr columns,
// dst[(j / nr) * kc * nr + k * nr + j % nr], zeros in the padding of the last panel. It is called
// from several threads at once, on disjoint column ranges.
struct GemmBPacker {
  void (*pack)(const void* ctx, int64_t k0, int64_t kc, int64_t j0, int64_t cols, int nr, float* dst);
  const void* ctx;
};

// C = alpha * op(A) * B + beta * C with B from a GemmBPacker.
void sgemm(bool transA, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const GemmBPacker& B,
           float beta, float* C, int64_t ldc);

// op(A) packed once for many products with the same left operand (conv weights against every
// band of every image, say): each product then skips packing A. Laid out for the micro-kernel of
// this process's SIMD level; immutable once built, so threads may share it.
class GemmPackedA {
 public:
  GemmPackedA(bool transA, int64_t M, int64_t K, float alpha, const float* A, int64_t lda);
  int64_t rows() const { return M_; }
  int64_t depth() const { return K_; }
  float alpha() const { return alpha_; }
  // The panels of rows [row0, ...) over the k block starting at step k0 (gemm.cc's blocking).
  const float* block(int64_t k0, int64_t row0) const;

 private:
  int64_t M_, K_, paddedRows_, kcMax_;
  float alpha_;
  CachedVector<float> data_;  // made on every conv call: from the buffer cache, no page faults
};

// C = op(A) * op(B) + beta * C with op(A), alpha included, from a GemmPackedA.
void sgemm(const GemmPackedA& A, bool transB, int64_t N, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void sgemm(const GemmPackedA& A, bool transB, int64_t N, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
           const GemmEpilogue& epilogue);
// Both operands prepacked: op(A) from a GemmPackedA, B from a GemmBPacker.
void sgemm(const GemmPackedA& A, int64_t N, const GemmBPacker& B, float beta, float* C, int64_t ldc);

}  // namespace cefm
