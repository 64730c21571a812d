#include "mask_ops.h"

#include <algorithm>
#include <cmath>

namespace cefm {
namespace abc {

namespace {

// Background pixels of `region` inside the box that the outside cannot reach through 4-connected
// background become region. The search stays in the box grown by one pixel: everything beyond is
// background connected to the outside anyway.
void fillHoles(std::vector<uint8_t>& region, int width, int height, const Box& box) {
  const int rx0 = std::max(box.x0 - 1, 0), ry0 = std::max(box.y0 - 1, 0);
  const int rx1 = std::min(box.x1 + 1, width - 1), ry1 = std::min(box.y1 + 1, height - 1);
  const int rw = rx1 - rx0 + 1, rh = ry1 - ry0 + 1;
  std::vector<uint8_t> outside(size_t(rw) * rh, 0);
  std::vector<int32_t> stack;
  auto seed = [&](int x, int y) {
    size_t r = size_t(y - ry0) * rw + (x - rx0);
    if (!outside[r] && !region[size_t(y) * width + x]) {
      outside[r] = 1;
      stack.push_back(int32_t(r));
    }
  };
  // The frame of the grown box is either background beyond the component or the image edge,
  // where background touches the outside of the image.
  for (int x = rx0; x <= rx1; x++) seed(x, ry0), seed(x, ry1);
  for (int y = ry0; y <= ry1; y++) seed(rx0, y), seed(rx1, y);
  while (!stack.empty()) {
    int32_t r = stack.back();
    stack.pop_back();
    int x = rx0 + r % rw, y = ry0 + r / rw;
    if (x > rx0) seed(x - 1, y);
    if (x < rx1) seed(x + 1, y);
    if (y > ry0) seed(x, y - 1);
    if (y < ry1) seed(x, y + 1);
  }
  for (int y = box.y0; y <= box.y1; y++) {
    for (int x = box.x0; x <= box.x1; x++) {
      if (!outside[size_t(y - ry0) * rw + (x - rx0)]) region[size_t(y) * width + x] = 1;
    }
  }
}

}  // namespace

namespace {

// A horizontal run of nonzero pixels in one row (x0..x1 inclusive).
struct Run {
  int y, x0, x1;
};

int findRoot(std::vector<int32_t>& parent, int32_t i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];  // path halving
  return i;
}

}  // namespace

int64_t largestFilledComponent(const uint8_t* mask, int width, int height, std::vector<uint8_t>& out, Box& bbox) {
  // Connected components over runs (union-find): a run joins the runs of the row above that it
  // touches, diagonals included (8-connectivity). Far fewer runs than pixels.
  std::vector<Run> runs;
  std::vector<size_t> rowStart(size_t(height) + 1);
  for (int y = 0; y < height; y++) {
    rowStart[y] = runs.size();
    const uint8_t* row = mask + size_t(y) * width;
    for (int x = 0; x < width;) {
      if (!row[x]) {
        x++;
        continue;
      }
      const int x0 = x;
      while (x < width && row[x]) x++;
      runs.push_back({y, x0, x - 1});
    }
  }
  rowStart[height] = runs.size();
  if (runs.empty()) return 0;
  std::vector<int32_t> parent(runs.size());
  for (size_t i = 0; i < runs.size(); i++) parent[i] = int32_t(i);
  for (int y = 1; y < height; y++) {
    size_t i = rowStart[y - 1], j = rowStart[y];
    const size_t iEnd = rowStart[y], jEnd = rowStart[y + 1];
    while (i < iEnd && j < jEnd) {
      if (runs[i].x0 <= runs[j].x1 + 1 && runs[j].x0 <= runs[i].x1 + 1) {
        int32_t a = findRoot(parent, int32_t(i)), b = findRoot(parent, int32_t(j));
        if (a != b) parent[std::max(a, b)] = std::min(a, b);  // the root stays the earliest run
      }
      if (runs[i].x1 < runs[j].x1) i++;
      else j++;
    }
  }
  // Sizes per root; the largest wins, the first in raster order among equals (roots are the
  // earliest run of their component, so scanning roots in order finds it).
  std::vector<int64_t> size(runs.size(), 0);
  for (size_t i = 0; i < runs.size(); i++) size[findRoot(parent, int32_t(i))] += runs[i].x1 - runs[i].x0 + 1;
  int32_t best = 0;
  for (size_t i = 0; i < runs.size(); i++) {
    if (size[i] > size[best]) best = int32_t(i);
  }
  out.assign(size_t(width) * height, 0);
  Box box{width, height, -1, -1};
  for (size_t i = 0; i < runs.size(); i++) {
    if (findRoot(parent, int32_t(i)) != best) continue;
    const Run& r = runs[i];
    std::fill(out.begin() + size_t(r.y) * width + r.x0, out.begin() + size_t(r.y) * width + r.x1 + 1, uint8_t(1));
    box.x0 = std::min(box.x0, r.x0), box.x1 = std::max(box.x1, r.x1), box.y0 = std::min(box.y0, r.y), box.y1 = std::max(box.y1, r.y);
  }
  fillHoles(out, width, height, box);
  bbox = box;
  int64_t area = 0;
  for (int y = box.y0; y <= box.y1; y++) {
    for (int x = box.x0; x <= box.x1; x++) area += out[size_t(y) * width + x];
  }
  return area;
}

std::vector<Point> traceBoundary(const std::vector<uint8_t>& region, int width, int height, const Box& bbox) {
  auto inside = [&](int x, int y) { return x >= 0 && y >= 0 && x < width && y < height && region[size_t(y) * width + x]; };
  // Headings clockwise on screen (y down): east, south, west, north. A right turn is +1.
  static const int DX[4] = {1, 0, -1, 0}, DY[4] = {0, 1, 0, -1};
  int x0 = bbox.x0;
  while (!inside(x0, bbox.y0)) x0++;
  // Vertices are pixel corners: corner (cx, cy) is the top-left corner of pixel (cx, cy). We start on
  // the top edge of the first pixel in raster order heading east, the region below, on our right.
  const int sx = x0, sy = bbox.y0;
  int cx = sx, cy = sy, d = 0;
  std::vector<Point> pts;
  const size_t limit = 4 * size_t(bbox.width() + 2) * size_t(bbox.height() + 2);
  do {
    pts.push_back({cx - 0.5, cy - 0.5});
    cx += DX[d], cy += DY[d];
    // The two pixels ahead of the corner: left and right of the heading.
    int lx = DY[d], ly = -DX[d], rx = -DY[d], ry = DX[d];
    bool aheadLeft = inside(cx + (DX[d] + lx - 1) / 2, cy + (DY[d] + ly - 1) / 2);
    bool aheadRight = inside(cx + (DX[d] + rx - 1) / 2, cy + (DY[d] + ry - 1) / 2);
    // Region ahead on the left: turn left (also at a diagonal touch, which keeps 8-neighbours
    // connected); region ahead on the right only: straight on; neither: turn right.
    if (aheadLeft) d = (d + 3) % 4;
    else if (!aheadRight) d = (d + 1) % 4;
  } while (!(cx == sx && cy == sy && d == 0) && pts.size() <= limit);
  return pts;
}

std::vector<Point> boundaryPixels(const std::vector<uint8_t>& region, int width, int height, const Box& bbox) {
  auto inside = [&](int x, int y) { return x >= 0 && y >= 0 && x < width && y < height && region[size_t(y) * width + x]; };
  std::vector<Point> out;
  for (int y = bbox.y0; y <= bbox.y1; y++) {
    for (int x = bbox.x0; x <= bbox.x1; x++) {
      if (inside(x, y) && !(inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1))) out.push_back({double(x), double(y)});
    }
  }
  return out;
}

Moments regionMoments(const std::vector<uint8_t>& region, int width, const Box& bbox) {
  // Sums relative to the box corner keep the squares small.
  double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (int y = bbox.y0; y <= bbox.y1; y++) {
    const uint8_t* row = &region[size_t(y) * width];
    double yy = y - bbox.y0;
    for (int x = bbox.x0; x <= bbox.x1; x++) {
      if (!row[x]) continue;
      double xx = x - bbox.x0;
      n += 1, sx += xx, sy += yy, sxx += xx * xx, syy += yy * yy, sxy += xx * yy;
    }
  }
  Moments m;
  m.area = int64_t(n);
  if (n == 0) return m;
  double mx = sx / n, my = sy / n;
  double mu20 = sxx / n - mx * mx, mu02 = syy / n - my * my, mu11 = sxy / n - mx * my;
  m.centroid = {bbox.x0 + mx, bbox.y0 + my};
  double theta = 0.5 * std::atan2(2 * mu11, mu20 - mu02);
  m.major = {std::cos(theta), std::sin(theta)};
  double mean = 0.5 * (mu20 + mu02), dev = std::sqrt(0.25 * (mu20 - mu02) * (mu20 - mu02) + mu11 * mu11);
  m.varMajor = mean + dev;
  m.varMinor = std::max(mean - dev, 0.0);
  return m;
}

}  // namespace abc
}  // namespace cefm
