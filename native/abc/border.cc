// B: border irregularity (curvature, compactness, fractal dimension) and abruptness per sector.
#include <algorithm>
#include <cmath>

#include "abc_params.h"
#include "color_space.h"
#include "contour.h"
#include "criteria.h"

namespace cefm {
namespace abc {

namespace {

// Box-counting dimension of the boundary pixels: the slope of log N(s) against log(1/s) for boxes of
// s = 2, 4, 8, ... px up to a quarter of the lesion's extent (s = 1 joins in for tiny lesions, so
// there are always at least two sizes). N(s) is the mean count over four grids offset by half a
// box, which removes most of the dependence on where the grid happens to fall. Least-squares fit.
double boxCountingDimension(const std::vector<Point>& pts, const Box& box) {
  const int extent = std::max(box.width(), box.height());
  std::vector<int> sizes;
  for (int s = 2; s <= extent / 4; s *= 2) sizes.push_back(s);
  if (sizes.size() < 2) sizes.insert(sizes.begin(), 1);
  if (sizes.size() < 2) sizes.push_back(2);
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int s : sizes) {
    const int gw = box.width() / s + 2, gh = box.height() / s + 2;
    std::vector<uint8_t> occupied(size_t(gw) * gh);
    double total = 0;
    for (int offset = 0; offset < 4; offset++) {
      const int ox = (offset & 1) * (s / 2), oy = (offset >> 1) * (s / 2);
      std::fill(occupied.begin(), occupied.end(), uint8_t(0));
      for (const Point& p : pts) {
        uint8_t& cell = occupied[size_t((int(p.y) - box.y0 + oy) / s) * gw + (int(p.x) - box.x0 + ox) / s];
        total += !cell;
        cell = 1;
      }
    }
    const double lx = std::log(1.0 / s), ly = std::log(total / 4);
    sx += lx, sy += ly, sxx += lx * lx, sxy += lx * ly;
  }
  const double m = double(sizes.size());
  return (m * sxy - sx * sy) / (m * sxx - sx * sx);
}

// The sector (0..7) of a point: 45-degree wedges around the centroid, counted from the major axis.
int sectorOf(const Lesion& lesion, const Point& p) {
  const Point c = lesion.moments.centroid, u = lesion.moments.major, v = lesion.minor();
  const double dx = p.x - c.x, dy = p.y - c.y;
  const double phi = std::atan2(dx * v.x + dy * v.y, dx * u.x + dy * u.y);  // (-pi, pi]
  return std::clamp(int(std::floor((phi + kPi) / (kPi / 4))), 0, 7);
}

// Sectors whose mean grey profile across the border changes by most of its inside-to-outside
// contrast within a narrow window (docs/abc.md, "B: border").
int abruptSectors(const Lesion& lesion, std::array<bool, 8>& abrupt) {
  const int w = lesion.width(), h = lesion.height();
  const double radius = lesion.equivalentRadius();
  const int narrow = std::max(2, int(std::lround(kNarrowFraction * radius)));
  const int reach = std::max(4 * narrow, int(std::lround(kProfileFraction * radius)));
  const int len = 2 * reach + 1;
  std::vector<double> profile(8 * size_t(len), 0.0);
  int64_t count[8] = {0};
  const std::vector<Point> normals = outwardNormals(lesion.contour);
  auto inImage = [&](double x, double y) { return x >= 0 && y >= 0 && x <= w - 1 && y <= h - 1; };
  for (size_t i = 0; i < lesion.contour.size(); i++) {
    const Point p = lesion.contour[i], n = normals[i];
    // Profiles that leave the image (lesions cut by the frame) would measure the clamped edge.
    if ((n.x == 0 && n.y == 0) || !inImage(p.x + reach * n.x, p.y + reach * n.y) || !inImage(p.x - reach * n.x, p.y - reach * n.y)) continue;
    const int s = sectorOf(lesion, p);
    double* prof = &profile[size_t(s) * len];
    for (int t = -reach; t <= reach; t++) prof[t + reach] += sampleBilinear(lesion.grey, w, h, p.x + t * n.x, p.y + t * n.y);
    count[s]++;
  }
  int score = 0;
  for (int s = 0; s < 8; s++) {
    abrupt[s] = false;
    if (!count[s]) continue;
    std::vector<double> prof(profile.begin() + size_t(s) * len, profile.begin() + size_t(s + 1) * len);
    for (double& v : prof) v /= double(count[s]);
    const double inner = (prof[0] + prof[1] + prof[2]) / 3, outer = (prof[len - 1] + prof[len - 2] + prof[len - 3]) / 3;
    const double contrast = outer - inner;
    if (std::fabs(contrast) < kMinBorderContrast) continue;
    const double sign = contrast > 0 ? 1.0 : -1.0;
    double steepest = -1e300;
    for (int j = narrow; j + narrow < len; j++) steepest = std::max(steepest, sign * (prof[j + narrow] - prof[j - narrow]));
    abrupt[s] = steepest / std::fabs(contrast) >= kAbruptFraction;
    score += abrupt[s];
  }
  return score;
}

}  // namespace

void measureBorder(const Lesion& lesion, AbcFeatures& out, std::array<bool, 8>& abrupt) {
  out.perimeterPx = closedLength(lesion.contour);
  out.B2 = totalAbsoluteTurning(lesion.contour) / out.perimeterPx;
  out.compactness = out.perimeterPx * out.perimeterPx / (4 * kPi * double(lesion.moments.area));
  out.fractalDimension = boxCountingDimension(boundaryPixels(lesion.mask, lesion.width(), lesion.height(), lesion.bbox), lesion.bbox);
  out.borderScore = abruptSectors(lesion, abrupt);
}

}  // namespace abc
}  // namespace cefm
