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

// Filled on first use, after static initialisation registered every kernel.
static const std::vector<KernelEntry>& indexed() {
  static const std::vector<KernelEntry> v = [] {
    std::vector<KernelEntry> out;
    for (auto& kv : registry()) out.push_back({kv.first, kv.second.fn, kv.second.cost});
    return out;
  }();
  return v;
}

int kernelIndex(const std::string& name) {
  const auto& v = indexed();
  for (size_t i = 0; i < v.size(); i++)
    if (v[i].name == name) return int(i);
  return -1;
}

const KernelEntry* kernelAt(int index) {
  const auto& v = indexed();
  return index >= 0 && size_t(index) < v.size() ? &v[size_t(index)] : nullptr;
}

std::vector<std::string> kernelNames() {
  std::vector<std::string> names;
  for (auto& kv : registry()) names.push_back(kv.first);
  return names;
}

}  // namespace cefm
