// relu, sigmoid, tanh, gelu (erf or tanh form) and their backward: one elementwise kernel family
// with an activation switch, on the vectorised exp/tanh/erfc of simd.h.
#include "../core/kernel.h"
#include "../core/parallel.h"
#include "simd.h"

namespace cefm {

namespace {

using simd::VF;

enum class Activation { Relu, Sigmoid, Tanh, Gelu, GeluTanh };

constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kGeluCubic = 0.044715f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

template <int W, Activation A> CEFM_SIMD_INLINE VF<W> activate(VF<W> x) {
  switch (A) {
    case Activation::Relu: return x < 0.0f ? simd::splat<W>(0.0f) : x;  // keeps NaN, like torch
    case Activation::Sigmoid: return simd::vsigmoid<W>(x);
    case Activation::Tanh: return simd::vtanh<W>(x);
    case Activation::Gelu: return 0.5f * x * simd::vTwicePhi<W>(x);
    // 0.5 x (1 + tanh(u)) = x · sigmoid(2u): no cancellation in the left tail.
    case Activation::GeluTanh: return x * simd::vsigmoid<W>(2.0f * kSqrt2OverPi * (x + kGeluCubic * x * x * x));
  }
  return x;
}

// dL/dx from the input x, the output y and dL/dy.
template <int W, Activation A> CEFM_SIMD_INLINE VF<W> activateGrad(VF<W> x, VF<W> y, VF<W> dy) {
  switch (A) {
    case Activation::Relu: return x > 0.0f ? dy : simd::splat<W>(0.0f);
    case Activation::Sigmoid: return dy * y * (1.0f - y);
    case Activation::Tanh: return dy * (1.0f - y * y);
    case Activation::Gelu: return dy * (0.5f * simd::vTwicePhi<W>(x) + x * kInvSqrt2Pi * simd::vexp<W>(-0.5f * x * x));
    case Activation::GeluTanh: {
      // d/dx [x s(2u)] = s + 2 x s (1 − s) u',  s = sigmoid(2u), u' = √(2/π)(1 + 3·0.044715 x²)
      VF<W> s = simd::vsigmoid<W>(2.0f * kSqrt2OverPi * (x + kGeluCubic * x * x * x));
      return dy * (s + 2.0f * x * s * (1.0f - s) * kSqrt2OverPi * (1.0f + 3.0f * kGeluCubic * x * x));
    }
  }
  return dy;
}

// y = act(x) when dy is null, else dx = act'(x, y)·dy, over n elements.
template <int W, Activation A>
CEFM_SIMD_INLINE void activationLoop(const float* x, const float* y, const float* dy, float* out, int64_t n) {
  using simd::load;
  using simd::loadPartial;
  int64_t i = 0;
  if (!dy) {
    for (; i + W <= n; i += W) simd::store<W>(out + i, activate<W, A>(load<W>(x + i)));
    if (i < n) simd::storePartial<W>(out + i, activate<W, A>(loadPartial<W>(x + i, n - i, 0.0f)), n - i);
    return;
  }
  for (; i + W <= n; i += W) simd::store<W>(out + i, activateGrad<W, A>(load<W>(x + i), load<W>(y + i), load<W>(dy + i)));
  if (i < n) {
    const int64_t r = n - i;
    VF<W> g = activateGrad<W, A>(loadPartial<W>(x + i, r, 0.0f), loadPartial<W>(y + i, r, 0.0f), loadPartial<W>(dy + i, r, 0.0f));
    simd::storePartial<W>(out + i, g, r);
  }
}

template <int W>
CEFM_SIMD_INLINE void activationRange(Activation act, const float* x, const float* y, const float* dy, float* out, int64_t n) {
  switch (act) {
    case Activation::Relu: activationLoop<W, Activation::Relu>(x, y, dy, out, n); break;
    case Activation::Sigmoid: activationLoop<W, Activation::Sigmoid>(x, y, dy, out, n); break;
    case Activation::Tanh: activationLoop<W, Activation::Tanh>(x, y, dy, out, n); break;
    case Activation::Gelu: activationLoop<W, Activation::Gelu>(x, y, dy, out, n); break;
    case Activation::GeluTanh: activationLoop<W, Activation::GeluTanh>(x, y, dy, out, n); break;
  }
}
CEFM_SIMD_VARIANTS(activationRange, (Activation act, const float* x, const float* y, const float* dy, float* out, int64_t n),
                   (act, x, y, dy, out, n))

constexpr int64_t kGrain = 16384;

// x -> y
void activationForward(KernelCall& c, Activation act) {
  const float* x = c.in[0].data;
  float* y = c.out[0].data;
  parallelFor(c.in[0].numel(), kGrain, [&](int64_t i0, int64_t i1) { activationRangeSimd(act, x + i0, nullptr, nullptr, y + i0, i1 - i0); });
}

// x, y, dy -> dx
void activationBackward(KernelCall& c, Activation act) {
  const float *x = c.in[0].data, *y = c.in[1].data, *dy = c.in[2].data;
  float* dx = c.out[0].data;
  parallelFor(c.in[0].numel(), kGrain, [&](int64_t i0, int64_t i1) { activationRangeSimd(act, x + i0, y + i0, dy + i0, dx + i0, i1 - i0); });
}

Activation geluKind(const KernelCall& c) { return c.attrs.str("approximate", "none") == "tanh" ? Activation::GeluTanh : Activation::Gelu; }

void reluForward(KernelCall& c) { activationForward(c, Activation::Relu); }
void sigmoidForward(KernelCall& c) { activationForward(c, Activation::Sigmoid); }
void tanhForward(KernelCall& c) { activationForward(c, Activation::Tanh); }
void geluForward(KernelCall& c) { activationForward(c, geluKind(c)); }
void reluBackward(KernelCall& c) { activationBackward(c, Activation::Relu); }
void sigmoidBackward(KernelCall& c) { activationBackward(c, Activation::Sigmoid); }
void tanhBackward(KernelCall& c) { activationBackward(c, Activation::Tanh); }
void geluBackward(KernelCall& c) { activationBackward(c, geluKind(c)); }

}  // namespace

CEFM_KERNEL(relu, reluForward);
CEFM_KERNEL(sigmoid, sigmoidForward);
CEFM_KERNEL(tanh, tanhForward);
CEFM_KERNEL(gelu, geluForward);
CEFM_KERNEL(relu_backward, reluBackward);
CEFM_KERNEL(sigmoid_backward, sigmoidBackward);
CEFM_KERNEL(tanh_backward, tanhBackward);
CEFM_KERNEL(gelu_backward, geluBackward);

}  // namespace cefm
