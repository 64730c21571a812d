// Portable SIMD for the pointwise kernels: GCC/Clang vector extensions of W float lanes, compiled
// once per SIMD level. A kernel body is a template over W marked CEFM_SIMD_INLINE; CEFM_SIMD_VARIANTS
// instantiates it inside CEFM_TARGET_AVX512 (W = 16) and CEFM_TARGET_AVX2 (W = 8) functions and a
// baseline one (W = 4: SSE2 / NEON) and picks one at run time from simdLevel(). Everything a body
// calls must be CEFM_SIMD_INLINE too, so it is compiled with the caller's target (lambdas are not).
#pragma once
#include <cstdint>
#include <cstring>

#include "../core/cpu.h"

#if defined(__GNUC__) && !defined(__clang__)
// Vector arguments of inlined helpers would change the ABI if they were ever emitted out of line.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

#define CEFM_SIMD_INLINE inline __attribute__((always_inline))

namespace cefm {
namespace simd {

template <int W> struct Lanes;
template <> struct Lanes<16> {
  typedef float F __attribute__((vector_size(64)));
  typedef int32_t I __attribute__((vector_size(64)));
};
template <> struct Lanes<8> {
  typedef float F __attribute__((vector_size(32)));
  typedef int32_t I __attribute__((vector_size(32)));
};
template <> struct Lanes<4> {
  typedef float F __attribute__((vector_size(16)));
  typedef int32_t I __attribute__((vector_size(16)));
};
template <int W> using VF = typename Lanes<W>::F;
template <int W> using VI = typename Lanes<W>::I;

// The lane count of the running machine's kernels: 16 (AVX-512), 8 (AVX2) or 4.
inline int width() {
  static const int w = simdLevel() == "avx512" ? 16 : simdLevel() == "avx2" ? 8 : 4;
  return w;
}

template <int W> CEFM_SIMD_INLINE VF<W> splat(float x) { return VF<W>{} + x; }
template <int W> CEFM_SIMD_INLINE VF<W> load(const float* p) {
  VF<W> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <int W> CEFM_SIMD_INLINE void store(float* p, VF<W> v) { std::memcpy(p, &v, sizeof v); }
// The first n (< W) lanes from p, the others `fill`.
template <int W> CEFM_SIMD_INLINE VF<W> loadPartial(const float* p, int64_t n, float fill) {
  float tmp[W];
  for (int i = 0; i < W; i++) tmp[i] = fill;
  std::memcpy(tmp, p, size_t(n) * sizeof(float));
  return load<W>(tmp);
}
template <int W> CEFM_SIMD_INLINE void storePartial(float* p, VF<W> v, int64_t n) {
  float tmp[W];
  store<W>(tmp, v);
  std::memcpy(p, tmp, size_t(n) * sizeof(float));
}
// Lane i holds i < n (all ones) or not (zero): for masking a partial tail.
template <int W> CEFM_SIMD_INLINE VI<W> laneBelow(int64_t n) {
  VI<W> idx;
  for (int i = 0; i < W; i++) idx[i] = i;
  return idx < int32_t(n);
}
template <int W> CEFM_SIMD_INLINE VF<W> select(VI<W> mask, VF<W> a, VF<W> b) { return mask ? a : b; }
template <int W> CEFM_SIMD_INLINE VF<W> vmax(VF<W> a, VF<W> b) { return a > b ? a : b; }
template <int W> CEFM_SIMD_INLINE VF<W> vabs(VF<W> x) { return (VF<W>)((VI<W>)x & 0x7fffffff); }
template <int W> CEFM_SIMD_INLINE VF<W> copySign(VF<W> mag, VF<W> sign) {
  return (VF<W>)(((VI<W>)mag & 0x7fffffff) | ((VI<W>)sign & int32_t(0x80000000u)));
}
// Horizontal sum in double (lanes hold partial sums of long rows).
template <int W> CEFM_SIMD_INLINE double hsum(VF<W> v) {
  double s = 0;
  for (int i = 0; i < W; i++) s += v[i];
  return s;
}
template <int W> CEFM_SIMD_INLINE float hmax(VF<W> v) {
  float m = v[0];
  for (int i = 1; i < W; i++) m = v[i] > m ? v[i] : m;
  return m;
}

// exp(x) to ~1 ulp (Cephes expf): x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial for e^r, and
// 2^n applied in two halves so results down to the denormals and up to inf come out right. NaN
// propagates; x < -104 gives 0, x > 89 gives inf.
template <int W> CEFM_SIMD_INLINE VF<W> vexp(VF<W> x) {
  typedef VF<W> F;
  typedef VI<W> I;
  F xc = x < -104.0f ? splat<W>(-104.0f) : x;
  xc = xc > 89.0f ? splat<W>(89.0f) : xc;
  const float roundMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer in the low mantissa bits
  F t = xc * 1.44269504088896341f + roundMagic;
  F n = t - roundMagic;
  I ni = (I)t - 0x4B400000;
  F r = xc - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  F p = splat<W>(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  I n1 = ni >> 1, n2 = ni - n1;
  return p * (F)((n1 + 127) << 23) * (F)((n2 + 127) << 23);
}

// 1 / (1 + exp(-x)).
template <int W> CEFM_SIMD_INLINE VF<W> vsigmoid(VF<W> x) { return 1.0f / (1.0f + vexp<W>(-x)); }

// tanh(x) to ~2 ulp: an odd polynomial below |x| = 0.625 (fitted to tanh(x)/x in x²), else
// 1 − 2 / (exp(2|x|) + 1), which has no cancellation there.
template <int W> CEFM_SIMD_INLINE VF<W> vtanh(VF<W> x) {
  VF<W> a = vabs<W>(x), u = x * x;
  VF<W> p = splat<W>(-0.005697453394532204f);
  p = p * u + 0.020630232989788055f;
  p = p * u - 0.05373583734035492f;
  p = p * u + 0.13331365585327148f;
  p = p * u - 0.33333274722099304f;
  p = p * u + 1.0f;
  VF<W> small = x * p;
  VF<W> large = copySign<W>(1.0f - 2.0f / (vexp<W>(a + a) + 1.0f), x);
  return a < 0.625f ? small : large;
}

// 1 + erf(x / √2) = 2 Φ(x), accurate to ~1e-7 relative in both tails: erfc by the Chebyshev
// fit of Numerical Recipes (erfcc, fractional error < 1.2e-7), and 2 − erfc(|u|) for u >= 0.
template <int W> CEFM_SIMD_INLINE VF<W> vTwicePhi(VF<W> x) {
  VF<W> u = x * 0.70710678118654752f;
  VF<W> a = vabs<W>(u);
  VF<W> t = 1.0f / (1.0f + 0.5f * a);
  VF<W> p = splat<W>(0.17087277f);
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  VF<W> erfcA = t * vexp<W>(p - a * a);
  return u >= 0.0f ? 2.0f - erfcA : erfcA;
}

}  // namespace simd
}  // namespace cefm

// Defines `name##Simd PARAMS`, running `name<W> ARGS` at the machine's SIMD width. PARAMS and ARGS
// are parenthesised lists, e.g. CEFM_SIMD_VARIANTS(addRows, (const float* a, int64_t n), (a, n)).
#define CEFM_SIMD_VARIANTS(name, PARAMS, ARGS)                              \
  CEFM_TARGET_AVX512 __attribute__((noinline)) static void name##W16 PARAMS { name<16> ARGS; } \
  CEFM_TARGET_AVX2 __attribute__((noinline)) static void name##W8 PARAMS { name<8> ARGS; }      \
  __attribute__((noinline)) static void name##W4 PARAMS { name<4> ARGS; }                      \
  static void name##Simd PARAMS {                                           \
    switch (::cefm::simd::width()) {                                        \
      case 16: name##W16 ARGS; break;                                       \
      case 8: name##W8 ARGS; break;                                         \
      default: name##W4 ARGS; break;                                        \
    }                                                                       \
  }
