#include <map>

#include "kernel.h"

namespace cefm {

static std::map<std::string, KernelFn>& registry() {
  static std::map<std::string, KernelFn> r;  // function-local: safe across static-init order
  return r;
}

void registerKernel(const char* name, KernelFn fn) { registry()[name] = fn; }

KernelFn findKernel(const std::string& name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second;
}

std::vector<std::string> kernelNames() {
  std::vector<std::string> names;
  for (auto& kv : registry()) names.push_back(kv.first);
  return names;
}

}  // namespace cefm
