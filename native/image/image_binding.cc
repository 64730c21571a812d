// N-API surface of the image helpers:
//   resizeRgb(rgb: Uint8Array, width, height, rectX, rectY, rectWidth, rectHeight, outWidth, outHeight) -> Uint8Array
// Synchronous: a model input's resize takes a fraction of a millisecond. The caller (image.ts)
// has validated the crop; the checks here only keep bad calls from reading out of bounds.
#include "image_binding.h"

#include <cmath>
#include <exception>
#include <string>

#include "resize.h"

namespace cefm {

namespace {

constexpr int64_t kMaxFloats = int64_t(1) << 30;

int64_t dimension(const Napi::Value& v, const char* what) {
  // Numbers only: a coercion could run user code (valueOf) after the pixel data was taken.
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string("resizeRgb: ") + what + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 1e6) || std::floor(d) != d) throw Napi::RangeError::New(v.Env(), std::string("resizeRgb: invalid ") + what);
  return int64_t(d);
}

Napi::Value ResizeRgb(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 9 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "resizeRgb(rgb: Uint8Array, width, height, x, y, w, h, outWidth, outHeight)");
  }
  Napi::Uint8Array src = info[0].As<Napi::Uint8Array>();
  const int64_t width = dimension(info[1], "width"), height = dimension(info[2], "height");
  const ResizeRect rect{dimension(info[3], "x"), dimension(info[4], "y"), dimension(info[5], "crop width"), dimension(info[6], "crop height")};
  const int64_t outWidth = dimension(info[7], "output width"), outHeight = dimension(info[8], "output height");
  if (int64_t(src.ElementLength()) != width * height * 3) throw Napi::RangeError::New(env, "resizeRgb: data does not match width x height x 3");
  if (rect.width < 1 || rect.height < 1 || rect.x + rect.width > width || rect.y + rect.height > height || outWidth < 1 || outHeight < 1) {
    throw Napi::RangeError::New(env, "resizeRgb: bad crop or output size");
  }
  // The horizontal pass holds crop height x output width floats: refuse what cannot be allocated
  // (the JS reference throws a RangeError there too) rather than abort the process.
  if (double(rect.height) * double(outWidth) * 3 > double(kMaxFloats) || double(outWidth) * double(outHeight) * 3 > double(kMaxFloats)) {
    throw Napi::RangeError::New(env, "resizeRgb: output too large");
  }
  Napi::Uint8Array out = Napi::Uint8Array::New(env, size_t(outWidth * outHeight * 3));
  try {
    resizeRgbTriangle(src.Data(), width, rect, outWidth, outHeight, out.Data());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("resizeRgb: ") + e.what());
  }
  return out;
}

}  // namespace

void registerImageBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("resizeRgb", Napi::Function::New(env, ResizeRgb, "resizeRgb"));
}

}  // namespace cefm
