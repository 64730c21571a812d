#include "conv_columns.h"

#include <algorithm>
#include <cstring>
#include <vector>

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

void im2colPackPanels(const ConvShape& s, const float* image, int64_t oh0, int64_t k0, int64_t kc, int64_t j0,
                      int64_t cols, int nr, float* dst) {
  const int64_t panels = (cols + nr - 1) / nr;
  // Per panel: its first output pixel, its width, and whether it stays in one output row (then
  // each tap reads one run of an image row).
  struct Panel {
    int64_t oh, ow, width;
    bool oneRow;
  };
  std::vector<Panel> ps(static_cast<size_t>(panels));
  for (int64_t p = 0; p < panels; p++) {
    const int64_t c0 = j0 + p * nr, width = std::min<int64_t>(nr, j0 + cols - c0), ow = c0 % s.wo;
    ps[size_t(p)] = {oh0 + c0 / s.wo, ow, width, ow + width <= s.wo};
  }
  int64_t ci = k0 / (s.kh * s.kw), i = (k0 / s.kw) % s.kh, j = k0 % s.kw;  // the tap of row k, stepped below
  for (int64_t k = 0; k < kc; k++) {
    const float* plane = image + ci * s.h * s.w;
    const int64_t offset = j * s.dw - s.pw, rowOffset = i * s.dh - s.ph;
    for (int64_t p = 0; p < panels; p++) {
      const Panel& pn = ps[size_t(p)];
      float* d = dst + p * kc * nr + k * nr;
      if (pn.oneRow) {
        const int64_t ih = pn.oh * s.sh + rowOffset;
        const int64_t iw0 = pn.ow * s.sw + offset, iw1 = (pn.ow + pn.width - 1) * s.sw + offset;
        if (ih < 0 || ih >= s.h) {
          std::memset(d, 0, sizeof(float) * size_t(nr));
          continue;
        }
        const float* row = plane + ih * s.w;
        if (s.sw == 1 && iw0 >= 0 && iw1 < s.w && pn.width == nr) {
          std::memcpy(d, row + iw0, sizeof(float) * size_t(nr));
          continue;
        }
        for (int64_t x = 0; x < pn.width; x++) {
          const int64_t iw = iw0 + x * s.sw;
          d[x] = iw >= 0 && iw < s.w ? row[iw] : 0.0f;
        }
        for (int64_t x = pn.width; x < nr; x++) d[x] = 0.0f;
        continue;
      }
      int64_t r = pn.oh, q = pn.ow;  // the panel crosses output rows: column by column
      for (int64_t x = 0; x < nr; x++) {
        float v = 0.0f;
        if (x < pn.width) {
          const int64_t ih = r * s.sh + rowOffset, iw = q * s.sw + offset;
          if (ih >= 0 && ih < s.h && iw >= 0 && iw < s.w) v = plane[ih * s.w + iw];
          if (++q == s.wo) {
            q = 0;
            r++;
          }
        }
        d[x] = v;
      }
    }
    if (++j == s.kw) {
      j = 0;
      if (++i == s.kh) {
        i = 0;
        ci++;
      }
    }
  }
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
