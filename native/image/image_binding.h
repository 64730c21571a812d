#pragma once
#include <napi.h>

namespace cefm {
// Adds the image functions (resizeRgb) to the addon's exports.
void registerImageBindings(Napi::Env env, Napi::Object exports);
}  // namespace cefm
