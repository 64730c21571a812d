#pragma once
#include <napi.h>

namespace cefm {
// Adds the ABC-feature functions to the addon's exports.
void registerAbcBindings(Napi::Env env, Napi::Object exports);
}  // namespace cefm
