// linear (F.linear + fused activation) and its backward, over sgemm. The bias and the activation
// run as sgemm's epilogue on each finished block of y while it is still in cache.
#include <algorithm>
#include <vector>

#include "../core/kernel.h"
#include "../core/parallel.h"
#include "gemm.h"
#include "simd.h"

namespace cefm {

namespace {

enum Activation : int { kNone, kRelu, kGelu, kGeluTanh };

Activation parseActivation(const std::string& name) {
  if (name == "none") return kNone;
  if (name == "relu") return kRelu;
  if (name == "gelu") return kGelu;
  if (name == "gelu_tanh") return kGeluTanh;
  throw KernelError("unknown activation '" + name + "'");
}

template <int W>
CEFM_SIMD_INLINE simd::VF<W> activate(simd::VF<W> v, int act) {
  switch (act) {
    case kRelu:
      return simd::vmax<W>(v, simd::splat<W>(0.0f));
    case kGelu:  // x Φ(x)
      return 0.5f * v * simd::vTwicePhi<W>(v);
    case kGeluTanh:  // x/2 (1 + tanh(u)) = x σ(2u), u = √(2/π) (x + 0.044715 x³): no cancellation for x < 0
      return v * simd::vsigmoid<W>(2.0f * 0.7978845608028654f * (v + 0.044715f * v * v * v));
    default:
      return v;
  }
}

// y[r, :] = act(y[r, :] + bias) over a rows x cols block (bias already offset to its first column).
template <int W>
CEFM_SIMD_INLINE void finishBlock(float* y, int64_t ldy, int64_t rows, int64_t cols, const float* bias, int act) {
  for (int64_t r = 0; r < rows; r++) {
    float* row = y + r * ldy;
    int64_t j = 0;
    for (; j + W <= cols; j += W) {
      simd::VF<W> v = simd::load<W>(row + j);
      if (bias) v += simd::load<W>(bias + j);
      simd::store<W>(row + j, activate<W>(v, act));
    }
    if (j < cols) {
      simd::VF<W> v = simd::loadPartial<W>(row + j, cols - j, 0.0f);
      if (bias) v += simd::loadPartial<W>(bias + j, cols - j, 0.0f);
      simd::storePartial<W>(row + j, activate<W>(v, act), cols - j);
    }
  }
}

CEFM_SIMD_VARIANTS(finishBlock, (float* y, int64_t ldy, int64_t rows, int64_t cols, const float* bias, int act),
                   (y, ldy, rows, cols, bias, act))

struct Epilogue {
  const float* bias;  // null when absent
  Activation act;
};

void applyEpilogue(const void* ctx, float* c, int64_t ldc, int64_t row0, int64_t col0, int64_t rows, int64_t cols) {
  const Epilogue& e = *static_cast<const Epilogue*>(ctx);
  finishBlockSimd(c, ldc, rows, cols, e.bias ? e.bias + col0 : nullptr, e.act);
}

// x[..., I] is read as rows x I: the product of its leading dims.
int64_t leadingRows(const TensorView& x) {
  int64_t n = 1;
  for (int d = 0; d + 1 < x.rank(); d++) n *= x.shape[size_t(d)];
  return n;
}

// inputs x[..., I], w[O, I], bias?[O] -> y[..., O]
void linearForward(KernelCall& c) {
  const TensorView &x = c.in[0], &w = c.in[1];
  const float* bias = c.in.size() > 2 ? c.in[2].data : nullptr;
  TensorView& y = c.out[0];
  const int64_t rows = leadingRows(x), inF = w.dim(1), outF = w.dim(0);
  const Epilogue e{bias, parseActivation(c.attrs.str("activation", "none"))};
  if (!bias && e.act == kNone) {
    sgemm(false, true, rows, outF, inF, 1.0f, x.data, inF, w.data, inF, 0.0f, y.data, outF);
  } else {
    sgemm(false, true, rows, outF, inF, 1.0f, x.data, inF, w.data, inF, 0.0f, y.data, outF, GemmEpilogue{applyEpilogue, &e});
  }
}

// dbias[o] = sum over rows of dy[r, o], in double; columns split over the pool.
void sumRows(const float* dy, int64_t rows, int64_t cols, float* out) {
  parallelFor(cols, 64, [&](int64_t c0, int64_t c1) {
    std::vector<double> acc(size_t(c1 - c0), 0.0);
    for (int64_t r = 0; r < rows; r++) {
      const float* row = dy + r * cols + c0;
      for (int64_t j = 0; j < c1 - c0; j++) acc[size_t(j)] += row[j];
    }
    for (int64_t j = 0; j < c1 - c0; j++) out[c0 + j] = float(acc[size_t(j)]);
  });
}

// inputs x, w, bias?, y, dy -> dx = dy · w, dw = dyᵀ · x, dbias = Σ_rows dy
void linearBackward(KernelCall& c) {
  const bool hasBias = c.in.size() == 5;
  const TensorView &x = c.in[0], &w = c.in[1], &dy = c.in[hasBias ? 4 : 3];
  TensorView &dx = c.out[0], &dw = c.out[1];
  if (c.attrs.str("activation", "none") != "none") throw KernelError("backward is defined for activation 'none' only");
  const int64_t rows = leadingRows(x), inF = w.dim(1), outF = w.dim(0);
  sgemm(false, false, rows, inF, outF, 1.0f, dy.data, outF, w.data, inF, 0.0f, dx.data, inF);
  sgemm(true, false, outF, inF, rows, 1.0f, dy.data, outF, x.data, inF, 0.0f, dw.data, inF);
  if (hasBias) sumRows(dy.data, rows, outF, c.out[2].data);
}

}  // namespace

CEFM_COMPUTE_KERNEL(linear, linearForward);
CEFM_COMPUTE_KERNEL(linear_backward, linearBackward);

}  // namespace cefm
