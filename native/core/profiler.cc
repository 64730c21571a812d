#include "profiler.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

namespace cefm {

static std::atomic<bool> gOn{false};
static std::mutex gMu;
static std::map<std::pair<std::string, std::string>, KernelProfileEntry> gEntries;

bool profilingKernels() { return gOn.load(std::memory_order_relaxed); }

static std::string shapesOf(const KernelCall& call) {
  std::string s;
  for (const TensorView& t : call.in) {
    if (!s.empty()) s += ' ';
    s += '[';
    for (size_t d = 0; d < t.shape.size(); d++) s += (d ? "," : "") + std::to_string(t.shape[d]);
    s += ']';
  }
  return s;
}

std::vector<KernelProfileEntry> setKernelProfiling(bool on) {
  std::lock_guard<std::mutex> lk(gMu);
  std::vector<KernelProfileEntry> out;
  if (!on) {
    for (auto& [key, e] : gEntries) out.push_back(e);
    std::sort(out.begin(), out.end(), [](const KernelProfileEntry& a, const KernelProfileEntry& b) { return a.ms > b.ms; });
  }
  gEntries.clear();
  gOn.store(on, std::memory_order_relaxed);
  return out;
}

void recordKernel(const KernelCall& call, double ms) {
  std::string shapes = shapesOf(call);
  std::lock_guard<std::mutex> lk(gMu);
  KernelProfileEntry& e = gEntries[{call.name, shapes}];
  if (!e.calls) e.kernel = call.name, e.shapes = shapes;
  e.calls++;
  e.ms += ms;
}

}  // namespace cefm
