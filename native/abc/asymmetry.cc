// A: asymmetry about the principal axes through the centroid.
#include <cmath>

#include "abc_params.h"
#include "color_space.h"
#include "criteria.h"

namespace cefm {
namespace abc {

void measureAsymmetry(const Lesion& lesion, const std::vector<uint8_t>& colourClass, AbcFeatures& out) {
  const int w = lesion.width(), h = lesion.height();
  const Box& b = lesion.bbox;
  const Point c = lesion.moments.centroid, major = lesion.moments.major, minor = lesion.minor();
  // Mirroring about the major axis flips the minor coordinate, and vice versa: p' = p - 2 (d . n) n
  // with n the normal of the mirror line (the other axis).
  const Point normal[2] = {minor, major};

  // Mirrored coordinates are affine in x along a row: start values per row, fixed steps per pixel.
  double stepX[2], stepY[2];
  for (int k = 0; k < 2; k++) stepX[k] = 1 - 2 * normal[k].x * normal[k].x, stepY[k] = -2 * normal[k].x * normal[k].y;

  double greyDiff = 0;
  int64_t area = 0, shapeMiss[2] = {0, 0}, pairs[2] = {0, 0}, colourMiss[2] = {0, 0};
  for (int y = b.y0; y <= b.y1; y++) {
    double mx[2], my[2];
    for (int k = 0; k < 2; k++) {
      const double t = 2 * ((b.x0 - c.x) * normal[k].x + (y - c.y) * normal[k].y);
      mx[k] = b.x0 - t * normal[k].x, my[k] = y - t * normal[k].y;
    }
    for (int x = b.x0; x <= b.x1; x++, mx[0] += stepX[0], my[0] += stepY[0], mx[1] += stepX[1], my[1] += stepY[1]) {
      const size_t p = size_t(y) * w + x;
      if (!lesion.mask[p]) continue;
      area++;
      // CEFM's A: grey difference with the mirror image about the major axis (bilinear).
      greyDiff += std::fabs(lesion.grey[p] - sampleBilinear(lesion.grey, w, h, mx[0], my[0]));
      for (int k = 0; k < 2; k++) {
        const double fx = mx[k] + 0.5, fy = my[k] + 0.5;  // nearest pixel: floor(m + 0.5)
        const int qx = fx < 0 ? -1 : int(fx), qy = fy < 0 ? -1 : int(fy);
        if (!lesion.inside(qx, qy)) {
          shapeMiss[k]++;  // the mirror pixel falls outside the lesion
          continue;
        }
        // Colour: among pixels whose mirror is lesion, those whose mirror has another colour class.
        pairs[k]++;
        colourMiss[k] += colourClass[p] != colourClass[size_t(qy) * w + qx];
      }
    }
  }
  out.A = greyDiff / double(area);
  out.asymmetryAxes = 0;
  for (int k = 0; k < 2; k++) {
    out.shapeAsymmetry[k] = double(shapeMiss[k]) / double(area);
    out.colourAsymmetry[k] = pairs[k] ? double(colourMiss[k]) / double(pairs[k]) : 0.0;
    out.asymmetryIndex[k] = 0.5 * (out.shapeAsymmetry[k] + out.colourAsymmetry[k]);
    out.asymmetryAxes += out.asymmetryIndex[k] > kAsymmetryThreshold;
  }
}

}  // namespace abc
}  // namespace cefm
