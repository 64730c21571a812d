// JS surface of the ABC measurement:
//   abcMeasure(rgb: Uint8Array, width, height, mask: Uint8Array, wantGeometry?: boolean) -> Promise<object>
//   abcConstants: the thresholds and reference values the measurement uses (for docs and benches).
// The measurement runs on the libuv thread pool (Napi::AsyncWorker) on copies of the inputs.
#include "abc_binding.h"

#include <cstring>
#include <string>
#include <vector>

#include "abc.h"
#include "abc_params.h"

namespace cefm {

namespace {

using abc::AbcFeatures;
using abc::AbcGeometry;

Napi::Array pair(Napi::Env env, double a, double b) {
  Napi::Array arr = Napi::Array::New(env, 2);
  arr.Set(uint32_t(0), a);
  arr.Set(uint32_t(1), b);
  return arr;
}

Napi::Array triple(Napi::Env env, const double* v) {
  Napi::Array arr = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; i++) arr.Set(i, v[i]);
  return arr;
}

Napi::Object colourObject(Napi::Env env, const std::array<double, abc::kColourCount>* fractions, const std::array<bool, abc::kColourCount>* flags) {
  Napi::Object o = Napi::Object::New(env);
  for (int c = 0; c < abc::kColourCount; c++) {
    if (fractions) o.Set(abc::kColourNames[c], (*fractions)[c]);
    else o.Set(abc::kColourNames[c], (*flags)[c]);
  }
  return o;
}

// The feature object: the keys of `cefm-native abc --json` (snake case), plus the per-axis shape
// and colour parts of the asymmetry index and the skin reference the colours were judged against.
Napi::Object featuresObject(Napi::Env env, const AbcFeatures& f) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("A", f.A);
  o.Set("B2", f.B2);
  o.Set("sigma_h", f.sigmaH);
  o.Set("sigma_s", f.sigmaS);
  o.Set("sigma_v", f.sigmaV);
  o.Set("asymmetry_axes", f.asymmetryAxes);
  o.Set("asymmetry_index", pair(env, f.asymmetryIndex[0], f.asymmetryIndex[1]));
  o.Set("compactness", f.compactness);
  o.Set("fractal_dimension", f.fractalDimension);
  o.Set("border_score", f.borderScore);
  o.Set("colors", colourObject(env, nullptr, &f.colours));
  o.Set("color_fractions", colourObject(env, &f.colourFractions, nullptr));
  o.Set("color_count", f.colourCount);
  o.Set("area_px", double(f.areaPx));
  o.Set("perimeter_px", f.perimeterPx);
  o.Set("asymmetry_shape", pair(env, f.shapeAsymmetry[0], f.shapeAsymmetry[1]));
  o.Set("asymmetry_colour", pair(env, f.colourAsymmetry[0], f.colourAsymmetry[1]));
  o.Set("illuminant", triple(env, f.illuminant.data()));
  o.Set("skin_lab", triple(env, f.skinLab.data()));
  o.Set("skin_pixels", double(f.skinPixels));
  o.Set("skin_like_fraction", f.skinLikeFraction);
  return o;
}

Napi::Object geometryObject(Napi::Env env, AbcGeometry& g) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("width", g.width);
  o.Set("height", g.height);
  Napi::Float64Array contour = Napi::Float64Array::New(env, 2 * g.contour.size());
  for (size_t i = 0; i < g.contour.size(); i++) contour[2 * i] = g.contour[i].x, contour[2 * i + 1] = g.contour[i].y;
  o.Set("contour", contour);
  o.Set("centroid", pair(env, g.centroid.x, g.centroid.y));
  o.Set("major_axis", pair(env, g.majorAxis.x, g.majorAxis.y));
  o.Set("major_length", g.majorLength);
  o.Set("minor_length", g.minorLength);
  Napi::Uint8Array classes = Napi::Uint8Array::New(env, g.colourClass.size());
  std::memcpy(classes.Data(), g.colourClass.data(), g.colourClass.size());
  o.Set("colour_class", classes);
  Napi::Array abrupt = Napi::Array::New(env, 8);
  for (uint32_t s = 0; s < 8; s++) abrupt.Set(s, g.abruptSectors[s]);
  o.Set("abrupt_sectors", abrupt);
  return o;
}

class AbcWorker : public Napi::AsyncWorker {
 public:
  AbcWorker(Napi::Env env, std::vector<uint8_t> rgb, std::vector<uint8_t> mask, int width, int height, bool wantGeometry)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), rgb_(std::move(rgb)), mask_(std::move(mask)),
        width_(width), height_(height), wantGeometry_(wantGeometry) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      features_ = abc::measureAbc({rgb_.data(), width_, height_}, mask_.data(), wantGeometry_ ? &geometry_ : nullptr);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object result = featuresObject(env, features_);
    if (wantGeometry_) result.Set("geometry", geometryObject(env, geometry_));
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<uint8_t> rgb_, mask_;
  int width_, height_;
  bool wantGeometry_;
  AbcFeatures features_;
  AbcGeometry geometry_;
};

std::vector<uint8_t> copyBytes(const Napi::Value& v, size_t expected, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(v.Env(), std::string("abcMeasure: ") + what + " must be a Uint8Array");
  }
  Napi::Uint8Array a = v.As<Napi::Uint8Array>();
  if (a.ElementLength() != expected) {
    throw Napi::RangeError::New(v.Env(), std::string("abcMeasure: ") + what + " has " + std::to_string(a.ElementLength()) +
                                             " bytes, expected " + std::to_string(expected));
  }
  return std::vector<uint8_t>(a.Data(), a.Data() + expected);
}

int dimension(const Napi::Value& v, const char* what) {
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 1 && d <= 1e6) || double(int(d)) != d) throw Napi::RangeError::New(v.Env(), std::string("abcMeasure: invalid ") + what);
  return int(d);
}

Napi::Value AbcMeasure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int width = dimension(info[1], "width"), height = dimension(info[2], "height");
  const size_t pixels = size_t(width) * size_t(height);
  std::vector<uint8_t> rgb = copyBytes(info[0], 3 * pixels, "rgb");
  std::vector<uint8_t> mask = copyBytes(info[3], pixels, "mask");
  const bool wantGeometry = info.Length() > 4 && info[4].ToBoolean().Value();
  auto* worker = new AbcWorker(env, std::move(rgb), std::move(mask), width, height, wantGeometry);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Object constantsObject(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("asymmetry_threshold", abc::kAsymmetryThreshold);
  std::array<double, abc::kColourCount> present;
  for (int c = 0; c < abc::kColourCount; c++) present[c] = abc::kColourPresentFractions[c];
  o.Set("color_present_fractions", colourObject(env, &present, nullptr));
  o.Set("shades_of_grey_order", abc::kShadesOfGreyOrder);
  o.Set("canonical_illuminant", triple(env, abc::kCanonicalIlluminant));
  o.Set("skin_reach", abc::kSkinReach);
  o.Set("skin_dark_fraction", abc::kSkinDarkFraction);
  o.Set("min_skin_pixels", abc::kMinSkinPixels);
  // [L, a, b, relative L, relative a, relative b] per colour, then the skin.
  Napi::Object refs = Napi::Object::New(env);
  for (int c = 0; c <= abc::kColourCount; c++) {
    const abc::ReferenceColour& r = abc::kReferenceColours[c];
    Napi::Array v = Napi::Array::New(env, 6);
    const double vals[6] = {r.L, r.a, r.b, double(r.relativeL), double(r.relativeA), double(r.relativeB)};
    for (uint32_t i = 0; i < 6; i++) v.Set(i, vals[i]);
    refs.Set(c < abc::kColourCount ? abc::kColourNames[c] : "skin", v);
  }
  o.Set("reference_colours", refs);
  o.Set("contour_sigma_min", abc::kContourSigmaMin);
  o.Set("contour_sigma_scale", abc::kContourSigmaScale);
  o.Set("narrow_fraction", abc::kNarrowFraction);
  o.Set("profile_fraction", abc::kProfileFraction);
  o.Set("abrupt_fraction", abc::kAbruptFraction);
  o.Set("min_border_contrast", abc::kMinBorderContrast);
  o.Set("min_lesion_area", abc::kMinLesionArea);
  return o;
}

}  // namespace

void registerAbcBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("abcMeasure", Napi::Function::New(env, AbcMeasure, "abcMeasure"));
  exports.Set("abcConstants", constantsObject(env));
}

}  // namespace cefm
