// The machine's peak single-precision FLOP/s, measured: a register-only FMA loop (no memory
// traffic) on one core and on every core at once. The yardstick for "share of peak".
#pragma once
#include <napi.h>

#include <string>

namespace cefm {

struct PeakFlops {
  std::string isa;  // the widest FMA the CPU has: "avx512", "avx2", "neon" or "scalar"
  int threads;
  double perCoreGflops, totalGflops;
};

PeakFlops measurePeakFlops(int threads);

// JS: measurePeak(threads?) -> { isa, threads, perCoreGflops, totalGflops } (blocks ~1 s).
Napi::Value MeasurePeak(const Napi::CallbackInfo& info);

}  // namespace cefm
