// The three criteria of the ABC measurement, each in its own file, over one prepared lesion.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "abc.h"
#include "mask_ops.h"

namespace cefm {
namespace abc {

// What every criterion reads: the image, the cleaned lesion mask and its geometry.
struct Lesion {
  RgbView image;
  std::vector<uint8_t> mask;  // 0/1, full image
  Box bbox;
  Moments moments;
  std::vector<float> grey;       // BT.601 grey levels, full image
  std::vector<Point> rawContour; // pixel-edge boundary, one vertex per px
  std::vector<Point> contour;    // rawContour smoothed (abc_params.h, kContourSigma*)

  int width() const { return image.width; }
  int height() const { return image.height; }
  bool inside(int x, int y) const { return x >= 0 && y >= 0 && x < image.width && y < image.height && mask[size_t(y) * image.width + x]; }
  Point minor() const { return {-moments.major.y, moments.major.x}; }
  // Radius of the disc with the lesion's area: the scale of the lesion for scale-relative settings.
  double equivalentRadius() const { return std::sqrt(double(moments.area) / kPi); }
};

// C: sigma H/S/V, the colour-class fractions and presence; returns the class of every pixel
// (kSkinLike for skin-coloured lesion pixels, kOutsideLesion outside).
std::vector<uint8_t> measureColour(const Lesion& lesion, AbcFeatures& out);

// A: CEFM's mirror difference and the per-axis shape and colour non-overlap (needs the class map).
void measureAsymmetry(const Lesion& lesion, const std::vector<uint8_t>& colourClass, AbcFeatures& out);

// B: curvature, compactness, fractal dimension, abrupt sectors.
void measureBorder(const Lesion& lesion, AbcFeatures& out, std::array<bool, 8>& abruptSectors);

}  // namespace abc
}  // namespace cefm
