// C: colour variability (sigma of H, S, V) and the six dermoscopic colours.
#include <algorithm>
#include <cmath>

#include "abc_params.h"
#include "color_space.h"
#include "criteria.h"

namespace cefm {
namespace abc {

const char* const kColourNames[kColourCount] = {"white", "red", "light_brown", "dark_brown", "blue_gray", "black"};

namespace {

// Reference colours (8-bit sRGB) of the six dermoscopic colours, from Kasmi & Mokrani, "Classification
// of malignant melanoma and benign skin lesions: implementation of automatic ABCD rule", IET Image
// Processing 10(6), 2016, doi:10.1049/iet-ipr.2015.0385. Compared in CIELAB here.
constexpr uint8_t kReferenceRgb[kColourCount][3] = {
    {197, 188, 217},  // white
    {118, 21, 17},    // red
    {163, 82, 16},    // light brown
    {135, 44, 5},     // dark brown
    {113, 108, 139},  // blue-gray
    {41, 31, 30},     // black
};

// Assigns linear-RGB colours to the nearest reference colour in CIELAB (Euclidean, CIE76). A whole
// row at a time in plain float arithmetic without branches, which the compiler vectorises.
class NearestReference {
 public:
  NearestReference() {
    const auto& lin = srgbToLinearTable();
    for (int c = 0; c < kColourCount; c++) {
      const Lab lab = linearRgbToLab(lin[kReferenceRgb[c][0]], lin[kReferenceRgb[c][1]], lin[kReferenceRgb[c][2]]);
      L_[c] = lab.L, a_[c] = lab.a, b_[c] = lab.b;
    }
  }
  void classifyRow(const float* __restrict r, const float* __restrict g, const float* __restrict b, uint8_t* __restrict out, int n) const {
    for (int i = 0; i < n; i++) {
      const Lab lab = linearRgbToLab(r[i], g[i], b[i]);
      float bestD = 3.4e38f, best = 0.f;
#pragma GCC unroll 6
      for (int c = 0; c < kColourCount; c++) {
        const float dL = lab.L - L_[c], da = lab.a - a_[c], db = lab.b - b_[c];
        const float d = dL * dL + da * da + db * db;
        const bool closer = d < bestD;  // strict: the first of equals wins
        best = selectFloat(closer, float(c), best);
        bestD = selectFloat(closer, d, bestD);
      }
      out[i] = uint8_t(best);
    }
  }

 private:
  float L_[kColourCount], a_[kColourCount], b_[kColourCount];
};

// Standard deviation of hue angles (degrees) as the circular standard deviation sqrt(-2 ln R),
// R = length of the mean unit vector, on the 0..255 scale (a full turn = 255). It equals the plain
// standard deviation for tight hue clusters and is unaffected by the 360 -> 0 wrap of reds.
double circularStdOn255(double sumCos, double sumSin, double n) {
  double r = std::min(std::hypot(sumCos, sumSin) / n, 1.0);
  return std::sqrt(std::max(0.0, -2.0 * std::log(std::max(r, 1e-300)))) * 255.0 / (2 * kPi);
}

void measureHsvSpread(const Lesion& lesion, AbcFeatures& out) {
  const int w = lesion.width();
  const Box& b = lesion.bbox;
  // One pass; S and V are summed relative to the first lesion pixel's values, which keeps the
  // variance free of cancellation and exactly zero for a uniform colour.
  bool first = true;
  double n = 0, sumCos = 0, sumSin = 0, refS = 0, refV = 0, sumS = 0, sumV = 0, sumSS = 0, sumVV = 0;
  for (int y = b.y0; y <= b.y1; y++) {
    for (int x = b.x0; x <= b.x1; x++) {
      if (!lesion.mask[size_t(y) * w + x]) continue;
      const uint8_t* px = lesion.image.data + 3 * (size_t(y) * w + x);
      const Hsv hsv = rgbToHsv(px);
      if (first) refS = hsv.s, refV = hsv.v, first = false;
      double c, s;
      hueCosSin(px, c, s);
      const double ds = hsv.s - refS, dv = hsv.v - refV;
      n += 1, sumCos += c, sumSin += s, sumS += ds, sumV += dv, sumSS += ds * ds, sumVV += dv * dv;
    }
  }
  out.sigmaH = circularStdOn255(sumCos, sumSin, n);
  out.sigmaS = std::sqrt(std::max(0.0, sumSS / n - (sumS / n) * (sumS / n)));
  out.sigmaV = std::sqrt(std::max(0.0, sumVV / n - (sumV / n) * (sumV / n)));
}

}  // namespace

std::vector<uint8_t> measureColour(const Lesion& lesion, AbcFeatures& out) {
  measureHsvSpread(lesion, out);

  const int w = lesion.width(), h = lesion.height();
  const Box& b = lesion.bbox;
  const auto& lin = srgbToLinearTable();
  // Colour constancy: von Kries scaling in linear light that moves this image's shades-of-grey
  // illuminant onto the canonical dermoscopy illuminant the reference colours are read under.
  const std::array<double, 3> illum = shadesOfGrey(lesion.image, kShadesOfGreyOrder);
  double gain[3];
  for (int c = 0; c < 3; c++) gain[c] = illum[c] > 0 ? kCanonicalIlluminant[c] / illum[c] : 1.0;

  // 3x3 mean of the linear RGB of lesion pixels only (background never bleeds into the border
  // ring), so JPEG noise does not flip single pixels between neighbouring classes. Each row's
  // horizontal 3-sums of R, G, B and of the lesion-pixel count (4 planes of bw values) go to a
  // ring of three rows; the vertical sum of the ring gives the 3x3 sums.
  const int bw = b.width();
  const size_t plane = size_t(bw), rowLen = 4 * plane;
  std::vector<float> ring(3 * rowLen), masked(4 * (plane + 2));
  auto horizontalSums = [&](int y, float* dst) {
    std::fill(masked.begin(), masked.end(), 0.f);
    if (y >= 0 && y < h) {
      for (int i = 0; i < bw + 2; i++) {
        const int x = b.x0 - 1 + i;
        if (x < 0 || x >= w || !lesion.mask[size_t(y) * w + x]) continue;
        const uint8_t* px = lesion.image.data + 3 * (size_t(y) * w + x);
        for (int c = 0; c < 3; c++) masked[c * (plane + 2) + i] = lin[px[c]];
        masked[3 * (plane + 2) + i] = 1.f;
      }
    }
    for (int c = 0; c < 4; c++) {
      const float* m = &masked[c * (plane + 2)];
      for (size_t j = 0; j < plane; j++) dst[c * plane + j] = m[j] + m[j + 1] + m[j + 2];
    }
  };
  horizontalSums(b.y0 - 1, &ring[0]);
  horizontalSums(b.y0, &ring[rowLen]);

  const NearestReference nearest;
  const float gains[3] = {float(gain[0]), float(gain[1]), float(gain[2])};
  std::vector<float> rgb(3 * plane);
  std::vector<uint8_t> rowClass(plane);
  std::vector<uint8_t> classes(size_t(w) * h, uint8_t(kColourCount));
  std::array<int64_t, kColourCount> counts{};
  int64_t n = 0;
  for (int y = b.y0; y <= b.y1; y++) {
    const int k = y - b.y0;  // rows y-1, y, y+1 sit in ring slots k, k+1, k+2 (mod 3)
    horizontalSums(y + 1, &ring[size_t((k + 2) % 3) * rowLen]);
    const float *r0 = &ring[size_t(k % 3) * rowLen], *r1 = &ring[size_t((k + 1) % 3) * rowLen], *r2 = &ring[size_t((k + 2) % 3) * rowLen];
    // Mean colour, gain-corrected and clipped, for the whole row (pixels with no lesion around
    // them get a harmless 0 and are skipped below).
    for (int c = 0; c < 3; c++) {
      const size_t o = c * plane, cnt = 3 * plane;
      for (size_t i = 0; i < plane; i++) {
        const float weight = r0[cnt + i] + r1[cnt + i] + r2[cnt + i];
        const float mean = gains[c] * (r0[o + i] + r1[o + i] + r2[o + i]) / selectFloat(weight > 0.f, weight, 1.f);
        rgb[o + i] = selectFloat(mean < 1.f, mean, 1.f);
      }
    }
    nearest.classifyRow(&rgb[0], &rgb[plane], &rgb[2 * plane], rowClass.data(), bw);
    const uint8_t* in = &lesion.mask[size_t(y) * w + b.x0];
    uint8_t* dst = &classes[size_t(y) * w + b.x0];
    for (int i = 0; i < bw; i++) {
      if (!in[i]) continue;
      dst[i] = rowClass[i];
      counts[rowClass[i]]++;
      n++;
    }
  }
  out.colourCount = 0;
  for (int c = 0; c < kColourCount; c++) {
    out.colourFractions[c] = double(counts[c]) / double(n);
    out.colours[c] = out.colourFractions[c] >= kColourPresentFraction;
    out.colourCount += out.colours[c];
  }
  return classes;
}

}  // namespace abc
}  // namespace cefm
