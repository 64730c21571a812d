// Binary-mask operations for the ABC measurement: the lesion region, its outline and its moments.
#pragma once
#include <cstdint>
#include <vector>

#include "abc.h"

namespace cefm {
namespace abc {

struct Box {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // inclusive
  int width() const { return x1 - x0 + 1; }
  int height() const { return y1 - y0 + 1; }
};

// The lesion as a 0/1 mask: the largest 8-connected component of the nonzero pixels of `mask`
// (the first in raster order among equals) with its holes (background not 4-connected to the
// outside) filled. `bbox` receives its bounding box. Returns the area; 0 when the mask is empty.
int64_t largestFilledComponent(const uint8_t* mask, int width, int height, std::vector<uint8_t>& out, Box& bbox);

// The outer boundary of a hole-free 8-connected 0/1 region as a closed polygon along pixel edges,
// clockwise on screen (the region on the right), one vertex per unit step, in pixel-centre
// coordinates (pixel (x, y) covers [x - 0.5, x + 0.5] x [y - 0.5, y + 0.5]). Its shoelace area
// equals the pixel count. `bbox` bounds the region.
std::vector<Point> traceBoundary(const std::vector<uint8_t>& region, int width, int height, const Box& bbox);

// Pixels of the region with a 4-neighbour outside it (or at the image edge).
std::vector<Point> boundaryPixels(const std::vector<uint8_t>& region, int width, int height, const Box& bbox);

// Centroid and principal axes from the second central moments of the region's pixels.
struct Moments {
  int64_t area = 0;
  Point centroid;
  Point major;  // unit vector along the major axis (direction of the largest variance)
  double varMajor = 0, varMinor = 0;  // variances along the axes (px^2)
};
Moments regionMoments(const std::vector<uint8_t>& region, int width, const Box& bbox);

}  // namespace abc
}  // namespace cefm
