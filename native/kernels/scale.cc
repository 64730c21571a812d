// scale: y = alpha·x + beta; backward dx = alpha·dy.
#include "../core/kernel.h"
#include "../core/parallel.h"

namespace cefm {

namespace {

void affine(const float* x, float* y, int64_t n, float alpha, float beta) {
  parallelFor(n, 16384, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) y[i] = alpha * x[i] + beta;
  });
}

void scaleForward(KernelCall& c) {
  affine(c.in[0].data, c.out[0].data, c.in[0].numel(), float(c.attrs.num("alpha", 1.0)), float(c.attrs.num("beta", 0.0)));
}

// inputs: x, y, dy -> dx
void scaleBackward(KernelCall& c) { affine(c.in[2].data, c.out[0].data, c.in[0].numel(), float(c.attrs.num("alpha", 1.0)), 0.0f); }

}  // namespace

CEFM_KERNEL(scale, scaleForward);
CEFM_KERNEL(scale_backward, scaleBackward);

}  // namespace cefm
