// Run-time CPU feature detection: one portable build picks its SIMD path when it starts.
#pragma once
#include <string>

namespace cefm {

struct CpuFeatures {
  bool avx2 = false, fma = false, avx512f = false, neon = false;
};

const CpuFeatures& cpu();
// The SIMD level kernels use: "avx512", "avx2", "neon" or "scalar" (CEFM_SIMD caps it).
const std::string& simdLevel();

}  // namespace cefm

// Function attributes for x86 SIMD code paths compiled into the portable build.
#if defined(__x86_64__) || defined(_M_X64)
#define CEFM_X86 1
#define CEFM_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define CEFM_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#else
#define CEFM_TARGET_AVX2
#define CEFM_TARGET_AVX512
#endif
