// The ABC measurement: prepares the lesion (mask, moments, grey image, contour), then runs the
// colour, asymmetry and border criteria on it.
#include "abc.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "abc_params.h"
#include "color_space.h"
#include "contour.h"
#include "criteria.h"

namespace cefm {
namespace abc {

AbcFeatures measureAbc(const RgbView& image, const uint8_t* mask, AbcGeometry* geometry) {
  if (!image.data || !mask || image.width <= 0 || image.height <= 0) throw AbcError("abc: empty image or mask");
  Lesion lesion;
  lesion.image = image;
  const int64_t area = largestFilledComponent(mask, image.width, image.height, lesion.mask, lesion.bbox);
  if (area == 0) throw AbcError("abc: the mask marks no lesion (all pixels are background)");
  if (area < kMinLesionArea) {
    throw AbcError("abc: the lesion is too small to measure (" + std::to_string(area) + " px; at least " + std::to_string(kMinLesionArea) + " needed)");
  }
  lesion.moments = regionMoments(lesion.mask, image.width, lesion.bbox);
  lesion.grey = greyImage(image);
  lesion.rawContour = traceBoundary(lesion.mask, image.width, image.height, lesion.bbox);
  lesion.contour = smoothClosed(lesion.rawContour, std::max(kContourSigmaMin, kContourSigmaScale * std::sqrt(2 * lesion.equivalentRadius())));

  AbcFeatures f;
  f.areaPx = area;
  std::vector<uint8_t> classes = measureColour(lesion, f);
  measureAsymmetry(lesion, classes, f);
  std::array<bool, 8> abrupt{};
  measureBorder(lesion, f, abrupt);

  if (geometry) {
    geometry->width = image.width;
    geometry->height = image.height;
    geometry->mask = std::move(lesion.mask);
    geometry->colourClass = std::move(classes);
    geometry->contour = std::move(lesion.contour);
    geometry->centroid = lesion.moments.centroid;
    geometry->majorAxis = lesion.moments.major;
    geometry->majorLength = 4 * std::sqrt(lesion.moments.varMajor);
    geometry->minorLength = 4 * std::sqrt(lesion.moments.varMinor);
    geometry->abruptSectors = abrupt;
  }
  return f;
}

}  // namespace abc
}  // namespace cefm
