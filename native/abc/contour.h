// Closed-polygon helpers for the border measurements.
#pragma once
#include <vector>

#include "abc.h"

namespace cefm {
namespace abc {

// Circular Gaussian smoothing of a closed polygon's vertices (sigma in vertex steps, capped so the
// kernel never wraps onto itself).
std::vector<Point> smoothClosed(const std::vector<Point>& pts, double sigma);

// Length of the closed polygon.
double closedLength(const std::vector<Point>& pts);

// Sum over vertices of |turning angle| (radians) of the closed polygon; for a convex curve 2 pi.
double totalAbsoluteTurning(const std::vector<Point>& pts);

// Unit outward normal at each vertex of a clockwise-on-screen polygon (region on the right),
// from the central difference of its neighbours.
std::vector<Point> outwardNormals(const std::vector<Point>& pts);

}  // namespace abc
}  // namespace cefm
