#include "contour.h"

#include <algorithm>
#include <cmath>

namespace cefm {
namespace abc {

std::vector<Point> smoothClosed(const std::vector<Point>& pts, double sigma) {
  const int n = int(pts.size());
  sigma = std::min(sigma, (n - 1) / 6.0);
  if (n < 3 || sigma <= 0) return pts;
  const int radius = int(std::ceil(3 * sigma));
  std::vector<double> w(2 * radius + 1);
  double sum = 0;
  for (int k = -radius; k <= radius; k++) sum += w[k + radius] = std::exp(-0.5 * k * k / (sigma * sigma));
  for (double& v : w) v /= sum;
  std::vector<Point> out(n);
  for (int i = 0; i < n; i++) {
    double x = 0, y = 0;
    for (int k = -radius; k <= radius; k++) {
      const Point& p = pts[((i + k) % n + n) % n];
      x += w[k + radius] * p.x, y += w[k + radius] * p.y;
    }
    out[i] = {x, y};
  }
  return out;
}

double closedLength(const std::vector<Point>& pts) {
  double len = 0;
  for (size_t i = 0, n = pts.size(); i < n; i++) {
    const Point &a = pts[i], &b = pts[(i + 1) % n];
    len += std::hypot(b.x - a.x, b.y - a.y);
  }
  return len;
}

double totalAbsoluteTurning(const std::vector<Point>& pts) {
  const size_t n = pts.size();
  // Headings of the segments that have a length (smoothing can merge vertices of tiny shapes).
  std::vector<double> heading;
  for (size_t i = 0; i < n; i++) {
    const Point &a = pts[i], &b = pts[(i + 1) % n];
    if (a.x != b.x || a.y != b.y) heading.push_back(std::atan2(b.y - a.y, b.x - a.x));
  }
  double total = 0;
  for (size_t i = 0, m = heading.size(); i < m; i++) {
    double turn = heading[(i + 1) % m] - heading[i];
    turn = std::remainder(turn, 2 * kPi);  // wrap to [-pi, pi]
    total += std::fabs(turn);
  }
  return total;
}

std::vector<Point> outwardNormals(const std::vector<Point>& pts) {
  const size_t n = pts.size();
  std::vector<Point> out(n);
  for (size_t i = 0; i < n; i++) {
    const Point &a = pts[(i + n - 1) % n], &b = pts[(i + 1) % n];
    double tx = b.x - a.x, ty = b.y - a.y, len = std::hypot(tx, ty);
    // Clockwise on screen with the region on the right: outside is on the left, (ty, -tx).
    out[i] = len > 0 ? Point{ty / len, -tx / len} : Point{0, 0};
  }
  return out;
}

}  // namespace abc
}  // namespace cefm
