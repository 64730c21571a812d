// layer_norm (rows of the last dim), forward and backward. The forward's statistics are two-pass
// (mean, then the centred sum of squares) so inputs with a large mean keep their precision; the
// backward's are one pass about the row's first value, with a second pass where that cancels.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../core/kernel.h"
#include "../core/parallel.h"
#include "reduce_core.h"

namespace cefm {

namespace {

using simd::VF;

struct RowStats {
  float mean, rstd;
};

template <int W> CEFM_SIMD_INLINE RowStats rowStats(const float* x, int64_t D, float eps) {
  const double mean = simd::rowReduce<W, simd::TermSum>(x, nullptr, D, 0.0f) / double(D);
  const double var = simd::rowReduce<W, simd::TermCenteredSquare>(x, nullptr, D, float(mean)) / double(D);
  return {float(mean), float(1.0 / std::sqrt(var + eps))};
}

template <int W>
CEFM_SIMD_INLINE void layerNormRows(const float* x, const float* w, const float* b, float* y, int64_t rows, int64_t D, float eps) {
  using namespace simd;
  for (int64_t r = 0; r < rows; r++, x += D, y += D) {
    const RowStats st = rowStats<W>(x, D, eps);
    const VF<W> m = splat<W>(st.mean), rstd = splat<W>(st.rstd);
    int64_t i = 0;
    for (; i + W <= D; i += W) store<W>(y + i, (load<W>(x + i) - m) * rstd * load<W>(w + i) + load<W>(b + i));
    if (i < D) {
      const int64_t k = D - i;
      storePartial<W>(y + i, (loadPartial<W>(x + i, k, 0.0f) - m) * rstd * loadPartial<W>(w + i, k, 0.0f) + loadPartial<W>(b + i, k, 0.0f), k);
    }
  }
}
CEFM_SIMD_VARIANTS(layerNormRows, (const float* x, const float* w, const float* b, float* y, int64_t rows, int64_t D, float eps),
                   (x, w, b, y, rows, D, eps))

// With g = dy·w and x̂ = (x − mean)·rstd: dx = rstd (g − mean(g) − x̂ mean(g x̂)); the rows'
// dy·x̂ and dy are added into this block's dweight / dbias partial sums. Two passes over a row:
// the first gathers Σx, Σx², Σg and Σg·x about a shift (the row's first value, so a large common
// offset cancels before squaring), the second writes dx.
template <int W>
CEFM_SIMD_INLINE void layerNormBackwardRows(const float* x, const float* w, const float* dy, float* dx, int64_t rows, int64_t D, float eps,
                                            float* dwPart, float* dbPart) {
  using namespace simd;
  for (int64_t r = 0; r < rows; r++, x += D, dy += D, dx += D) {
    const float shift = D ? x[0] : 0.0f;
    const VF<W> sv = splat<W>(shift), zero = splat<W>(0.0f);
    VF<W> sx = zero, sxx = zero, sg = zero, sgx = zero;
    int64_t i = 0;
    for (; i + W <= D; i += W) {
      const VF<W> xs = load<W>(x + i) - sv, g = load<W>(dy + i) * load<W>(w + i);
      sx += xs;
      sxx += xs * xs;
      sg += g;
      sgx += g * xs;
    }
    if (i < D) {  // padded lanes: x = shift and dy = 0 contribute nothing
      const int64_t k = D - i;
      const VF<W> xs = loadPartial<W>(x + i, k, shift) - sv, g = loadPartial<W>(dy + i, k, 0.0f) * loadPartial<W>(w + i, k, 0.0f);
      sx += xs;
      sxx += xs * xs;
      sg += g;
      sgx += g * xs;
    }
    const double n = double(D), meanS = hsum<W>(sx) / n, sumG = hsum<W>(sg), meanSq = hsum<W>(sxx) / n;
    double var = std::max(0.0, meanSq - meanS * meanS);
    // E[(x − s)²] − (mean − s)² loses bits when the shift s = x[0] lies far from the mean (an
    // outlier first value): then the variance is summed again about the mean, as the forward does.
    if (meanS * meanS > 0.5 * meanSq) var = rowReduce<W, TermCenteredSquare>(x, nullptr, D, float(shift + meanS)) / n;
    const float rstdF = float(1.0 / std::sqrt(var + eps));
    const VF<W> m = splat<W>(float(shift + meanS)), rstd = splat<W>(rstdF);
    const VF<W> meanG = splat<W>(float(sumG / n));
    // Σ g (x − mean) = Σ g (x − shift) − (mean − shift) Σ g
    const VF<W> meanGXhat = splat<W>(float((hsum<W>(sgx) - meanS * sumG) * rstdF / n));
    for (i = 0; i < D; i += W) {
      const int64_t k = std::min<int64_t>(W, D - i);
      VF<W> dyv = loadN<W>(dy + i, k, 0.0f), xhat = (loadN<W>(x + i, k, 0.0f) - m) * rstd;
      VF<W> g = dyv * loadN<W>(w + i, k, 0.0f);
      storeN<W>(dx + i, rstd * (g - meanG - xhat * meanGXhat), k);
      storeN<W>(dwPart + i, loadN<W>(dwPart + i, k, 0.0f) + dyv * xhat, k);
      storeN<W>(dbPart + i, loadN<W>(dbPart + i, k, 0.0f) + dyv, k);
    }
  }
}
CEFM_SIMD_VARIANTS(layerNormBackwardRows,
                   (const float* x, const float* w, const float* dy, float* dx, int64_t rows, int64_t D, float eps, float* dwPart,
                    float* dbPart),
                   (x, w, dy, dx, rows, D, eps, dwPart, dbPart))

int64_t rowsOf(const TensorView& x) { return x.numel() / std::max<int64_t>(x.dim(-1), 1); }

// x, weight, bias -> y
void layerNormForward(KernelCall& c) {
  const TensorView &x = c.in[0], &w = c.in[1], &b = c.in[2];
  const int64_t D = x.dim(-1);
  const float eps = float(c.attrs.num("eps", 1e-5));
  float* y = c.out[0].data;
  parallelFor(rowsOf(x), std::max<int64_t>(1, 8192 / std::max<int64_t>(D, 1)), [&](int64_t r0, int64_t r1) {
    layerNormRowsSimd(x.data + r0 * D, w.data, b.data, y + r0 * D, r1 - r0, D, eps);
  });
}

// x, weight, bias, y, dy -> dx, dweight, dbias. Rows go in blocks (32, or more so that a block
// has at most 256 rows; never depending on the thread count, so neither does the result) whose
// dweight/dbias partials are then added in double.
void layerNormBackward(KernelCall& c) {
  const TensorView &x = c.in[0], &w = c.in[1], &dy = c.in[4];
  TensorView &dx = c.out[0], &dw = c.out[1], &db = c.out[2];
  const int64_t D = x.dim(-1), rows = rowsOf(x);
  const float eps = float(c.attrs.num("eps", 1e-5));
  const int64_t blocks = std::max<int64_t>(1, std::min(rows, std::max<int64_t>(32, (rows + 255) / 256)));
  std::vector<float> dwPart(size_t(blocks * D), 0.0f), dbPart(size_t(blocks * D), 0.0f);
  parallelFor(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; blk++) {
      const int64_t r0 = rows * blk / blocks, r1 = rows * (blk + 1) / blocks;
      layerNormBackwardRowsSimd(x.data + r0 * D, w.data, dy.data + r0 * D, dx.data + r0 * D, r1 - r0, D, eps,
                                dwPart.data() + blk * D, dbPart.data() + blk * D);
    }
  });
  for (int64_t j = 0; j < D; j++) {
    double sw = 0, sb = 0;
    for (int64_t blk = 0; blk < blocks; blk++) {
      sw += dwPart[size_t(blk * D + j)];
      sb += dbPart[size_t(blk * D + j)];
    }
    dw.data[j] = float(sw);
    db.data[j] = float(sb);
  }
}

}  // namespace

CEFM_KERNEL(layer_norm, layerNormForward);
CEFM_KERNEL(layer_norm_backward, layerNormBackward);

}  // namespace cefm
