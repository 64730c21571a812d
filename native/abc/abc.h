// ABC clinical features of a skin lesion (asymmetry, border, colour) from an RGB image and a binary
// lesion mask. Plain C++: no N-API here (abc_binding.cc is the JS surface). Definitions: docs/abc.md.
#pragma once
#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace cefm {
namespace abc {

constexpr double kPi = 3.14159265358979323846;  // M_PI is not standard C++

// The six dermoscopic colours, in this order everywhere (fractions, flags, class map).
enum DermoscopicColour { kWhite = 0, kRed, kLightBrown, kDarkBrown, kBlueGray, kBlack, kColourCount };
extern const char* const kColourNames[kColourCount];  // "white", "red", "light_brown", ...
// Colour-class map values besides the six colours: a lesion pixel nearest to the skin's own colour,
// and a pixel outside the lesion.
constexpr uint8_t kSkinLike = kColourCount, kOutsideLesion = kColourCount + 1;

// A problem with the input (empty mask, wrong sizes): the message is one line for the user.
struct AbcError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// 8-bit RGB, interleaved, rows top to bottom, no padding.
struct RgbView {
  const uint8_t* data = nullptr;
  int width = 0, height = 0;
};

struct AbcFeatures {
  // A: CEFM's grey-level mirror difference about the major axis.
  double A = 0;
  // Per principal axis (0: major, 1: minor): shape and colour-class non-overlap with the mirror image,
  // and their mean, the asymmetry index compared with kAsymmetryThreshold.
  std::array<double, 2> shapeAsymmetry{}, colourAsymmetry{}, asymmetryIndex{};
  int asymmetryAxes = 0;
  // B: mean |curvature| of the smoothed contour (1/px), P^2/(4 pi A), box-counting dimension,
  // number of the 8 sectors whose border is abrupt.
  double B2 = 0, compactness = 0, fractalDimension = 0;
  int borderScore = 0;
  // C: standard deviations of H (circular), S and V on the 0-255 scale inside the lesion.
  double sigmaH = 0, sigmaS = 0, sigmaV = 0;
  std::array<double, kColourCount> colourFractions{};
  std::array<bool, kColourCount> colours{};
  int colourCount = 0;
  // The colour constancy and skin reference the colours were judged against: the shades-of-grey
  // illuminant (linear RGB) of the skin, the skin's CIELAB after correction, how many skin pixels
  // were used (0: too few, the whole image gave the illuminant), the lesion's skin-coloured share.
  std::array<double, 3> illuminant{}, skinLab{};
  int64_t skinPixels = 0;
  double skinLikeFraction = 0;
  int64_t areaPx = 0;
  double perimeterPx = 0;
};

struct Point {
  double x = 0, y = 0;
};

// What the measurement saw, for drawing an overlay: the cleaned mask, the smoothed contour, the
// principal axes and the colour class of every lesion pixel.
struct AbcGeometry {
  int width = 0, height = 0;
  std::vector<uint8_t> mask;        // 0/1, the largest component with holes filled
  std::vector<uint8_t> colourClass; // DermoscopicColour per lesion pixel or kSkinLike; kOutsideLesion outside
  std::vector<Point> contour;       // smoothed, clockwise on screen, pixel-centre coordinates
  Point centroid, majorAxis;        // majorAxis: unit vector; the minor axis is its perpendicular
  double majorLength = 0, minorLength = 0;  // 4 sqrt(eigenvalue): full axis lengths of the equal-moment ellipse
  std::array<bool, 8> abruptSectors{};
};

// Measures the lesion given by `mask` (nonzero = lesion, width*height bytes) in `image`.
// Keeps the largest 8-connected component and fills its holes first. Throws AbcError when the
// mask holds no lesion or the lesion is too small to measure. Fills `geometry` when given.
AbcFeatures measureAbc(const RgbView& image, const uint8_t* mask, AbcGeometry* geometry = nullptr);

}  // namespace abc
}  // namespace cefm
