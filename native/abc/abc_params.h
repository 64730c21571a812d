// The constants of the ABC measurement, in one place; docs/abc.md says where each comes from.
#pragma once

namespace cefm {
namespace abc {

// Smallest lesion measured: below this the contour and box counting have too few samples.
constexpr int kMinLesionArea = 25;

// ---- A ------------------------------------------------------------------------------------
// An axis counts as asymmetric when its index (mean of shape and colour non-overlap) exceeds this.
// Calibrated on the ISIC 2017 sample by bench/abc-auc.ts (docs/abc.md, "A: asymmetry").
constexpr double kAsymmetryThreshold = 0.25;

// ---- B ------------------------------------------------------------------------------------
// Gaussian smoothing of the pixel-edge contour, sigma in contour steps (1 px each): the pixel grid
// turns a curve of radius R into a staircase whose flat runs reach sqrt(2 R) px, so sigma grows as
// kContourSigmaScale * sqrt(2 R) (R = equivalent radius), and never below kContourSigmaMin. On
// digital discs of radius 15-180 px this gives curvature and perimeter within 1.1% of 1/r and 2 pi r.
constexpr double kContourSigmaMin = 3.0;
constexpr double kContourSigmaScale = 0.5;
// Border abruptness: grey profiles across the border along the outward normal, averaged per sector.
// A sector is abrupt when at least kAbruptFraction of the inside-to-outside grey change happens within
// a window of 2 * narrow px, narrow = max(2, kNarrowFraction * R), R = equivalent radius; the profile
// spans +-max(4 narrow, kProfileFraction * R). Sectors with less than kMinBorderContrast grey levels
// of contrast have no visible border and are not abrupt.
constexpr double kNarrowFraction = 0.03;
constexpr double kProfileFraction = 0.15;
constexpr double kAbruptFraction = 0.5;
constexpr double kMinBorderContrast = 8.0;

// ---- C ------------------------------------------------------------------------------------
// A dermoscopic colour is present when at least this fraction of the lesion is nearest to it.
constexpr double kColourPresentFraction = 0.10;
// Shades-of-grey colour constancy (Finlayson & Trezzi 2004): Minkowski norm order.
constexpr double kShadesOfGreyOrder = 6.0;
// The canonical illuminant (linear sRGB) every image is moved to before its pixels are compared with
// the reference colours: the mean shades-of-grey estimate over the 150 ISIC 2017 sample images
// (bench/abc-auc.ts prints it), i.e. the typical colour cast of dermoscopy photographs.
constexpr double kCanonicalIlluminant[3] = {0.691, 0.399, 0.382};

}  // namespace abc
}  // namespace cefm
