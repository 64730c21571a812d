// The reduction core shared by sum/mean, the broadcast gradients of the binary ops, batch_norm's
// channel statistics and (through the row terms) softmax and layer_norm.
#pragma once
#include <cstdint>
#include <vector>

#include "simd.h"

namespace cefm {

// What each element contributes: a; (a − shift)²; b·(a − shift). shift is per output element, so
// the centred terms give variances and covariances in a second, numerically stable pass.
enum class ReduceTerm { Sum, CenteredSquare, CenteredProduct };

struct ReduceOperands {
  const float* a = nullptr;
  const float* b = nullptr;      // CenteredProduct: same shape as a
  const float* shift = nullptr;  // centred terms: one value per output element
};

// out = scale · Σ term over the reduced dims. `shape` is the input's, reduced[d] marks the reduced
// dims; out holds the kept dims in row-major order (the keepdim layout). Threads over the pool;
// the summation order depends on the shapes only (not on the thread count), partial sums are
// combined in double.
void reduceDims(ReduceTerm term, const ReduceOperands& in, const std::vector<int64_t>& shape,
                const std::vector<bool>& reduced, float* out, float scale);

namespace simd {

// Row terms over contiguous data: Σ term(a[i], b[i], c), four accumulators of W lanes.
struct TermSum {
  static constexpr bool usesB = false;
  template <int W> static CEFM_SIMD_INLINE VF<W> at(VF<W> a, VF<W>, VF<W>) { return a; }
};
struct TermCenteredSquare {
  static constexpr bool usesB = false;
  template <int W> static CEFM_SIMD_INLINE VF<W> at(VF<W> a, VF<W>, VF<W> c) { return (a - c) * (a - c); }
};
struct TermCenteredProduct {
  static constexpr bool usesB = true;
  template <int W> static CEFM_SIMD_INLINE VF<W> at(VF<W> a, VF<W> b, VF<W> c) { return b * (a - c); }
};
struct TermProduct {
  static constexpr bool usesB = true;
  template <int W> static CEFM_SIMD_INLINE VF<W> at(VF<W> a, VF<W> b, VF<W>) { return a * b; }
};

// Term at a[i..i+W), b[i..i+W).
template <int W, class Term> CEFM_SIMD_INLINE VF<W> termAt(const float* a, const float* b, int64_t i, VF<W> c) {
  return Term::template at<W>(load<W>(a + i), Term::usesB ? load<W>(b + i) : VF<W>{}, c);
}

// Σ_i Term(a[i], b[i], c) for i < n; b is read only by terms with usesB.
template <int W, class Term> CEFM_SIMD_INLINE double rowReduce(const float* a, const float* b, int64_t n, float c) {
  const VF<W> cv = splat<W>(c), zero = splat<W>(0.0f);
  VF<W> acc0 = zero, acc1 = zero, acc2 = zero, acc3 = zero;
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    acc0 += termAt<W, Term>(a, b, i, cv);
    acc1 += termAt<W, Term>(a, b, i + W, cv);
    acc2 += termAt<W, Term>(a, b, i + 2 * W, cv);
    acc3 += termAt<W, Term>(a, b, i + 3 * W, cv);
  }
  for (; i + W <= n; i += W) acc0 += termAt<W, Term>(a, b, i, cv);
  if (i < n) {
    VF<W> t = Term::template at<W>(loadPartial<W>(a + i, n - i, 0.0f), Term::usesB ? loadPartial<W>(b + i, n - i, 0.0f) : zero, cv);
    acc1 += select<W>(laneBelow<W>(n - i), t, zero);
  }
  return hsum<W>((acc0 + acc1) + (acc2 + acc3));
}

template <int W> CEFM_SIMD_INLINE float rowMax(const float* a, int64_t n) {
  const float lowest = -__builtin_inff();
  VF<W> m0 = splat<W>(lowest), m1 = m0;
  int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    m0 = vmax<W>(m0, load<W>(a + i));
    m1 = vmax<W>(m1, load<W>(a + i + W));
  }
  for (; i + W <= n; i += W) m0 = vmax<W>(m0, load<W>(a + i));
  if (i < n) m1 = vmax<W>(m1, loadPartial<W>(a + i, n - i, lowest));
  return hmax<W>(vmax<W>(m0, m1));
}

}  // namespace simd
}  // namespace cefm
