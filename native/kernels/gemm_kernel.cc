// The raw GEMM as a kernel, for tests and benchmarks that need every sgemm argument:
// inputs a, b, c (flat); output out = alpha * op(a) * op(b) + beta * c, with the leading
// dimensions and transposes given as attrs (M, N, K, lda, ldb, ldc, transA, transB, alpha, beta).
#include <algorithm>

#include "../core/kernel.h"
#include "gemm.h"

namespace cefm {

namespace {

// Last element index + 1 that a rows x cols matrix with leading dimension ld touches.
int64_t extent(int64_t rows, int64_t cols, int64_t ld) { return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols; }

void checkOperand(const char* name, const TensorView& t, int64_t rows, int64_t cols, int64_t ld) {
  if (ld < cols) throw KernelError(std::string("leading dimension of ") + name + " is smaller than its row");
  if (extent(rows, cols, ld) > t.numel()) throw KernelError(std::string(name) + " is too small for its shape");
}

void sgemmKernel(KernelCall& c) {
  const Attrs& at = c.attrs;
  const bool transA = at.i64("transA", 0) != 0, transB = at.i64("transB", 0) != 0;
  const int64_t M = at.i64("M", 0), N = at.i64("N", 0), K = at.i64("K", 0);
  const int64_t lda = at.i64("lda", transA ? M : K), ldb = at.i64("ldb", transB ? K : N), ldc = at.i64("ldc", N);
  const TensorView &a = c.in[0], &b = c.in[1], &c0 = c.in[2];
  TensorView& out = c.out[0];
  if (M < 0 || N < 0 || K < 0) throw KernelError("negative size");
  checkOperand("a", a, transA ? K : M, transA ? M : K, lda);
  checkOperand("b", b, transB ? N : K, transB ? K : N, ldb);
  checkOperand("c", c0, M, N, ldc);
  if (out.numel() != c0.numel()) throw KernelError("out must have the size of c");
  std::copy(c0.data, c0.data + c0.numel(), out.data);  // untouched padding keeps c's values
  sgemm(transA, transB, M, N, K, float(at.num("alpha", 1.0)), a.data, lda, b.data, ldb, float(at.num("beta", 0.0)),
        out.data, ldc);
}

}  // namespace

CEFM_KERNEL(sgemm, sgemmKernel);

}  // namespace cefm
