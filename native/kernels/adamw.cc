// adamw_step: one torch.optim.AdamW step (single-tensor path) for one tensor. Outputs alias
// param, m, v on device; each element is read before it is written, so aliasing is safe.
#include <cmath>

#include "../core/kernel.h"
#include "../core/parallel.h"

namespace cefm {

namespace {

void adamwStep(KernelCall& c) {
  const Attrs& a = c.attrs;
  const double lr = a.num("lr", 1e-3), beta1 = a.num("beta1", 0.9), beta2 = a.num("beta2", 0.999);
  const double eps = a.num("eps", 1e-8), wd = a.num("weight_decay", 1e-2), step = a.num("step", 1);
  // the scalars PyTorch computes in Python (double), as src/ts/ops/adamw.ts adamwScalars
  const float decay = float(1.0 - lr * wd);
  const float stepSize = float(lr / (1.0 - std::pow(beta1, step)));
  const float bias2Sqrt = float(std::sqrt(1.0 - std::pow(beta2, step)));
  const float b1 = float(beta1), b2 = float(beta2), nb1 = float(1.0 - beta1), nb2 = float(1.0 - beta2), e = float(eps);
  const float *p = c.in[0].data, *g = c.in[1].data, *m = c.in[2].data, *v = c.in[3].data;
  float *po = c.out[0].data, *mo = c.out[1].data, *vo = c.out[2].data;
  parallelFor(c.in[0].numel(), 16384, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const float gi = g[i];
      const float mi = m[i] * b1 + nb1 * gi;
      const float vi = v[i] * b2 + nb2 * gi * gi;
      po[i] = p[i] * decay - stepSize * (mi / (std::sqrt(vi) / bias2Sqrt + e));
      mo[i] = mi;
      vo[i] = vi;
    }
  });
}

}  // namespace

CEFM_KERNEL(adamw_step, adamwStep);

}  // namespace cefm
