#include "conv_columns.h"

#include <algorithm>
#include <cstring>

namespace cefm {

namespace {

// The output columns [lo, hi) whose input column ow*sw - pw + offset falls inside [0, w).
struct ValidRange {
  int64_t lo, hi;
};

ValidRange validColumns(const ConvShape& s, int64_t offset) {
  int64_t first = -offset;             // smallest ow*sw allowed
  int64_t last = s.w - 1 - offset;     // largest ow*sw allowed
  int64_t lo = first <= 0 ? 0 : (first + s.sw - 1) / s.sw;
  int64_t hi = last < 0 ? 0 : std::min(s.wo, last / s.sw + 1);
  return {lo, std::max(lo, hi)};
}

// Calls rowFn(tapRow, dst offset, input row, ValidRange, input column offset) per (tap, output row).
template <typename RowFn>
void forEachBandRow(const ConvShape& s, int64_t oh0, int64_t oh1, RowFn rowFn) {
  const int64_t cols = (oh1 - oh0) * s.wo;
  for (int64_t ci = 0; ci < s.cg; ci++)
    for (int64_t i = 0; i < s.kh; i++)
      for (int64_t j = 0; j < s.kw; j++) {
        const int64_t tap = (ci * s.kh + i) * s.kw + j;
        const int64_t offset = j * s.dw - s.pw;
        const ValidRange r = validColumns(s, offset);
        for (int64_t oh = oh0; oh < oh1; oh++) {
          const int64_t ih = oh * s.sh - s.ph + i * s.dh;
          rowFn(tap * cols + (oh - oh0) * s.wo, ci, ih, r, offset);
        }
      }
}

}  // namespace

void im2colBand(const ConvShape& s, const float* image, int64_t oh0, int64_t oh1, float* cols) {
  forEachBandRow(s, oh0, oh1, [&](int64_t dstOffset, int64_t ci, int64_t ih, ValidRange r, int64_t offset) {
    float* dst = cols + dstOffset;
    if (ih < 0 || ih >= s.h) {
      std::memset(dst, 0, sizeof(float) * size_t(s.wo));
      return;
    }
    if (r.hi == r.lo) {
      std::memset(dst, 0, sizeof(float) * size_t(s.wo));
      return;
    }
    // src[k] is the input column of output column r.lo + k
    const float* src = image + (ci * s.h + ih) * s.w + r.lo * s.sw + offset;
    std::memset(dst, 0, sizeof(float) * size_t(r.lo));
    if (s.sw == 1) {
      std::memcpy(dst + r.lo, src, sizeof(float) * size_t(r.hi - r.lo));
    } else {
      for (int64_t k = 0; k < r.hi - r.lo; k++) dst[r.lo + k] = src[k * s.sw];
    }
    std::memset(dst + r.hi, 0, sizeof(float) * size_t(s.wo - r.hi));
  });
}

void col2imBandAdd(const ConvShape& s, const float* cols, int64_t oh0, int64_t oh1, float* image) {
  forEachBandRow(s, oh0, oh1, [&](int64_t srcOffset, int64_t ci, int64_t ih, ValidRange r, int64_t offset) {
    if (ih < 0 || ih >= s.h || r.hi == r.lo) return;
    const float* src = cols + srcOffset + r.lo;
    float* dst = image + (ci * s.h + ih) * s.w + r.lo * s.sw + offset;
    if (s.sw == 1) {
      for (int64_t k = 0; k < r.hi - r.lo; k++) dst[k] += src[k];
    } else {
      for (int64_t k = 0; k < r.hi - r.lo; k++) dst[k * s.sw] += src[k];
    }
  });
}

}  // namespace cefm
