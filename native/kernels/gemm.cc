// The sgemm driver: cache blocking, packing and threading around the micro-kernel of the active
// SIMD level (gemm_kernels.h).
//
//   1. op(A) is packed into MR-row panels shared by all threads, in parallel (or comes from a
//      GemmPackedA): all of it at once when it fits kWholeAFloats, else one M x K block at a time;
//   2. the columns of C (and, when there are too few, its rows) are shared out as work items; each
//      item packs its own op(B)[kc x nc] chunks into NR-column panels (L2), or has the caller's
//      GemmBPacker write them, and runs the micro-kernel over every (A panel, B panel) pair, the
//      A panel staying in L1 while the B panels stream past it; with A packed whole, an item goes
//      through every K block in turn.
// No item waits for another's packing: one join after packing A, one after the items.
// Products with very few rows or columns skip all this (gemm_small.cc).
#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

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
  static const MicroKernel& k = gemm::kernelFor(simdLevel().c_str());
  return k;
}

// Grow-only, 64-byte aligned scratch memory; one per thread and role, kept between calls.
class Scratch {
 public:
  ~Scratch() { release(); }
  float* get(size_t n) {
    if (n > capacity_) {
      release();
      const size_t capacity = (n + 4095) & ~size_t(4095);
      data_ = static_cast<float*>(::operator new(capacity * sizeof(float), kAlign));
      capacity_ = capacity;
    }
    return data_;
  }

 private:
  static constexpr std::align_val_t kAlign{64};
  void release() {
    if (data_) ::operator delete(data_, kAlign);
    data_ = nullptr;
    capacity_ = 0;
  }
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

thread_local Scratch sharedA;   // the packed A block (B when B-stationary), read by every thread of the call
thread_local Scratch privateB;  // a work item's packed B chunk

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t roundUp(int64_t a, int64_t b) { return ceilDiv(a, b) * b; }

// Splits `total` into the fewest blocks of at most `maxBlock`, of equal size rounded up to `unit`.
int64_t evenBlock(int64_t total, int64_t maxBlock, int64_t unit) {
  return roundUp(ceilDiv(total, ceilDiv(total, maxBlock)), unit);
}

// The largest k block for depth K: equal blocks of at most the kernel's kc.
int64_t kBlock(const MicroKernel& uk, int64_t K) { return evenBlock(K, uk.kc, 1); }

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
  const GemmPackedA* packedA;  // op(A) already packed (then A is unused)
  const GemmBPacker* bPacker;  // B packs itself (then B is unused)

  const float* aAt(int64_t i, int64_t k) const { return transA ? A + k * lda + i : A + i * lda + k; }
  const float* bAt(int64_t k, int64_t j) const { return transB ? B + j * ldb + k : B + k * ldb + j; }
};

// Packs rows [0, rows) x steps [0, kc) of op(A) from (i0, k0) into MR-row panels, over the pool.
void packAPanels(const MicroKernel& uk, const Problem& p, int64_t i0, int64_t k0, int64_t rows, int64_t kc,
                 bool serial, float* dst) {
  const int64_t panels = ceilDiv(rows, uk.mr);
  const int64_t grain = serial ? panels : std::max<int64_t>(1, 32768 / (uk.mr * kc));
  parallelFor(panels, grain, [&](int64_t q0, int64_t q1) {
    const int64_t r0 = q0 * uk.mr, r1 = std::min(rows, q1 * uk.mr);
    uk.packA(p.aAt(i0 + r0, k0), p.lda, p.transA, r1 - r0, kc, p.alpha, dst + r0 * kc);
  });
}

// "Whole A": op(A) packed K block by K block, each over all its rows (padded to MR), so the panels
// of rows [i0, ...) of the block at step k0 start at k0 * paddedRows + i0 * kc. A GemmPackedA
// holds one; multiply() packs one into scratch when A is small enough.
const float* wholeABlock(const float* data, int64_t paddedRows, int64_t K, int64_t kcMax, int64_t k0, int64_t i0) {
  return data + k0 * paddedRows + i0 * std::min(kcMax, K - k0);
}

// Packs the whole of op(A) in one pass over the pool: every (K block, run of panels) piece.
void packWholeA(const MicroKernel& uk, const Problem& p, int64_t kcMax, bool serial, float* dst) {
  const int64_t paddedRows = roundUp(p.M, uk.mr), panels = paddedRows / uk.mr, kBlocks = ceilDiv(p.K, kcMax);
  const int64_t grain = serial ? panels * kBlocks : std::max<int64_t>(1, 32768 / (uk.mr * kcMax));
  parallelFor(panels * kBlocks, grain, [&](int64_t t0, int64_t t1) {
    while (t0 < t1) {  // the range as runs of panels within one K block
      const int64_t k0 = t0 / panels * kcMax, q0 = t0 % panels, q1 = std::min(panels, q0 + (t1 - t0));
      const int64_t kc = std::min(kcMax, p.K - k0), r0 = q0 * uk.mr, r1 = std::min(p.M, q1 * uk.mr);
      uk.packA(p.aAt(r0, k0), p.lda, p.transA, r1 - r0, kc, p.alpha, dst + k0 * paddedRows + r0 * kc);
      t0 += q1 - q0;
    }
  });
}

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
  // the first panel of part t out of `parts` over n panels
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

// One K block (steps [k0, k0 + kc)) of one M block (rows [i0, i0 + mc)) against all of B.
struct Block {
  int64_t k0, kc, i0, mc;
  const float* packedA;
  float beta;  // the caller's beta for the first K block, then 1: later blocks accumulate
  bool lastK;  // the epilogue runs once C holds the full sum
};

// Work item t of split s: its B chunks packed in turn, each multiplied by the item's A panels.
void computeItem(const MicroKernel& uk, const Problem& p, const Block& b, const Split& s, int64_t t) {
  const int64_t MR = uk.mr, NR = uk.nr;
  const int64_t cp = t % s.colParts, rp = t / s.colParts;
  const int64_t q0 = Split::bound(cp, s.colParts, s.colPanels), q1 = Split::bound(cp + 1, s.colParts, s.colPanels);
  const int64_t r0 = Split::bound(rp, s.rowParts, s.rowPanels) * MR;
  const int64_t r1 = std::min(b.mc, Split::bound(rp + 1, s.rowParts, s.rowPanels) * MR);
  const int64_t chunkPanels = std::max<int64_t>(1, uk.nc / NR);  // a packed B chunk stays in L2
  for (int64_t qc = q0; qc < q1; qc += chunkPanels) {
    const int64_t j0 = qc * NR, cols = std::min(std::min(q1, qc + chunkPanels) * NR, p.N) - j0;
    float* packedB = privateB.get(size_t(roundUp(cols, NR) * b.kc));
    if (p.bPacker) p.bPacker->pack(p.bPacker->ctx, b.k0, b.kc, j0, cols, uk.nr, packedB);
    else uk.packB(p.bAt(b.k0, j0), p.ldb, p.transB, b.kc, cols, packedB);
    for (int64_t ir = r0; ir < r1; ir += MR) {
      const int mr = int(std::min(MR, r1 - ir));
      const float* a = b.packedA + ir * b.kc;
      float* cRow = p.C + (b.i0 + ir) * p.ldc;
      for (int64_t jr = 0; jr < cols; jr += NR) {
        uk.run(b.kc, a, packedB + jr * b.kc, cRow + j0 + jr, p.ldc, b.beta, mr, int(std::min(NR, cols - jr)));
      }
      if (b.lastK && p.epilogue) p.epilogue->apply(p.epilogue->ctx, cRow + j0, p.ldc, b.i0 + ir, j0, mr, cols);
    }
  }
}

// Up to this many floats, op(A) is packed whole up front: each thread then takes its columns
// through every K block with no join between blocks (a join is a sleep and a wake-up, which a
// busy machine stretches). Larger As are packed M block by K block, one join per block.
constexpr int64_t kWholeAFloats = int64_t(8) << 20;  // 32 MB

// A product whose op(B) is one K block and packs into at most this many floats (an L2's worth)
// runs "B-stationary": B packed once, then each thread takes runs of A's rows, packing each MR-row
// panel of A just before multiplying it by every B panel. There is no separate pass over A and no
// join after it: ViT-tiny's 1576×192·192×576 qkv product ran ~7% under OpenBLAS the other way.
constexpr int64_t kStationaryBFloats = int64_t(256) << 10;  // 1 MB

bool stationaryB(const MicroKernel& uk, const Problem& p, int64_t kcMax, int threads) {
  static const bool on = [] {  // CEFM_GEMM_STATIONARY_B=0: always the A-block path, for comparisons
    const char* env = std::getenv("CEFM_GEMM_STATIONARY_B");
    return !(env && env[0] == '0');
  }();
  return on && !p.packedA && !p.bPacker && p.K <= kcMax && roundUp(p.N, uk.nr) * p.K <= kStationaryBFloats &&
         p.M >= int64_t(4) * threads * uk.mr;
}

void multiplyStationaryB(const MicroKernel& uk, const Problem& p, int threads) {
  const int64_t MR = uk.mr, NR = uk.nr, K = p.K, colPanels = ceilDiv(p.N, NR);
  float* packedB = sharedA.get(size_t(colPanels * NR * K));
  parallelFor(colPanels, std::max<int64_t>(1, 16384 / (NR * K)), [&](int64_t q0, int64_t q1) {
    const int64_t j0 = q0 * NR, cols = std::min(q1 * NR, p.N) - j0;
    uk.packB(p.bAt(0, j0), p.ldb, p.transB, K, cols, packedB + j0 * K);
  });
  const int64_t rowPanels = ceilDiv(p.M, MR), parts = std::min(rowPanels, int64_t(4) * threads);
  parallelFor(parts, 1, [&](int64_t t0, int64_t t1) {
    float* a = privateB.get(size_t(MR * K));
    for (int64_t t = t0; t < t1; t++) {
      for (int64_t q = t * rowPanels / parts; q < (t + 1) * rowPanels / parts; q++) {
        const int64_t i0 = q * MR;
        const int mr = int(std::min(MR, p.M - i0));
        uk.packA(p.aAt(i0, 0), p.lda, p.transA, mr, K, p.alpha, a);
        float* cRow = p.C + i0 * p.ldc;
        for (int64_t j = 0; j < p.N; j += NR) {
          uk.run(K, a, packedB + j * K, cRow + j, p.ldc, p.beta, mr, int(std::min(NR, p.N - j)));
        }
        if (p.epilogue) p.epilogue->apply(p.epilogue->ctx, cRow, p.ldc, i0, 0, mr, p.N);
      }
    }
  });
}

void multiply(const Problem& p) {
  const MicroKernel& uk = activeKernel();
  const int64_t kcMax = kBlock(uk, p.K), paddedRows = roundUp(p.M, uk.mr);
  // Small products are not worth waking the pool for.
  const bool serial = double(p.M) * double(p.N) * double(p.K) < 64.0 * 64.0 * 64.0;
  const int threads = serial ? 1 : numThreads();
  if (stationaryB(uk, p, kcMax, threads)) {
    multiplyStationaryB(uk, p, threads);
    return;
  }
  const auto blockOf = [&](int64_t k0, int64_t i0, int64_t mc, const float* packedA) {
    const int64_t kc = std::min(kcMax, p.K - k0);
    return Block{k0, kc, i0, mc, packedA, k0 == 0 ? p.beta : 1.0f, k0 + kc == p.K};
  };

  if (p.packedA || paddedRows * p.K <= kWholeAFloats) {
    const float* whole = nullptr;
    if (!p.packedA) {
      float* dst = sharedA.get(size_t(paddedRows * p.K));
      packWholeA(uk, p, kcMax, serial, dst);
      whole = dst;
    }
    const Split s = splitWork(uk, p.M, p.N, threads);
    parallelFor(s.colParts * s.rowParts, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; t++)
        for (int64_t k0 = 0; k0 < p.K; k0 += kcMax) {
          const float* a = p.packedA ? p.packedA->block(k0, 0) : wholeABlock(whole, paddedRows, p.K, kcMax, k0, 0);
          computeItem(uk, p, blockOf(k0, 0, p.M, a), s, t);
        }
    });
    return;
  }

  const int64_t mcMax = evenBlock(p.M, uk.mc, uk.mr);
  for (int64_t k0 = 0; k0 < p.K; k0 += kcMax) {
    for (int64_t i0 = 0; i0 < p.M; i0 += mcMax) {
      const int64_t mc = std::min(mcMax, p.M - i0), kc = std::min(kcMax, p.K - k0);
      float* packedA = sharedA.get(size_t(roundUp(mc, uk.mr) * kc));
      packAPanels(uk, p, i0, k0, mc, kc, serial, packedA);
      const Block b = blockOf(k0, i0, mc, packedA);
      const Split s = splitWork(uk, mc, p.N, threads);
      parallelFor(s.colParts * s.rowParts, 1, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; t++) computeItem(uk, p, b, s, t);
      });
    }
  }
}

void run(const Problem& p) {
  if (p.M <= 0 || p.N <= 0) return;
  if (p.K <= 0 || p.alpha == 0.0f) {
    scaleOnly(p);
  } else if (!p.packedA && !p.bPacker && gemm::isSmallProduct(p.M, p.N)) {
    gemm::runSmallProduct({p.transA, p.transB, p.M, p.N, p.K, p.alpha, p.A, p.lda, p.B, p.ldb, p.beta, p.C, p.ldc,
                           p.epilogue});
  } else {
    multiply(p);
  }
}

}  // namespace

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  run({transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, nullptr, nullptr, nullptr});
}

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const GemmEpilogue& epilogue) {
  run({transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, &epilogue, nullptr, nullptr});
}

void sgemmBatched(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* const* A,
                  int64_t lda, const float* const* B, int64_t ldb, float beta, float* const* C, int64_t ldc,
                  int64_t count) {
  std::vector<float*> outs(C, C + std::max<int64_t>(count, 0));
  std::sort(outs.begin(), outs.end());
  const bool distinct = std::adjacent_find(outs.begin(), outs.end()) == outs.end();
  const auto product = [&](int64_t z) {
    sgemm(transA, transB, M, N, K, alpha, A[z], lda, B[z], ldb, beta, C[z], ldc);
  };
  if (distinct && count >= numThreads()) {
    parallelFor(count, 1, [&](int64_t z0, int64_t z1) {  // each sgemm inside runs on its thread alone
      for (int64_t z = z0; z < z1; z++) product(z);
    });
  } else {
    for (int64_t z = 0; z < count; z++) product(z);
  }
}

// Laid out as a "whole A" (see wholeABlock).
GemmPackedA::GemmPackedA(bool transA, int64_t M, int64_t K, float alpha, const float* A, int64_t lda)
    : M_(std::max<int64_t>(M, 0)), K_(std::max<int64_t>(K, 0)), alpha_(alpha) {
  const MicroKernel& uk = activeKernel();
  paddedRows_ = roundUp(M_, uk.mr);
  kcMax_ = K_ > 0 ? kBlock(uk, K_) : 1;
  data_.resize(size_t(paddedRows_ * K_));
  if (M_ == 0 || K_ == 0 || alpha == 0.0f) return;  // such products never read the panels
  const Problem p{transA, false, M_, 0, K_, alpha, A, lda, nullptr, 0, 0.0f, nullptr, 0, nullptr, nullptr, nullptr};
  packWholeA(uk, p, kcMax_, double(M_) * double(K_) < 65536.0, data_.data());
}

const float* GemmPackedA::block(int64_t k0, int64_t row0) const {
  return wholeABlock(data_.data(), paddedRows_, K_, kcMax_, k0, row0);
}

void sgemm(const GemmPackedA& A, bool transB, int64_t N, const float* B, int64_t ldb, float beta, float* C,
           int64_t ldc) {
  run({false, transB, A.rows(), N, A.depth(), A.alpha(), nullptr, 0, B, ldb, beta, C, ldc, nullptr, &A, nullptr});
}

void sgemm(const GemmPackedA& A, bool transB, int64_t N, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
           const GemmEpilogue& epilogue) {
  run({false, transB, A.rows(), N, A.depth(), A.alpha(), nullptr, 0, B, ldb, beta, C, ldc, &epilogue, &A, nullptr});
}

void sgemm(bool transA, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const GemmBPacker& B,
           float beta, float* C, int64_t ldc) {
  run({transA, false, M, N, K, alpha, A, lda, nullptr, 0, beta, C, ldc, nullptr, nullptr, &B});
}

void sgemm(const GemmPackedA& A, int64_t N, const GemmBPacker& B, float beta, float* C, int64_t ldc) {
  run({false, false, A.rows(), N, A.depth(), A.alpha(), nullptr, 0, nullptr, 0, beta, C, ldc, nullptr, &A, &B});
}

}  // namespace cefm
