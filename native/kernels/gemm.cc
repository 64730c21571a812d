// The sgemm driver: cache blocking, packing and threading around the micro-kernel of the active
// SIMD level (gemm_kernels.h).
//
// Loop structure (per K block of kc steps, per M block of mc rows):
//   1. pack op(A)[mc x kc] into MR-row panels, shared by all threads (L3), in parallel;
//   2. split the columns into chunks (and, when there are too few, the rows too); each chunk packs
//      its own op(B)[kc x chunk] into NR-column panels (L2) and runs the micro-kernel over every
//      (A panel, B panel) pair, the A panel staying in L1 while the B panels stream past it.
// Splitting over columns means no thread waits for another's packing: one join per block.
#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "../core/cpu.h"
#include "../core/parallel.h"
#include "gemm_kernels.h"

namespace cefm {

namespace gemm {

const MicroKernel& kernelFor(const char* level) {
#if defined(__x86_64__) || defined(_M_X64)
  if (std::strcmp(level, "avx512") == 0) return avx512Kernel();
  if (std::strcmp(level, "avx2") == 0) return avx2Kernel();
#endif
#if defined(__aarch64__)
  if (std::strcmp(level, "neon") == 0) return neonKernel();
#endif
  return scalarKernel();
}

}  // namespace gemm

namespace {

using gemm::MicroKernel;

const MicroKernel& activeKernel() {
#ifdef GEMM_TUNE
  static const MicroKernel k = [] { MicroKernel t = gemm::kernelFor(simdLevel().c_str());
    if (getenv("KC")) t.kc = atoi(getenv("KC")); if (getenv("NC")) t.nc = atoi(getenv("NC")); if (getenv("MC")) t.mc = atoi(getenv("MC")); return t; }();
#else
  static const MicroKernel& k = gemm::kernelFor(simdLevel().c_str());
#endif
  return k;
}

// Grow-only, 64-byte aligned scratch memory; one per thread and role, kept between calls.
class Scratch {
 public:
  ~Scratch() { std::free(data_); }
  float* get(size_t n) {
    if (n > capacity_) {
      std::free(data_);
      capacity_ = (n + 4095) & ~size_t(4095);
      data_ = static_cast<float*>(std::aligned_alloc(64, capacity_ * sizeof(float)));
      if (!data_) {
        capacity_ = 0;
        throw std::bad_alloc();
      }
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

thread_local Scratch sharedA;   // the packed A block, read by every thread of the call
thread_local Scratch privateB;  // a chunk's packed B panels

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t roundUp(int64_t a, int64_t b) { return ceilDiv(a, b) * b; }

// Splits `total` into the fewest blocks of at most `maxBlock`, of equal size rounded up to `unit`.
int64_t evenBlock(int64_t total, int64_t maxBlock, int64_t unit) {
  return roundUp(ceilDiv(total, ceilDiv(total, maxBlock)), unit);
}

struct Problem {
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
  const GemmEpilogue* epilogue;

  const float* aAt(int64_t i, int64_t k) const { return transA ? A + k * lda + i : A + i * lda + k; }
  const float* bAt(int64_t k, int64_t j) const { return transB ? B + j * ldb + k : B + k * ldb + j; }
};

// C = beta * C, the whole answer when there is nothing to multiply (K == 0 or alpha == 0).
void scaleOnly(const Problem& p) {
  parallelFor(p.M, std::max<int64_t>(1, 65536 / std::max<int64_t>(p.N, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; i++) {
      float* row = p.C + i * p.ldc;
      for (int64_t j = 0; j < p.N; j++) row[j] = p.beta == 0.0f ? 0.0f : p.beta * row[j];
      if (p.epilogue) p.epilogue->apply(p.epilogue->ctx, row, p.ldc, i, 0, 1, p.N);
    }
  });
}

// How the compute of one mc x kc block of A against all of B is shared out: a grid of column
// parts x row parts, each an independent work item that packs its own B panels. Parts are whole
// panels, spread evenly; about two items per thread let the pool balance uneven progress.
struct Split {
  int64_t colPanels, rowPanels;  // panels of NR columns / MR rows
  int64_t colParts, rowParts;
  // [begin, end) of part t out of parts over n panels
  static int64_t bound(int64_t t, int64_t parts, int64_t n) { return t * n / parts; }
};

Split splitWork(const MicroKernel& uk, int64_t mc, int64_t N, int threads) {
  Split s;
  s.colPanels = ceilDiv(N, uk.nr);
  s.rowPanels = ceilDiv(mc, uk.mr);
  const int64_t target = threads > 1 ? 2 * int64_t(threads) : 1;
  s.colParts = std::min(s.colPanels, target);
  // Too few columns for the threads: split rows too (each row part repacks its B panels, which is
  // cheap exactly when B is narrow).
  s.rowParts = std::min(s.rowPanels, ceilDiv(target, s.colParts));
  return s;
}

void multiply(const Problem& p) {
  const MicroKernel& uk = activeKernel();
  const int64_t MR = uk.mr, NR = uk.nr;
  const int64_t kcMax = evenBlock(p.K, uk.kc, 1);
  const int64_t mcMax = evenBlock(p.M, uk.mc, MR);
  // Small products are not worth waking the pool for.
  const bool serial = double(p.M) * double(p.N) * double(p.K) < 64.0 * 64.0 * 64.0;
  const int threads = serial ? 1 : numThreads();

  for (int64_t pc = 0; pc < p.K; pc += kcMax) {
    const int64_t kc = std::min(kcMax, p.K - pc);
    const float betaBlock = pc == 0 ? p.beta : 1.0f;
    const bool lastK = pc + kc == p.K;
    for (int64_t ic = 0; ic < p.M; ic += mcMax) {
      const int64_t mc = std::min(mcMax, p.M - ic);
      const int64_t rowPanels = ceilDiv(mc, MR);
      float* packedA = sharedA.get(size_t(rowPanels * MR * kc));
      const int64_t panelGrain = serial ? rowPanels : std::max<int64_t>(1, 32768 / (MR * kc));
      parallelFor(rowPanels, panelGrain, [&](int64_t q0, int64_t q1) {
        const int64_t i0 = q0 * MR, rows = std::min(mc, q1 * MR) - i0;
        uk.packA(p.aAt(ic + i0, pc), p.lda, p.transA, rows, kc, p.alpha, packedA + i0 * kc);
      });

      const Split s = splitWork(uk, mc, p.N, threads);
      const int64_t ncPanels = std::max<int64_t>(1, uk.nc / NR);  // a packed B chunk stays in L2
      parallelFor(s.colParts * s.rowParts, 1, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; t++) {
          const int64_t cp = t % s.colParts, rp = t / s.colParts;
          const int64_t q0 = Split::bound(cp, s.colParts, s.colPanels), q1 = Split::bound(cp + 1, s.colParts, s.colPanels);
          const int64_t i0 = Split::bound(rp, s.rowParts, s.rowPanels) * MR;
          const int64_t i1 = std::min(mc, Split::bound(rp + 1, s.rowParts, s.rowPanels) * MR);
          for (int64_t qc = q0; qc < q1; qc += ncPanels) {
            const int64_t j0 = qc * NR, cols = std::min(std::min(q1, qc + ncPanels) * NR, p.N) - j0;
            float* packedB = privateB.get(size_t(roundUp(cols, NR) * kc));
            uk.packB(p.bAt(pc, j0), p.ldb, p.transB, kc, cols, packedB);
            for (int64_t ir = i0; ir < i1; ir += MR) {
              const int mr = int(std::min(MR, i1 - ir));
              const float* a = packedA + ir * kc;
              float* cRow = p.C + (ic + ir) * p.ldc;
              for (int64_t jr = 0; jr < cols; jr += NR) {
                uk.run(kc, a, packedB + jr * kc, cRow + j0 + jr, p.ldc, betaBlock, mr, int(std::min(NR, cols - jr)));
              }
              if (lastK && p.epilogue) p.epilogue->apply(p.epilogue->ctx, cRow + j0, p.ldc, ic + ir, j0, mr, cols);
            }
          }
        }
      });
    }
  }
}

void run(const Problem& p) {
  if (p.M <= 0 || p.N <= 0) return;
  if (p.K <= 0 || p.alpha == 0.0f) {
    scaleOnly(p);
    return;
  }
  multiply(p);
}

}  // namespace

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  run({transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, nullptr});
}

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const GemmEpilogue& epilogue) {
  run({transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, &epilogue});
}

const char* sgemmKernelName() {
  static const std::string name = [] {
    const MicroKernel& k = activeKernel();
    return std::string(k.level) + " " + std::to_string(k.mr) + "x" + std::to_string(k.nr);
  }();
  return name.c_str();
}

}  // namespace cefm
