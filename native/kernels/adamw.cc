// adamw_step: one torch.optim.AdamW step (single-tensor path) for one tensor. Outputs alias
// param, m, v on device; each element is read before it is written, so aliasing is safe.
#include <cmath>
#include <string>

#include "../core/cpu.h"
#include "../core/kernel.h"
#include "../core/parallel.h"

#if defined(CEFM_X86)
#include <immintrin.h>
#endif

namespace cefm {

namespace {

struct AdamwScalars {
  float beta1, beta2, oneMinusBeta1, oneMinusBeta2, decay, stepSize, bias2Sqrt, eps;
};

struct AdamwArrays {
  const float *p, *g, *m, *v;
  float *po, *mo, *vo;
};

// The same operations, in the same order, as PyTorch's: no fused multiply-adds, so every path
// gives the same bits.
inline void stepScalar(const AdamwScalars& s, const AdamwArrays& a, int64_t i0, int64_t i1) {
  for (int64_t i = i0; i < i1; i++) {
    const float gi = a.g[i];
    const float mi = a.m[i] * s.beta1 + s.oneMinusBeta1 * gi;
    const float vi = a.v[i] * s.beta2 + s.oneMinusBeta2 * gi * gi;
    a.po[i] = a.p[i] * s.decay - s.stepSize * (mi / (std::sqrt(vi) / s.bias2Sqrt + s.eps));
    a.mo[i] = mi;
    a.vo[i] = vi;
  }
}

#if defined(CEFM_X86)
// 8 lanes at a time; std::sqrt cannot vectorise (it may set errno), _mm256_sqrt_ps does.
CEFM_TARGET_AVX2 void stepAvx2(const AdamwScalars& s, const AdamwArrays& a, int64_t i0, int64_t i1) {
  const __m256 b1 = _mm256_set1_ps(s.beta1), b2 = _mm256_set1_ps(s.beta2), nb1 = _mm256_set1_ps(s.oneMinusBeta1),
               nb2 = _mm256_set1_ps(s.oneMinusBeta2), decay = _mm256_set1_ps(s.decay), step = _mm256_set1_ps(s.stepSize),
               bc2 = _mm256_set1_ps(s.bias2Sqrt), eps = _mm256_set1_ps(s.eps);
  int64_t i = i0;
  for (; i + 8 <= i1; i += 8) {
    const __m256 g = _mm256_loadu_ps(a.g + i);
    const __m256 m = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(a.m + i), b1), _mm256_mul_ps(nb1, g));
    const __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(a.v + i), b2), _mm256_mul_ps(_mm256_mul_ps(nb2, g), g));
    const __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(v), bc2), eps);
    const __m256 p = _mm256_sub_ps(_mm256_mul_ps(_mm256_loadu_ps(a.p + i), decay), _mm256_mul_ps(step, _mm256_div_ps(m, denom)));
    _mm256_storeu_ps(a.po + i, p);
    _mm256_storeu_ps(a.mo + i, m);
    _mm256_storeu_ps(a.vo + i, v);
  }
  stepScalar(s, a, i, i1);
}
#endif

void adamwStep(KernelCall& c) {
  const Attrs& at = c.attrs;
  const double lr = at.num("lr", 1e-3), beta1 = at.num("beta1", 0.9), beta2 = at.num("beta2", 0.999);
  const double eps = at.num("eps", 1e-8), wd = at.num("weight_decay", 1e-2), step = at.num("step", 1);
  // the scalars PyTorch computes in Python (double), as src/ts/ops/adamw.ts adamwScalars
  const AdamwScalars s{float(beta1), float(beta2), float(1.0 - beta1), float(1.0 - beta2), float(1.0 - lr * wd),
                       float(lr / (1.0 - std::pow(beta1, step))), float(std::sqrt(1.0 - std::pow(beta2, step))), float(eps)};
  const AdamwArrays a{c.in[0].data, c.in[1].data, c.in[2].data, c.in[3].data, c.out[0].data, c.out[1].data, c.out[2].data};
  const int64_t n = c.in[0].numel();
#if defined(CEFM_X86)
  if (simdLevel() == "avx2" || simdLevel() == "avx512") {
    parallelFor(n, 16384, [&](int64_t i0, int64_t i1) { stepAvx2(s, a, i0, i1); });
    return;
  }
#endif
  parallelFor(n, 16384, [&](int64_t i0, int64_t i1) { stepScalar(s, a, i0, i1); });
}

}  // namespace

CEFM_KERNEL(adamw_step, adamwStep);

}  // namespace cefm
