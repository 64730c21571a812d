#include "cpu.h"

#include <cstdlib>

namespace cefm {

static CpuFeatures detect() {
  CpuFeatures f;
#if defined(CEFM_X86)
  __builtin_cpu_init();
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  f.avx512f = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
              __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#elif defined(__aarch64__)
  f.neon = true;  // baseline on arm64
#endif
  return f;
}

const CpuFeatures& cpu() {
  static const CpuFeatures f = detect();
  return f;
}

static int rank(const std::string& level) {
  if (level == "avx512") return 3;
  if (level == "avx2") return 2;
  if (level == "neon") return 1;
  return 0;
}

static std::string pickLevel() {
  const CpuFeatures& f = cpu();
  std::string best = f.avx512f && f.fma ? "avx512" : (f.avx2 && f.fma ? "avx2" : (f.neon ? "neon" : "scalar"));
  // CEFM_SIMD=avx2|scalar|... caps the level (for testing every path on one machine).
  const char* cap = std::getenv("CEFM_SIMD");
  if (cap && *cap && rank(cap) < rank(best)) best = cap;
  return best;
}

const std::string& simdLevel() {
  static const std::string level = pickLevel();
  return level;
}

}  // namespace cefm
