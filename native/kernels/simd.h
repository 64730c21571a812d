// Portable SIMD for the pointwise kernels: GCC/Clang vector extensions of W float lanes, compiled
// once per SIMD level. A kernel body is a template over W marked CEFM_SIMD_INLINE; CEFM_SIMD_VARIANTS
// instantiates it inside CEFM_TARGET_AVX512 (W = 16) and CEFM_TARGET_AVX2 (W = 8) functions and a
// baseline one (W = 4: SSE2 / NEON) and picks one at run time from simdLevel(). Everything a body
// calls must be CEFM_SIMD_INLINE too, so it is compiled with the caller's target (lambdas are not).
#pragma once
#include <cstdint>
#include <cstring>

#include "../core/cpu.h"

#if defined(CEFM_X86)
#include <immintrin.h>  // also declares the masked-move builtins used below
#endif

#if defined(__GNUC__) && !defined(__clang__)
// "AVX vector return without AVX enabled changes the ABI": true of these helpers only if one were
// emitted out of line, and all are inlined. (GCC also prints one "ABI for passing parameters with
// 64-byte alignment has changed" note per file, which only -Wno-psabi on the command line hides.)
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
// AVX2 lane mask for the first n of 8 lanes.
CEFM_SIMD_INLINE VI<8> laneBelowMask8(int64_t n) { return VI<8>{0, 1, 2, 3, 4, 5, 6, 7} < int32_t(n); }

// The first n (< W) lanes from p, the others `fill`. AVX-512 and AVX2 use masked moves: filling
// a stack buffer and reloading it stalls store forwarding on every row's tail. (Builtins, not the
// intrinsics: those would have to be inlined into this target-less template; a builtin is checked
// where it is finally expanded, inside the CEFM_TARGET_* function.)
template <int W> CEFM_SIMD_INLINE VF<W> loadPartial(const float* p, int64_t n, float fill) {
#if defined(CEFM_X86) && defined(__GNUC__) && !defined(__clang__)
  if constexpr (W == 16) {
    return __builtin_ia32_loadups512_mask(p, VF<16>{} + fill, (unsigned short)((1u << n) - 1));
  } else if constexpr (W == 8) {
    VF<8> v = __builtin_ia32_maskloadps256((const VF<8>*)p, laneBelowMask8(n));
    return laneBelowMask8(n) ? v : VF<8>{} + fill;
  }
#endif
  float tmp[W];
  for (int i = 0; i < W; i++) tmp[i] = fill;
  std::memcpy(tmp, p, size_t(n) * sizeof(float));
  return load<W>(tmp);
}
template <int W> CEFM_SIMD_INLINE void storePartial(float* p, VF<W> v, int64_t n) {
#if defined(CEFM_X86) && defined(__GNUC__) && !defined(__clang__)
  if constexpr (W == 16) {
    __builtin_ia32_storeups512_mask(p, v, (unsigned short)((1u << n) - 1));
    return;
  } else if constexpr (W == 8) {
    __builtin_ia32_maskstoreps256((VF<8>*)p, laneBelowMask8(n), v);
    return;
  }
#endif
  float tmp[W];
  store<W>(tmp, v);
  std::memcpy(p, tmp, size_t(n) * sizeof(float));
}
// k (<= W) lanes: a plain load/store for a full vector, partial for a row's tail.
template <int W> CEFM_SIMD_INLINE VF<W> loadN(const float* p, int64_t k, float fill) {
  return k == W ? load<W>(p) : loadPartial<W>(p, k, fill);
}
template <int W> CEFM_SIMD_INLINE void storeN(float* p, VF<W> v, int64_t k) {
  if (k == W) store<W>(p, v);
  else storePartial<W>(p, v, k);
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
// Horizontal sum and max as trees of half-width vectors (a sequential chain over 16 lanes costs
// ~60 cycles of latency per row).
template <int W> CEFM_SIMD_INLINE void halves(VF<W> v, VF<W / 2>& lo, VF<W / 2>& hi) {
  std::memcpy(&lo, &v, sizeof lo);
  std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
}
template <int W> CEFM_SIMD_INLINE float hsum(VF<W> v) {
  if constexpr (W == 4) {
    return (v[0] + v[2]) + (v[1] + v[3]);
  } else {
    VF<W / 2> lo, hi;
    halves<W>(v, lo, hi);
    return hsum<W / 2>(lo + hi);
  }
}
template <int W> CEFM_SIMD_INLINE float hmax(VF<W> v) {
  if constexpr (W == 4) {
    const float a = v[0] > v[2] ? v[0] : v[2], b = v[1] > v[3] ? v[1] : v[3];
    return a > b ? a : b;
  } else {
    VF<W / 2> lo, hi;
    halves<W>(v, lo, hi);
    return hmax<W / 2>(vmax<W / 2>(lo, hi));
  }
}

// p · 2^n for integral n in [-150, 128] (n also given as int32 ni): AVX-512's vscalefps, else
// two exponent-field multiplies so results down to the denormals and up to inf come out right.
template <int W> CEFM_SIMD_INLINE VF<W> scaleByPow2(VF<W> p, VF<W> n, VI<W> ni) {
#if defined(CEFM_X86) && defined(__GNUC__) && !defined(__clang__)
  if constexpr (W == 16) return __builtin_ia32_scalefps512_mask(p, n, p, (unsigned short)0xffff, 4 /* current rounding */);
#endif
  VI<W> n1 = ni >> 1, n2 = ni - n1;
  return p * (VF<W>)((n1 + 127) << 23) * (VF<W>)((n2 + 127) << 23);
}

// 1 / d for finite d >= 1: AVX-512's 14-bit vrcp14ps and one Newton step (~1 ulp), else a divide.
template <int W> CEFM_SIMD_INLINE VF<W> recipAtLeastOne(VF<W> d) {
#if defined(CEFM_X86) && defined(__GNUC__) && !defined(__clang__)
  if constexpr (W == 16) {
    VF<16> r = __builtin_ia32_rcp14ps512_mask(d, d, (unsigned short)0xffff);
    return r * (2.0f - d * r);
  }
#endif
  return 1.0f / d;
}

// exp(x) to ~1 ulp (Cephes expf): x = n ln2 + r, |r| <= ln2/2, a degree-6 polynomial for e^r,
// times 2^n. NaN propagates; x < -104 gives 0, x > 89 gives inf.
template <int W> CEFM_SIMD_INLINE VF<W> vexp(VF<W> x) {
  typedef VF<W> F;
  F xc = x < -104.0f ? splat<W>(-104.0f) : x;
  xc = xc > 89.0f ? splat<W>(89.0f) : xc;
  const float roundMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer in the low mantissa bits
  F t = xc * 1.44269504088896341f + roundMagic;
  F n = t - roundMagic;
  VI<W> ni = (VI<W>)t - 0x4B400000;
  F r = xc - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  F p = splat<W>(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return scaleByPow2<W>(p, n, ni);
}

// log(x) for positive, normal, finite x to ~1 ulp (Cephes logf): x = m 2^e with m in
// [√½, √2), a degree-9 polynomial for log(m).
template <int W> CEFM_SIMD_INLINE VF<W> vlog(VF<W> x) {
  typedef VF<W> F;
  const VI<W> bits = (VI<W>)x;
  VI<W> e = ((bits >> 23) & 0xff) - 126;
  const F m = (F)((bits & int32_t(0x807fffff)) | 0x3f000000);  // [0.5, 1)
  const VI<W> low = m < 0.70710678118654752f;                 // all ones where true
  e = e + low;
  const F a = low ? m + m - 1.0f : m - 1.0f;
  const F ef = __builtin_convertvector(e, F);
  const F z = a * a;
  F y = splat<W>(7.0376836292e-2f);
  y = y * a - 1.1514610310e-1f;
  y = y * a + 1.1676998740e-1f;
  y = y * a - 1.2420140846e-1f;
  y = y * a + 1.4249322787e-1f;
  y = y * a - 1.6668057665e-1f;
  y = y * a + 2.0000714765e-1f;
  y = y * a - 2.4999993993e-1f;
  y = y * a + 3.3333331174e-1f;
  y = y * a * z + ef * -2.12194440e-4f - 0.5f * z;
  return a + y + ef * 0.693359375f;
}

// log(1 + u) for finite u >= 0, accurate for small u too: log(v) of v = 1 + u, corrected by the
// part of u that rounding v lost.
template <int W> CEFM_SIMD_INLINE VF<W> vlog1p(VF<W> u) {
  const VF<W> v = 1.0f + u;
  return vlog<W>(v) + (u - (v - 1.0f)) / v;
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
  a = a > 64.0f ? splat<W>(64.0f) : a;  // erfc(64) is 0 already; keeps 1 + a/2 finite for the reciprocal
  VF<W> t = recipAtLeastOne<W>(1.0f + 0.5f * a);
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
