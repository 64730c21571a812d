// l2_normalize (F.normalize(x, dim=-1, eps)) and its backward, one row of the last dim at a time;
// the row sums run in double, as in src/ts/ops/l2_normalize.ts.
#include <algorithm>
#include <cmath>

#include "../core/kernel.h"
#include "../core/parallel.h"

namespace cefm {

namespace {

struct Rows {
  int64_t rows, cols;
};

Rows lastDimRows(const TensorView& x) {
  const int64_t cols = x.rank() ? x.dim(-1) : 1;
  return {cols ? x.numel() / cols : 0, cols};
}

void l2NormalizeForward(KernelCall& c) {
  const Rows r = lastDimRows(c.in[0]);
  const float eps = float(c.attrs.num("eps", 1e-12));
  const float* x = c.in[0].data;
  float* y = c.out[0].data;
  parallelFor(r.rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, r.cols)), [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; i++) {
      const float* xi = x + i * r.cols;
      double ss = 0.0;
      for (int64_t j = 0; j < r.cols; j++) ss += double(xi[j]) * xi[j];
      const float d = std::max(float(std::sqrt(ss)), eps);
      for (int64_t j = 0; j < r.cols; j++) y[i * r.cols + j] = xi[j] / d;
    }
  });
}

// inputs: x, y, dy -> dx = (dy − x·(x·dy)/n²)/n where n = ‖x‖ >= eps, else dy/eps
void l2NormalizeBackward(KernelCall& c) {
  const Rows r = lastDimRows(c.in[0]);
  const double eps = c.attrs.num("eps", 1e-12);
  const float *x = c.in[0].data, *dy = c.in[2].data;
  float* dx = c.out[0].data;
  parallelFor(r.rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, r.cols)), [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; i++) {
      const float *xi = x + i * r.cols, *dyi = dy + i * r.cols;
      double ss = 0.0, xdy = 0.0;
      for (int64_t j = 0; j < r.cols; j++) {
        ss += double(xi[j]) * xi[j];
        xdy += double(xi[j]) * dyi[j];
      }
      const double n = std::sqrt(ss);
      const bool clamped = !(n >= eps && n > 0.0);
      const float inv = float(1.0 / (clamped ? eps : n)), k = clamped ? 0.0f : float(xdy / (n * n));
      for (int64_t j = 0; j < r.cols; j++) dx[i * r.cols + j] = (dyi[j] - k * xi[j]) * inv;
    }
  });
}

}  // namespace

CEFM_KERNEL(l2_normalize, l2NormalizeForward);
CEFM_KERNEL(l2_normalize_backward, l2NormalizeBackward);

}  // namespace cefm
