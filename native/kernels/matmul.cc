// matmul (torch.matmul for rank >= 2, broadcast batch dims) and its backward, over sgemm.
#include <algorithm>
#include <vector>

#include "../core/kernel.h"
#include "gemm.h"

namespace cefm {

namespace {

// Batch broadcasting: for each output batch, which matrix of a and of b it reads.
struct MatmulPlan {
  int64_t M, N, K, batch;
  std::vector<int64_t> aIndex, bIndex;
};

std::vector<int64_t> batchIndex(const std::vector<int64_t>& shape, const std::vector<int64_t>& outBatch) {
  // strides of shape's batch dims seen through broadcasting to outBatch (0 where broadcast)
  size_t nb = outBatch.size(), rb = shape.size() - 2;
  std::vector<int64_t> strides(nb, 0);
  int64_t acc = 1;
  for (int64_t i = int64_t(rb) - 1; i >= 0; i--) {
    size_t j = nb - rb + size_t(i);
    strides[j] = shape[size_t(i)] == 1 ? 0 : acc;
    acc *= shape[size_t(i)];
  }
  int64_t total = 1;
  for (int64_t d : outBatch) total *= d;
  std::vector<int64_t> index(static_cast<size_t>(total));
  for (int64_t e = 0; e < total; e++) {
    int64_t rem = e, off = 0;
    for (int64_t d = int64_t(nb) - 1; d >= 0; d--) {
      off += (rem % outBatch[size_t(d)]) * strides[size_t(d)];
      rem /= outBatch[size_t(d)];
    }
    index[size_t(e)] = off;
  }
  return index;
}

MatmulPlan plan(const TensorView& a, const TensorView& b, const TensorView& out) {
  MatmulPlan p;
  p.M = a.dim(-2);
  p.K = a.dim(-1);
  p.N = b.dim(-1);
  std::vector<int64_t> outBatch(out.shape.begin(), out.shape.end() - 2);
  p.aIndex = batchIndex(a.shape, outBatch);
  p.bIndex = batchIndex(b.shape, outBatch);
  p.batch = int64_t(p.aIndex.size());
  return p;
}

void matmulForward(KernelCall& c) {
  const TensorView &a = c.in[0], &b = c.in[1];
  TensorView& out = c.out[0];
  MatmulPlan p = plan(a, b, out);
  // One batched call spreads many small products over the threads (ViT's per-head scores).
  std::vector<const float*> as(p.batch), bs(p.batch);
  std::vector<float*> cs(p.batch);
  for (int64_t i = 0; i < p.batch; i++) {
    as[i] = a.data + p.aIndex[i] * p.M * p.K;
    bs[i] = b.data + p.bIndex[i] * p.K * p.N;
    cs[i] = out.data + i * p.M * p.N;
  }
  sgemmBatched(false, false, p.M, p.N, p.K, 1.0f, as.data(), p.K, bs.data(), p.N, 0.0f, cs.data(), p.N, p.batch);
}

// inputs: a, b, out, dout -> da, db. A broadcast operand accumulates over the batches that share it.
void matmulBackward(KernelCall& c) {
  const TensorView &a = c.in[0], &b = c.in[1], &out = c.in[2], &dy = c.in[3];
  TensorView &da = c.out[0], &db = c.out[1];
  MatmulPlan p = plan(a, b, out);
  std::fill(da.data, da.data + da.numel(), 0.0f);
  std::fill(db.data, db.data + db.numel(), 0.0f);
  for (int64_t i = 0; i < p.batch; i++) {
    const float* g = dy.data + i * p.M * p.N;
    sgemm(false, true, p.M, p.K, p.N, 1.0f, g, p.N, b.data + p.bIndex[i] * p.K * p.N, p.N, 1.0f,
          da.data + p.aIndex[i] * p.M * p.K, p.K);
    sgemm(true, false, p.K, p.N, p.M, 1.0f, a.data + p.aIndex[i] * p.M * p.K, p.K, g, p.N, 1.0f,
          db.data + p.bIndex[i] * p.K * p.N, p.N);
  }
}

}  // namespace

CEFM_COMPUTE_KERNEL(matmul, matmulForward);
CEFM_COMPUTE_KERNEL(matmul_backward, matmulBackward);

}  // namespace cefm
