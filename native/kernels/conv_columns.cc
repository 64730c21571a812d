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

// Calls rowFn(dst offset, channel, input row, ValidRange, input column offset) per (tap, output
// row); tap rows of the destination are `ld` apart (0: the band's width).
template <typename RowFn>
void forEachBandRow(const ConvShape& s, int64_t oh0, int64_t oh1, int64_t ld, RowFn rowFn) {
  const int64_t cols = ld ? ld : (oh1 - oh0) * s.wo;
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

void im2colBand(const ConvShape& s, const float* image, int64_t oh0, int64_t oh1, float* cols, int64_t ld) {
  forEachBandRow(s, oh0, oh1, ld, [&](int64_t dstOffset, int64_t ci, int64_t ih, ValidRange r, int64_t offset) {
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

namespace {

// A run of one panel's columns that lies in one output row: panel columns [x, x + width) are
// output pixels (oh, ow ... ow + width - 1).
struct PanelRun {
  int64_t oh, ow;
  int x, width;
};

// dst[x, x + width) = the image row's pixels iw0, iw0 + sw, ... (zero outside [0, w)). NR is the
// panel width when known at compile time (then a full, in-bounds run is a fixed-size copy the
// compiler turns into vector moves; a libc memcpy call per 16 floats cost more than the GEMM's
// arithmetic for narrow convolutions), else 0.
template <int NR>
inline void copyRun(const float* row, int64_t iw0, int64_t sw, int64_t w, int x, int width, float* d) {
  if (NR > 0 && x == 0 && width == NR && sw == 1 && iw0 >= 0 && iw0 + NR <= w) {
    std::memcpy(d, row + iw0, sizeof(float) * size_t(NR));  // constant size: inlined vector moves
    return;
  }
  // Columns whose input pixel is inside the row: [lo, hi) of the run.
  int64_t lo = 0, hi = width;
  if (sw == 1) {
    lo = std::min<int64_t>(width, std::max<int64_t>(0, -iw0));
    hi = std::max(lo, std::min<int64_t>(width, w - iw0));
  } else {
    if (iw0 < 0) lo = std::min<int64_t>(width, (-iw0 + sw - 1) / sw);
    if (iw0 + (hi - 1) * sw >= w) hi = std::max<int64_t>(lo, iw0 >= w ? 0 : (w - 1 - iw0) / sw + 1);
  }
  float* o = d + x;
  for (int64_t t = 0; t < lo; t++) o[t] = 0.0f;
  if (sw == 1) {
    const float* src = row + iw0;
    for (int64_t t = lo; t < hi; t++) o[t] = src[t];
  } else {
    for (int64_t t = lo; t < hi; t++) o[t] = row[iw0 + t * sw];
  }
  for (int64_t t = hi; t < width; t++) o[t] = 0.0f;
}

template <int NR>
void packPanelsImpl(const ConvShape& s, const float* image, int64_t oh0, int64_t k0, int64_t kc, int64_t j0,
                    int64_t cols, int nr, float* dst) {
  const int64_t panels = (cols + nr - 1) / nr;
  // Each panel as runs within output rows (one run unless it wraps to the next row); runsOf[p]
  // is the first run of panel p.
  std::vector<PanelRun> runs;
  std::vector<size_t> runsOf(size_t(panels) + 1);
  for (int64_t p = 0; p < panels; p++) {
    runsOf[size_t(p)] = runs.size();
    const int64_t c0 = j0 + p * nr, width = std::min<int64_t>(nr, j0 + cols - c0);
    for (int64_t x = 0; x < width;) {
      const int64_t c = c0 + x, ow = c % s.wo, run = std::min(width - x, s.wo - ow);
      runs.push_back({oh0 + c / s.wo, ow, int(x), int(run)});
      x += run;
    }
  }
  runsOf[size_t(panels)] = runs.size();
  int64_t ci = k0 / (s.kh * s.kw), i = (k0 / s.kw) % s.kh, j = k0 % s.kw;  // the tap of row k, stepped below
  for (int64_t k = 0; k < kc; k++) {
    const float* plane = image + ci * s.h * s.w;
    const int64_t offset = j * s.dw - s.pw, rowOffset = i * s.dh - s.ph;
    for (int64_t p = 0; p < panels; p++) {
      float* d = dst + p * kc * nr + k * nr;
      int filled = 0;
      for (size_t r = runsOf[size_t(p)]; r < runsOf[size_t(p) + 1]; r++) {
        const PanelRun& pr = runs[r];
        const int64_t ih = pr.oh * s.sh + rowOffset;
        if (ih < 0 || ih >= s.h) {
          for (int t = 0; t < pr.width; t++) d[pr.x + t] = 0.0f;
        } else {
          copyRun<NR>(plane + ih * s.w, pr.ow * s.sw + offset, s.sw, s.w, pr.x, pr.width, d);
        }
        filled = pr.x + pr.width;
      }
      for (int t = filled; t < nr; t++) d[t] = 0.0f;  // the last panel's padding
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

}  // namespace

void im2colPackPanels(const ConvShape& s, const float* image, int64_t oh0, int64_t k0, int64_t kc, int64_t j0,
                      int64_t cols, int nr, float* dst) {
  // The micro-kernels' panel widths (gemm_*.cc) get a fixed-size copy.
  if (nr == 16) return packPanelsImpl<16>(s, image, oh0, k0, kc, j0, cols, nr, dst);
  if (nr == 32) return packPanelsImpl<32>(s, image, oh0, k0, kc, j0, cols, nr, dst);
  if (nr == 8) return packPanelsImpl<8>(s, image, oh0, k0, kc, j0, cols, nr, dst);
  packPanelsImpl<0>(s, image, oh0, k0, kc, j0, cols, nr, dst);
}

void col2imBandAdd(const ConvShape& s, const float* cols, int64_t oh0, int64_t oh1, float* image) {
  forEachBandRow(s, oh0, oh1, 0, [&](int64_t srcOffset, int64_t ci, int64_t ih, ValidRange r, int64_t offset) {
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
