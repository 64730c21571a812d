// softmax and log_softmax over the last dim, forward and backward, one row at a time (a row
// stays in L1 across its passes), rows threaded over the pool.
#include <algorithm>
#include <cmath>

#include "../core/kernel.h"
#include "../core/parallel.h"
#include "reduce_core.h"

namespace cefm {

namespace {

using simd::VF;

// y = exp(x − max) / Σ exp(x − max), or log_softmax y = x − max − log Σ exp(x − max).
template <int W> CEFM_SIMD_INLINE void softmaxRows(const float* x, float* y, int64_t rows, int64_t D, bool log) {
  using namespace simd;
  for (int64_t r = 0; r < rows; r++, x += D, y += D) {
    const VF<W> m = splat<W>(rowMax<W>(x, D));
    VF<W> acc = splat<W>(0.0f);
    int64_t i = 0;
    // softmax stores exp(x − max) while summing it, then scales in place.
    for (; i + W <= D; i += W) {
      VF<W> e = vexp<W>(load<W>(x + i) - m);
      if (!log) store<W>(y + i, e);
      acc += e;
    }
    if (i < D) {
      VF<W> e = select<W>(laneBelow<W>(D - i), vexp<W>(loadPartial<W>(x + i, D - i, 0.0f) - m), splat<W>(0.0f));
      if (!log) storePartial<W>(y + i, e, D - i);
      acc += e;
    }
    const double sum = hsum<W>(acc);
    if (log) {
      const VF<W> shift = m + float(std::log(sum));
      for (i = 0; i + W <= D; i += W) store<W>(y + i, load<W>(x + i) - shift);
      if (i < D) storePartial<W>(y + i, loadPartial<W>(x + i, D - i, 0.0f) - shift, D - i);
    } else {
      const VF<W> inv = splat<W>(float(1.0 / sum));
      for (i = 0; i + W <= D; i += W) store<W>(y + i, load<W>(y + i) * inv);
      if (i < D) storePartial<W>(y + i, loadPartial<W>(y + i, D - i, 0.0f) * inv, D - i);
    }
  }
}
CEFM_SIMD_VARIANTS(softmaxRows, (const float* x, float* y, int64_t rows, int64_t D, bool log), (x, y, rows, D, log))

// softmax: dx = y (dy − Σ dy·y); log_softmax: dx = dy − exp(y) Σ dy.
template <int W>
CEFM_SIMD_INLINE void softmaxBackwardRows(const float* y, const float* dy, float* dx, int64_t rows, int64_t D, bool log) {
  using namespace simd;
  for (int64_t r = 0; r < rows; r++, y += D, dy += D, dx += D) {
    const VF<W> s = splat<W>(float(log ? rowReduce<W, TermSum>(dy, nullptr, D, 0.0f) : rowReduce<W, TermProduct>(dy, y, D, 0.0f)));
    int64_t i = 0;
    for (; i + W <= D; i += W) {
      VF<W> yv = load<W>(y + i), g = load<W>(dy + i);
      store<W>(dx + i, log ? g - vexp<W>(yv) * s : yv * (g - s));
    }
    if (i < D) {
      VF<W> yv = loadPartial<W>(y + i, D - i, 0.0f), g = loadPartial<W>(dy + i, D - i, 0.0f);
      storePartial<W>(dx + i, log ? g - vexp<W>(yv) * s : yv * (g - s), D - i);
    }
  }
}
CEFM_SIMD_VARIANTS(softmaxBackwardRows, (const float* y, const float* dy, float* dx, int64_t rows, int64_t D, bool log),
                   (y, dy, dx, rows, D, log))

// Rows per task: enough elements that a task is worth scheduling.
int64_t rowGrain(int64_t D) { return std::max<int64_t>(1, 8192 / std::max<int64_t>(D, 1)); }

int64_t lastDim(const TensorView& x) { return x.rank() ? x.dim(-1) : 1; }

void forward(KernelCall& c, bool log) {
  const TensorView& x = c.in[0];
  const int64_t D = lastDim(x), rows = D ? x.numel() / D : 0;
  const float* xp = x.data;
  float* yp = c.out[0].data;
  parallelFor(rows, rowGrain(D), [&](int64_t r0, int64_t r1) { softmaxRowsSimd(xp + r0 * D, yp + r0 * D, r1 - r0, D, log); });
}

// x, y, dy -> dx
void backward(KernelCall& c, bool log) {
  const TensorView& y = c.in[1];
  const int64_t D = lastDim(y), rows = D ? y.numel() / D : 0;
  const float *yp = y.data, *dyp = c.in[2].data;
  float* dxp = c.out[0].data;
  parallelFor(rows, rowGrain(D), [&](int64_t r0, int64_t r1) {
    softmaxBackwardRowsSimd(yp + r0 * D, dyp + r0 * D, dxp + r0 * D, r1 - r0, D, log);
  });
}

void softmaxForward(KernelCall& c) { forward(c, false); }
void logSoftmaxForward(KernelCall& c) { forward(c, true); }
void softmaxBackward(KernelCall& c) { backward(c, false); }
void logSoftmaxBackward(KernelCall& c) { backward(c, true); }

}  // namespace

CEFM_KERNEL(softmax, softmaxForward);
CEFM_KERNEL(log_softmax, logSoftmaxForward);
CEFM_KERNEL(softmax_backward, softmaxBackward);
CEFM_KERNEL(log_softmax_backward, logSoftmaxBackward);

}  // namespace cefm
