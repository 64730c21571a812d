// Colour conversions and image sampling used by the ABC measurement.
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "abc.h"

namespace cefm {
namespace abc {

// Grey level 0..255 (ITU-R BT.601 luma weights, as OpenCV and PIL convert RGB to grey).
inline float greyLevel(const uint8_t* rgb) { return 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]; }

std::vector<float> greyImage(const RgbView& image);

// Bilinear sample of a single-channel float image at pixel-centre coordinates, clamped to the edge.
// Inline: it runs once per lesion pixel.
inline float sampleBilinear(const std::vector<float>& img, int width, int height, double x, double y) {
  x = x < 0 ? 0 : (x > width - 1 ? width - 1 : x);
  y = y < 0 ? 0 : (y > height - 1 ? height - 1 : y);
  const int x0 = int(x), y0 = int(y);
  const int x1 = x0 + 1 < width ? x0 + 1 : x0, y1 = y0 + 1 < height ? y0 + 1 : y0;
  const float fx = float(x - x0), fy = float(y - y0);
  const float* r0 = &img[size_t(y0) * width];
  const float* r1 = &img[size_t(y1) * width];
  const float top = r0[x0] + fx * (r0[x1] - r0[x0]);
  const float bottom = r1[x0] + fx * (r1[x1] - r1[x0]);
  return top + fy * (bottom - top);
}

// HSV with H in degrees [0, 360) (0 for greys), S and V on the 0..255 scale.
struct Hsv {
  float h, s, v;
};
Hsv rgbToHsv(const uint8_t* rgb);

// cos and sin of the hue of an 8-bit RGB colour (hue 0 for greys), from a table: hue is
// base + 60 * n / d degrees for integers 0 <= |n| <= d <= 255, so cos/sin of 60 n / d are tabulated.
void hueCosSin(const uint8_t* rgb, double& c, double& s);

// sRGB (8-bit) to linear light in [0, 1].
const std::array<float, 256>& srgbToLinearTable();

// CIELAB (D65 white) of a linear-light sRGB colour with channels in [0, 1].
struct Lab {
  float L, a, b;
};

// c ? a : b through integer bit masks. The compiler may not turn a float ?: into a vector blend when
// an arm holds arithmetic that could trap (default -ftrapping-math), and a loop with such branches
// does not vectorise; integer masking cannot trap, so loops built from it do.
inline float selectFloat(bool c, float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  const int32_t m = -int32_t(c);
  const int32_t r = (ia & m) | (ib & ~m);
  float out;
  std::memcpy(&out, &r, 4);
  return out;
}

// Cube root of t in [0, 1] without a library call or branch, so loops over pixels vectorise: a
// first guess from the float's bits (exponent / 3), then two Halley steps (relative error < 1e-6
// above 1e-6; t = 0 gives a tiny positive number, harmless where it is used).
inline float cubeRoot(float t) {
  int32_t bits;
  std::memcpy(&bits, &t, 4);
  bits = int32_t(float(bits) * (1.f / 3.f)) + 709921077;  // Kahan's constant, about (127 - 127 / 3) << 23
  float x;
  std::memcpy(&x, &bits, 4);
  float x3 = x * x * x;
  x *= (x3 + 2.f * t) / (2.f * x3 + t);
  x3 = x * x * x;
  x *= (x3 + 2.f * t) / (2.f * x3 + t);
  return x;
}

// CIELAB's f(t): a cube root above (6/29)^3, linear below.
inline float labF(float t) {
  constexpr float kLinearBelow = 216.f / 24389.f;  // (6/29)^3
  t = selectFloat(t > 0.f, t, 0.f);
  return selectFloat(t > kLinearBelow, cubeRoot(t), t * (841.f / 108.f) + 4.f / 29.f);
}

inline Lab linearRgbToLab(float r, float g, float b) {
  // sRGB primaries, D65 white (IEC 61966-2-1); X and Z divided by the white point.
  const float x = (0.4124564f * r + 0.3575761f * g + 0.1804375f * b) * (1.f / 0.95047f);
  const float y = 0.2126729f * r + 0.7151522f * g + 0.0721750f * b;
  const float z = (0.0193339f * r + 0.1191920f * g + 0.9503041f * b) * (1.f / 1.08883f);
  const float fx = labF(x), fy = labF(y), fz = labF(z);
  return {116.f * fy - 16.f, 500.f * (fx - fy), 200.f * (fy - fz)};
}

}  // namespace abc
}  // namespace cefm
