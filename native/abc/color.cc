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

constexpr int kReferenceCount = kColourCount + 1;  // the six colours and the skin

// Assigns linear-RGB colours to the nearest reference colour in CIELAB (Euclidean, CIE76), the
// references placed relative to this patient's skin where abc_params.h says so. A whole row at a
// time in plain float arithmetic without branches, which the compiler vectorises.
class NearestReference {
 public:
  explicit NearestReference(const std::array<double, 3>& skin) {
    for (int c = 0; c < kReferenceCount; c++) {
      const ReferenceColour& r = kReferenceColours[c];
      L_[c] = float(r.L + (r.relativeL ? skin[0] : 0.0));
      a_[c] = float(r.a + (r.relativeA ? skin[1] : 0.0));
      b_[c] = float(r.b + (r.relativeB ? skin[2] : 0.0));
    }
  }
  void classifyRow(const float* __restrict r, const float* __restrict g, const float* __restrict b, uint8_t* __restrict out, int n) const {
    for (int i = 0; i < n; i++) {
      const Lab lab = linearRgbToLab(r[i], g[i], b[i]);
      float bestD = 3.4e38f, best = 0.f;
#pragma GCC unroll 7
      for (int c = 0; c < kReferenceCount; c++) {
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
  float L_[kReferenceCount], a_[kReferenceCount], b_[kReferenceCount];
};

// BT.601 grey level of an 8-bit pixel, rounded, in integers (exact, for the skin's darkness cut).
inline int greyByte(const uint8_t* px) { return (299 * px[0] + 587 * px[1] + 114 * px[2] + 500) / 1000; }

// Colour constancy from the skin around the lesion: the shades-of-grey illuminant of the skin pixels
// (abc_params.h: kSkinReach, kSkinDarkFraction), the von Kries gains that move it onto the canonical
// illuminant, and the skin's corrected CIELAB colour. Falls back to the whole image when the
// lesion leaves too little skin.
struct SkinReference {
  std::array<double, 3> illuminant{}, gain{}, lab{};
  int64_t pixels = 0;
};

SkinReference estimateSkin(const Lesion& lesion) {
  const int w = lesion.width(), h = lesion.height();
  const Box& b = lesion.bbox;
  const int reach = int(std::ceil(kSkinReach * lesion.equivalentRadius()));
  const int x0 = std::max(0, b.x0 - reach), x1 = std::min(w - 1, b.x1 + reach);
  const int y0 = std::max(0, b.y0 - reach), y1 = std::min(h - 1, b.y1 + reach);
  std::array<int64_t, 256> histogram{};
  int64_t n = 0;
  for (int y = y0; y <= y1; y++) {
    for (int x = x0; x <= x1; x++) {
      if (lesion.mask[size_t(y) * w + x]) continue;
      histogram[greyByte(lesion.image.data + 3 * (size_t(y) * w + x))]++;
      n++;
    }
  }
  SkinReference skin;
  const auto& lin = srgbToLinearTable();
  const double p = kShadesOfGreyOrder;
  std::array<double, 256> powered;
  for (int i = 0; i < 256; i++) powered[i] = std::pow(double(lin[i]), p);
  std::array<double, 3> sumPow{0, 0, 0}, sumLin{0, 0, 0};
  if (n >= kMinSkinPixels) {
    // Drop the darkest fraction: keep grey >= the grey at rank floor(fraction * n) (0-based, ascending).
    const int64_t rank = int64_t(std::floor(kSkinDarkFraction * double(n)));
    int cut = 0;
    for (int64_t below = 0; cut < 255 && below + histogram[cut] <= rank; cut++) below += histogram[cut];
    for (int y = y0; y <= y1; y++) {
      for (int x = x0; x <= x1; x++) {
        const uint8_t* px = lesion.image.data + 3 * (size_t(y) * w + x);
        if (lesion.mask[size_t(y) * w + x] || greyByte(px) < cut) continue;
        for (int c = 0; c < 3; c++) sumPow[c] += powered[px[c]], sumLin[c] += lin[px[c]];
        skin.pixels++;
      }
    }
  } else {
    for (size_t i = 0; i < size_t(w) * h; i++) {
      const uint8_t* px = lesion.image.data + 3 * i;
      for (int c = 0; c < 3; c++) sumPow[c] += powered[px[c]], sumLin[c] += lin[px[c]];
    }
  }
  const double count = skin.pixels ? double(skin.pixels) : double(size_t(w) * h);
  double mean[3];
  for (int c = 0; c < 3; c++) {
    skin.illuminant[c] = std::pow(sumPow[c] / count, 1.0 / p);
    skin.gain[c] = skin.illuminant[c] > 0 ? kCanonicalIlluminant[c] / skin.illuminant[c] : 1.0;
    mean[c] = std::min(1.0, skin.gain[c] * sumLin[c] / count);
  }
  const Lab lab = linearRgbToLab(float(mean[0]), float(mean[1]), float(mean[2]));
  skin.lab = {lab.L, lab.a, lab.b};
  return skin;
}

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
  const SkinReference skin = estimateSkin(lesion);
  out.illuminant = skin.illuminant;
  out.skinLab = skin.lab;
  out.skinPixels = skin.pixels;

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

  const NearestReference nearest(skin.lab);
  const float gains[3] = {float(skin.gain[0]), float(skin.gain[1]), float(skin.gain[2])};
  std::vector<float> rgb(3 * plane);
  std::vector<uint8_t> rowClass(plane);
  std::vector<uint8_t> classes(size_t(w) * h, kOutsideLesion);
  std::array<int64_t, kReferenceCount> counts{};
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
    out.colours[c] = out.colourFractions[c] >= kColourPresentFractions[c];
    out.colourCount += out.colours[c];
  }
  out.skinLikeFraction = double(counts[kSkinLike]) / double(n);
  return classes;
}

}  // namespace abc
}  // namespace cefm
