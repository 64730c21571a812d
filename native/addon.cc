// Entry point of the cefm_native addon: the native backend's runtime, the ABC features and image helpers.
#include <napi.h>

#include "abc/abc_binding.h"
#include "core/bindings.h"
#include "image/image_binding.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  cefm::registerRuntimeBindings(env, exports);
  cefm::registerAbcBindings(env, exports);
  cefm::registerImageBindings(env, exports);
  return exports;
}

NODE_API_MODULE(cefm_native, Init)
