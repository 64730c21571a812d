// Per-kernel time on the stream, for finding the slowest op of a real model pass
// (`kernelProfile(true)` … work … `kernelProfile(false)`). Off, it costs one relaxed load per kernel.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernel.h"

namespace cefm {

struct KernelProfileEntry {
  std::string kernel;
  std::string shapes;  // input shapes, e.g. "[16,3,96,96] [12,3,3,3]"
  int64_t calls = 0;
  double ms = 0;
};

bool profilingKernels();
// Starts a fresh profile (true) or stops and returns the entries, slowest first (false).
std::vector<KernelProfileEntry> setKernelProfiling(bool on);
void recordKernel(const KernelCall& call, double ms);

}  // namespace cefm
