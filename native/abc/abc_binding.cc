// Placeholder until the ABC measurement lands: registers nothing.
#include "abc_binding.h"

namespace cefm {
void registerAbcBindings(Napi::Env, Napi::Object) {}
}  // namespace cefm
