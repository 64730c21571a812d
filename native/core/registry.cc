#include <map>

#include "kernel.h"

namespace cefm {

struct Entry {
  KernelFn fn;
  KernelCost cost;
};

static std::map<std::string, Entry>& registry() {
  static std::map<std::string, Entry> r;  // function-local: safe across static-init order
  return r;
}

void registerKernel(const char* name, KernelFn fn, KernelCost cost) { registry()[name] = {fn, cost}; }

KernelFn findKernel(const std::string& name, KernelCost* cost) {
  auto it = registry().find(name);
  if (it == registry().end()) return nullptr;
  if (cost) *cost = it->second.cost;
  return it->second.fn;
}

std::vector<std::string> kernelNames() {
  std::vector<std::string> names;
  for (auto& kv : registry()) names.push_back(kv.first);
  return names;
}

}  // namespace cefm
