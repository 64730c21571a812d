// The raw GEMM as a kernel, for tests and benchmarks that need every sgemm argument:
// inputs a, b, c (flat); output out = alpha * op(a) * op(b) + beta * c, with the leading
// dimensions and transposes given as attrs (M, N, K, lda, ldb, ldc, transA, transB, alpha, beta);
// packedA: 1 goes through GemmPackedA, bPacker: 1 through a GemmBPacker; batch: n > 1 runs
// sgemmBatched over n products whose matrices follow each other in a, b and c (a single A for all
// when broadcastA: 1).
#include <algorithm>
#include <vector>

#include "../core/kernel.h"
#include "gemm.h"

namespace cefm {

namespace {

// A stack of `count` rows x cols matrices with leading dimension ld, rows * ld apart.
struct Operand {
  int64_t rows, cols, ld;
  int64_t stride() const { return rows * ld; }
  // last element index + 1 that the stack touches
  int64_t extent(int64_t count) const { return rows == 0 || cols == 0 ? 0 : (count - 1) * stride() + (rows - 1) * ld + cols; }
};

void checkOperand(const char* name, const TensorView& t, const Operand& o, int64_t count) {
  if (o.ld < o.cols) throw KernelError(std::string("leading dimension of ") + name + " is smaller than its row");
  if (o.extent(count) > t.numel()) throw KernelError(std::string(name) + " is too small for its shape");
}

// The GemmBPacker contract (gemm.h) written out plainly over an ordinary op(B).
struct PlainB {
  const float* b;
  int64_t ldb;
  bool trans;
};

void packPlainB(const void* ctx, int64_t k0, int64_t kc, int64_t j0, int64_t cols, int nr, float* dst) {
  const PlainB& s = *static_cast<const PlainB*>(ctx);
  const int64_t padded = (cols + nr - 1) / nr * nr;
  for (int64_t j = 0; j < padded; j++)
    for (int64_t k = 0; k < kc; k++) {
      const int64_t kk = k0 + k, jj = j0 + j;
      const float v = j >= cols ? 0.0f : s.trans ? s.b[jj * s.ldb + kk] : s.b[kk * s.ldb + jj];
      dst[(j / nr) * kc * nr + k * nr + j % nr] = v;
    }
}

void sgemmKernel(KernelCall& c) {
  const Attrs& at = c.attrs;
  const bool transA = at.i64("transA", 0) != 0, transB = at.i64("transB", 0) != 0;
  const int64_t M = at.i64("M", 0), N = at.i64("N", 0), K = at.i64("K", 0), batch = at.i64("batch", 1);
  const bool broadcastA = at.i64("broadcastA", 0) != 0;
  const Operand oa{transA ? K : M, transA ? M : K, at.i64("lda", transA ? M : K)};
  const Operand ob{transB ? N : K, transB ? K : N, at.i64("ldb", transB ? K : N)};
  const Operand oc{M, N, at.i64("ldc", N)};
  const TensorView &a = c.in[0], &b = c.in[1], &c0 = c.in[2];
  TensorView& out = c.out[0];
  if (M < 0 || N < 0 || K < 0 || batch < 1) throw KernelError("negative size or batch < 1");
  checkOperand("a", a, oa, broadcastA ? 1 : batch);
  checkOperand("b", b, ob, batch);
  checkOperand("c", c0, oc, batch);
  if (out.numel() != c0.numel()) throw KernelError("out must have the size of c");
  std::copy(c0.data, c0.data + c0.numel(), out.data);  // untouched padding keeps c's values
  const float alpha = float(at.num("alpha", 1.0)), beta = float(at.num("beta", 0.0));
  if (batch > 1) {
    std::vector<const float*> as, bs;
    std::vector<float*> cs;
    for (int64_t z = 0; z < batch; z++) {
      as.push_back(a.data + (broadcastA ? 0 : z * oa.stride()));
      bs.push_back(b.data + z * ob.stride());
      cs.push_back(out.data + z * oc.stride());
    }
    sgemmBatched(transA, transB, M, N, K, alpha, as.data(), oa.ld, bs.data(), ob.ld, beta, cs.data(), oc.ld, batch);
  } else if (at.i64("bPacker", 0) != 0) {
    const PlainB plain{b.data, ob.ld, transB};
    const GemmBPacker packer{packPlainB, &plain};
    if (at.i64("packedA", 0) != 0) sgemm(GemmPackedA(transA, M, K, alpha, a.data, oa.ld), N, packer, beta, out.data, oc.ld);
    else sgemm(transA, M, N, K, alpha, a.data, oa.ld, packer, beta, out.data, oc.ld);
  } else if (at.i64("packedA", 0) != 0) {
    sgemm(GemmPackedA(transA, M, K, alpha, a.data, oa.ld), transB, N, b.data, ob.ld, beta, out.data, oc.ld);
  } else {
    sgemm(transA, transB, M, N, K, alpha, a.data, oa.ld, b.data, ob.ld, beta, out.data, oc.ld);
  }
}

}  // namespace

CEFM_COMPUTE_KERNEL(sgemm, sgemmKernel);

}  // namespace cefm
