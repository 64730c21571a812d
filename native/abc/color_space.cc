#include "color_space.h"

#include <algorithm>
#include <cmath>

namespace cefm {
namespace abc {

std::vector<float> greyImage(const RgbView& image) {
  const size_t n = size_t(image.width) * image.height;
  std::vector<float> grey(n);
  for (size_t i = 0; i < n; i++) grey[i] = greyLevel(image.data + 3 * i);
  return grey;
}

Hsv rgbToHsv(const uint8_t* rgb) {
  const int r = rgb[0], g = rgb[1], b = rgb[2];
  const int mx = std::max({r, g, b}), mn = std::min({r, g, b}), range = mx - mn;
  Hsv out;
  out.v = float(mx);
  out.s = mx == 0 ? 0.f : 255.f * float(range) / float(mx);
  if (range == 0) {
    out.h = 0.f;
  } else {
    float h;
    if (mx == r) h = 60.f * float(g - b) / float(range);
    else if (mx == g) h = 120.f + 60.f * float(b - r) / float(range);
    else h = 240.f + 60.f * float(r - g) / float(range);
    out.h = h < 0 ? h + 360.f : h;
  }
  return out;
}

void hueCosSin(const uint8_t* rgb, double& c, double& s) {
  struct CosSin {
    double c, s;
  };
  static const std::vector<CosSin> table = [] {
    std::vector<CosSin> t(256 * 256);
    for (int d = 1; d < 256; d++) {
      for (int n = 0; n <= d; n++) t[d * 256 + n] = {std::cos(kPi / 3 * n / d), std::sin(kPi / 3 * n / d)};
    }
    return t;
  }();
  // Base angles 0, 120, 240 degrees: red, green, blue the largest channel (same order as rgbToHsv).
  static const CosSin kBase[3] = {{1.0, 0.0}, {-0.5, std::sqrt(3.0) / 2}, {-0.5, -std::sqrt(3.0) / 2}};
  const int r = rgb[0], g = rgb[1], b = rgb[2];
  const int mx = std::max({r, g, b}), range = mx - std::min({r, g, b});
  if (range == 0) {
    c = 1.0, s = 0.0;
    return;
  }
  int k, n;
  if (mx == r) k = 0, n = g - b;
  else if (mx == g) k = 1, n = b - r;
  else k = 2, n = r - g;
  const CosSin& phi = table[range * 256 + std::abs(n)];
  const double sinPhi = n < 0 ? -phi.s : phi.s;
  c = kBase[k].c * phi.c - kBase[k].s * sinPhi;
  s = kBase[k].s * phi.c + kBase[k].c * sinPhi;
}

const std::array<float, 256>& srgbToLinearTable() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (int i = 0; i < 256; i++) {
      double c = i / 255.0;
      t[i] = float(c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4));
    }
    return t;
  }();
  return table;
}

}  // namespace abc
}  // namespace cefm
