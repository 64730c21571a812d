// Internals of sgemm (gemm.cc): the register-blocked micro-kernels, one per SIMD level, and the
// packing routines they read from. Each ISA's file compiles its kernel under its own target
// attribute, so one portable build carries every path and gemm.cc picks one at run time.
#pragma once
#include <cstdint>

#include "gemm.h"

namespace cefm {
namespace gemm {

// Packed layouts (zero-padded so kernels always run full tiles):
//   A panel: MR rows of A over kc steps, k-major: a[k * MR + i]   (alpha already applied)
//   B panel: NR columns of B over kc steps, k-major: b[k * NR + j]
// The kernel computes the MR x NR tile acc = sum_k a[k, :] (x) b[k, :] and writes its top-left
// mr x nr corner: C = acc (beta == 0, C may hold NaN) or C = acc + beta * C.
using MicroKernelFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float beta, int mr,
                               int nr);

// Copies rows [0, m) x steps [0, kc) of op(A) into ceil(m / MR) panels, scaled by alpha.
// src points at op(A)[0, 0]; op(A)[i, k] = trans ? src[k * ld + i] : src[i * ld + k].
using PackAFn = void (*)(const float* src, int64_t ld, bool trans, int64_t m, int64_t kc, float alpha, float* dst);
// Copies steps [0, kc) x columns [0, n) of op(B) into ceil(n / NR) panels.
// op(B)[k, j] = trans ? src[j * ld + k] : src[k * ld + j].
using PackBFn = void (*)(const float* src, int64_t ld, bool trans, int64_t kc, int64_t n, float* dst);

struct MicroKernel {
  const char* level;  // the simdLevel() it serves
  int mr, nr;         // register tile
  int kc;             // k block: an A panel (MR x kc) stays in L1 while B panels stream past it
  int nc;             // columns of B one thread packs at a time: its B block (kc x nc) stays in L2
  int mc;             // rows of A packed at once (shared by all threads, in L3)
  MicroKernelFn run;
  PackAFn packA;
  PackBFn packB;
};

// Only the kernels of the build's architecture exist; kernelFor() picks among them.
#if defined(__x86_64__) || defined(_M_X64)
const MicroKernel& avx512Kernel();
const MicroKernel& avx2Kernel();
#endif
#if defined(__aarch64__)
const MicroKernel& neonKernel();
#endif
const MicroKernel& scalarKernel();

// Edge tiles: a kernel without masked stores computes the full tile into `tile` (row stride ldt)
// and hands its mr x nr corner to C here.
inline void storeTileCorner(const float* tile, int ldt, float* c, int64_t ldc, float beta, int mr, int nr) {
  for (int i = 0; i < mr; i++) {
    float* row = c + i * ldc;
    const float* t = tile + i * ldt;
    if (beta == 0.0f) {
      for (int j = 0; j < nr; j++) row[j] = t[j];
    } else {
      for (int j = 0; j < nr; j++) row[j] = t[j] + beta * row[j];
    }
  }
}

// Products with at most this many rows, or columns, skip packing and tiles (gemm_small.cc);
// measured crossovers against the packed path on AVX-512.
constexpr int64_t kSmallRows = 4, kSmallCols = 8;
inline bool isSmallProduct(int64_t M, int64_t N) { return M <= kSmallRows || N <= kSmallCols; }

struct SmallProduct {
  bool transA, transB;
  int64_t M, N, K;
  float alpha;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
  float beta;
  float* C;
  int64_t ldc;
  const GemmEpilogue* epilogue;  // or null
};

void runSmallProduct(const SmallProduct& p);

// The kernel for a simdLevel() string ("avx512", "avx2", "neon", "scalar").
const MicroKernel& kernelFor(const char* level);

}  // namespace gemm
}  // namespace cefm
