#include "resize.h"

#include <algorithm>
#include <cmath>
#include <vector>

// Bit-identical to the JS needs plain multiplies and adds: no fused multiply-add.
#if defined(__clang__)
#pragma clang fp contract(off)
#define CEFM_NO_FMA
#elif defined(__GNUC__)
#define CEFM_NO_FMA __attribute__((optimize("fp-contract=off")))
#else
#define CEFM_NO_FMA
#endif

namespace cefm {

namespace {

// One axis's taps, as filterTaps in image.ts computes them.
struct Taps {
  std::vector<int64_t> start, count;
  std::vector<double> weights;
  int64_t maxTaps;
};

CEFM_NO_FMA Taps filterTaps(int64_t inSize, int64_t outSize) {
  const double scale = double(inSize) / double(outSize);
  const double filterScale = std::max(scale, 1.0);
  const double support = filterScale;
  Taps t;
  t.maxTaps = int64_t(std::ceil(support)) * 2 + 1;
  t.start.resize(size_t(outSize));
  t.count.resize(size_t(outSize));
  t.weights.assign(size_t(outSize * t.maxTaps), 0.0);
  for (int64_t i = 0; i < outSize; i++) {
    const double center = (double(i) + 0.5) * scale;
    const int64_t lo = std::max<int64_t>(int64_t(std::trunc(center - support + 0.5)), 0);
    const int64_t hi = std::min<int64_t>(int64_t(std::trunc(center + support + 0.5)), inSize);
    double* w = t.weights.data() + i * t.maxTaps;
    double total = 0;
    for (int64_t x = lo; x < hi; x++) {
      w[x - lo] = std::max(0.0, 1.0 - std::fabs((double(x) - center + 0.5) / filterScale));
      total += w[x - lo];
    }
    for (int64_t k = 0; k < hi - lo; k++) w[k] /= total;
    t.start[size_t(i)] = lo;
    t.count[size_t(i)] = hi - lo;
  }
  return t;
}

// Math.round for a value in (0, 255): halves round up.
inline uint8_t clampByte(double v) {
  if (v <= 0) return 0;
  if (v >= 255) return 255;
  double r = std::floor(v);
  if (v - r >= 0.5) r += 1;
  return uint8_t(r);
}

}  // namespace

CEFM_NO_FMA void resizeRgbTriangle(const uint8_t* src, int64_t srcWidth, const ResizeRect& rect, int64_t outWidth,
                                   int64_t outHeight, uint8_t* out) {
  const Taps h = filterTaps(rect.width, outWidth), v = filterTaps(rect.height, outHeight);
  // Pass 1: horizontal over the crop's rows, summed in double and kept in float (as image.ts).
  std::vector<float> mid(static_cast<size_t>(rect.height * outWidth * 3));
  for (int64_t y = 0; y < rect.height; y++) {
    const uint8_t* row = src + ((rect.y + y) * srcWidth + rect.x) * 3;
    float* o = mid.data() + y * outWidth * 3;
    for (int64_t x = 0; x < outWidth; x++, o += 3) {
      const double* w = h.weights.data() + x * h.maxTaps;
      const uint8_t* at = row + h.start[size_t(x)] * 3;
      double r = 0, g = 0, b = 0;
      for (int64_t k = 0; k < h.count[size_t(x)]; k++, at += 3) {
        r += w[k] * at[0];
        g += w[k] * at[1];
        b += w[k] * at[2];
      }
      o[0] = float(r);
      o[1] = float(g);
      o[2] = float(b);
    }
  }
  // Pass 2: vertical, whole rows at a time, in double.
  const int64_t rowLen = outWidth * 3;
  std::vector<double> acc(static_cast<size_t>(rowLen));
  for (int64_t y = 0; y < outHeight; y++) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t k = 0; k < v.count[size_t(y)]; k++) {
      const double w = v.weights[size_t(y * v.maxTaps + k)];
      const float* row = mid.data() + (v.start[size_t(y)] + k) * rowLen;
      for (int64_t i = 0; i < rowLen; i++) acc[size_t(i)] += w * double(row[i]);
    }
    uint8_t* o = out + y * rowLen;
    for (int64_t i = 0; i < rowLen; i++) o[i] = clampByte(acc[size_t(i)]);
  }
}

}  // namespace cefm
