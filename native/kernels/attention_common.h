// What the attention forward and backward kernels share: sizes, tile sizes, the padded staging
// of a head's keys and values, and the online softmax over key tiles.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "../core/cpu.h"
#include "../core/kernel.h"
#include "attention_simd.h"

namespace cefm {
namespace attn {

// Query rows per tile and keys per tile. A row tile's scores (kRowTile x kKeyTile floats, 64 KB)
// stay in L2; a ViT head (197 keys) fits one key tile, so its softmax needs no rescaling. (48 to
// 96 rows time the same on Zen 4; 64 gives 4 tiles per ViT head to spread over threads.)
constexpr int64_t kRowTile = 64;
constexpr int64_t kKeyTile = 256;

// q[bh, L, D], k[bh, S, D], v[bh, S, Dv] (bh = batch * heads), row-major.
struct Problem {
  int64_t bh, L, S, D, Dv;
  float scale;
  const float *q, *k, *v;
  int64_t rowTiles() const { return (L + kRowTile - 1) / kRowTile; }
  int64_t keyTile() const { return std::min(S, kKeyTile); }
  int64_t keyTiles() const { return (S + kKeyTile - 1) / kKeyTile; }
};

inline Problem problemOf(const KernelCall& c) {
  const TensorView &q = c.in[0], &k = c.in[1], &v = c.in[2];
  Problem p;
  p.bh = q.dim(0) * q.dim(1);
  p.L = q.dim(2);
  p.S = k.dim(2);
  p.D = q.dim(3);
  p.Dv = v.dim(3);
  p.scale = static_cast<float>(c.attrs.num("scale", 1.0 / std::sqrt(double(p.D))));
  p.q = q.data;
  p.k = k.data;
  p.v = v.data;
  return p;
}

// dst[cols x ldDst] = src[rows x cols]^T, zero in columns rows..ldDst.
inline void transposePadded(const float* src, int64_t rows, int64_t cols, float* dst, int64_t ldDst) {
  for (int64_t c = 0; c < cols; c++) {
    float* d = dst + c * ldDst;
    for (int64_t r = 0; r < rows; r++) d[r] = src[r * cols + c];
    std::fill(d + rows, d + ldDst, 0.0f);
  }
}

// dst[rows x ldDst] = src[rows x cols], zero in columns cols..ldDst.
inline void copyPadded(const float* src, int64_t rows, int64_t cols, float* dst, int64_t ldDst) {
  for (int64_t r = 0; r < rows; r++) {
    std::copy(src + r * cols, src + (r + 1) * cols, dst + r * ldDst);
    std::fill(dst + r * ldDst + cols, dst + (r + 1) * ldDst, 0.0f);
  }
}

// dst[rows x cols] = src[rows x ldSrc]: the valid columns of a padded tile.
inline void copyUnpadded(const float* src, int64_t ldSrc, int64_t rows, int64_t cols, float* dst) {
  for (int64_t r = 0; r < rows; r++) std::copy(src + r * ldSrc, src + r * ldSrc + cols, dst + r * cols);
}

// x[0..nPad) *= alpha, nPad a multiple of W.
template <int W> CEFM_INLINE void scaleRow(float* x, int64_t nPad, float alpha) {
  for (int64_t j = 0; j < nPad; j += W) store<W>(x + j, load<W>(x + j) * alpha);
}

// In place over one row of scores s[0..n) (padded to a multiple of W): s = scale * s; returns max.
template <int W> CEFM_INLINE float scaleRowMax(float* s, int64_t n, float scale) {
  vf<W> mx = splat<W>(-std::numeric_limits<float>::infinity());
  int64_t j = 0;
  for (; j + W <= n; j += W) {
    vf<W> x = load<W>(s + j) * scale;
    store<W>(s + j, x);
    mx = x > mx ? x : mx;
  }
  if (j < n) {
    vf<W> x = load<W>(s + j) * scale;
    store<W>(s + j, x);
    mx = laneBelow<W>(n - j) & (x > mx) ? x : mx;
  }
  return hmax<W>(mx);
}

// In place: s = exp(s - shift) over [0, n), 0 in the padding up to a multiple of W; returns the sum.
template <int W> CEFM_INLINE float expRow(float* s, int64_t n, float shift) {
  vf<W> sum = vf<W>{};
  int64_t j = 0;
  for (; j + W <= n; j += W) {
    vf<W> e = vexp<W>(load<W>(s + j) - shift);
    store<W>(s + j, e);
    sum += e;
  }
  if (j < n) {
    vf<W> e = vexp<W>(load<W>(s + j) - shift);
    e = laneBelow<W>(n - j) ? e : vf<W>{};
    store<W>(s + j, e);
    sum += e;
  }
  return hsum<W>(sum);
}

// scores[rows x roundUp(n, W)] = q[rows x D] kT[:, j0 .. j0 + n), unscaled; kT is [D x sPad].
template <int W>
CEFM_INLINE void scoreTile(const float* q, int64_t rows, int64_t D, const float* kT, int64_t sPad, int64_t j0, int64_t n,
                           float* scores, int64_t ldScores) {
  tileGemm<W>(rows, roundUp(n, W), D, q, D, 1, kT + j0, sPad, scores, ldScores, false);
}

// One more key tile of an online softmax, row by row: scores (n valid columns) become
// exp(scale * s - m) with m the running row max; rowMax and rowSum are updated, and alpha gets the
// factor earlier tiles' sums must be rescaled by (unset for the first tile).
template <int W>
CEFM_INLINE void onlineSoftmaxTile(float* scores, int64_t ldScores, int64_t rows, int64_t n, float scale, bool first,
                                   float* rowMax, float* rowSum, float* alpha) {
  for (int64_t r = 0; r < rows; r++) {
    float* s = scores + r * ldScores;
    const float tileMax = scaleRowMax<W>(s, n, scale);
    const float m = first ? tileMax : std::max(rowMax[r], tileMax);
    const float sum = expRow<W>(s, n, m);
    if (first) {
      rowSum[r] = sum;
    } else {
      alpha[r] = std::exp(rowMax[r] - m);
      rowSum[r] = rowSum[r] * alpha[r] + sum;
    }
    rowMax[r] = m;
  }
}

}  // namespace attn
}  // namespace cefm
