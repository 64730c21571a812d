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
// The surrounding skin: non-lesion pixels within kSkinReach equivalent radii of the lesion's bounding
// box, less the darkest kSkinDarkFraction of them (hair, shadows, the dark rim of the dermatoscope's
// field). With fewer than kMinSkinPixels of them (a lesion filling the frame) the whole image is used.
constexpr double kSkinReach = 1.0;
constexpr double kSkinDarkFraction = 0.25;
constexpr int kMinSkinPixels = 200;
// Shades-of-grey colour constancy (Finlayson & Trezzi 2004) over the skin: Minkowski norm order.
constexpr double kShadesOfGreyOrder = 6.0;
// The canonical skin illuminant (linear sRGB): every image's skin estimate is moved onto it (von
// Kries). The median shades-of-grey skin estimate over Derm7pt's train split (bench/abc-colour-validation.ts).
constexpr double kCanonicalIlluminant[3] = {0.825, 0.711, 0.631};

// The reference colours in CIELAB after colour constancy. Coordinates flagged relative are offsets
// from the patient's skin (its mean CIELAB colour); the others are absolute. Order: the six
// dermoscopic colours (DermoscopicColour), then the skin itself (lesion pixels nearest to it are
// skin-coloured, counted in no colour). docs/abc.md gives each value's provenance.
struct ReferenceColour {
  double L, a, b;
  bool relativeL, relativeA, relativeB;
};
constexpr ReferenceColour kReferenceColours[7] = {
    {4.0, 0.0, 0.0, true, false, false},      // white: lighter than the skin, near neutral
    {45.0, 50.0, 25.0, false, false, false},  // red
    {-15.0, 2.0, 8.0, true, true, true},      // light brown
    {-35.0, 2.0, 2.0, true, true, true},      // dark brown
    {-25.0, 0.0, -2.0, true, false, false},   // blue-gray
    {12.0, 3.0, 2.0, false, false, false},    // black
    {0.0, 0.0, 0.0, true, true, true},        // the skin
};
// A dermoscopic colour is present when at least this fraction of the lesion is nearest to it, per
// colour (white, red, light brown, dark brown, blue-gray, black): calibrated on Derm7pt's train split
// only, for the melanoma AUC of the colour count (bench/abc-colour-validation.ts, countThresholds).
constexpr double kColourPresentFractions[6] = {0.01, 0.05, 0.30, 0.03, 0.01, 0.01};

}  // namespace abc
}  // namespace cefm
