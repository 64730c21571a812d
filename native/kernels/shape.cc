// permute, transpose, reshape, concat and their backward: every one is a strided copy
// (src/ts/ops/strided.ts), coalesced, then run as memcpy rows or cache-tiled 2-D transposes.
#include <algorithm>
#include <cstring>
#include <vector>

#include "../core/kernel.h"
#include "../core/parallel.h"
#include "simd.h"

namespace cefm {

namespace {

// dst[dstOffset + Σ i_d·dstStrides_d] = src[srcOffset + Σ i_d·srcStrides_d] over every index of shape.
struct StridedCopy {
  std::vector<int64_t> shape, srcStrides, dstStrides;
  int64_t srcOffset = 0, dstOffset = 0;
};

std::vector<int64_t> contiguousStrides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

// Drops size-1 dims and merges neighbours that are contiguous on both sides.
StridedCopy coalesce(const StridedCopy& c) {
  StridedCopy r;
  r.srcOffset = c.srcOffset;
  r.dstOffset = c.dstOffset;
  for (size_t d = 0; d < c.shape.size(); d++) {
    int64_t n = c.shape[d];
    if (n == 1) continue;
    if (!r.shape.empty() && r.srcStrides.back() == n * c.srcStrides[d] && r.dstStrides.back() == n * c.dstStrides[d]) {
      r.shape.back() *= n;
      r.srcStrides.back() = c.srcStrides[d];
      r.dstStrides.back() = c.dstStrides[d];
    } else {
      r.shape.push_back(n);
      r.srcStrides.push_back(c.srcStrides[d]);
      r.dstStrides.push_back(c.dstStrides[d]);
    }
  }
  return r;
}

constexpr int64_t kTile = 32;

// d[i·ds + j] = s[j·ss + i] for i < ni, j < nj: a 2-D transpose. Full 8×8 blocks go through
// registers (AVX: unpack, shuffle, 128-bit swap) where the CPU has it, the edges one by one.
#if defined(CEFM_X86)
CEFM_TARGET_AVX2 __attribute__((noinline)) void transposeBlocks8(const float* s, int64_t ss, float* d, int64_t ds, int64_t ni,
                                                                  int64_t nj) {
  for (int64_t i0 = 0; i0 + 8 <= ni; i0 += 8)
    for (int64_t j0 = 0; j0 + 8 <= nj; j0 += 8) {
      const float* sb = s + j0 * ss + i0;
      float* db = d + i0 * ds + j0;
      __m256 r0 = _mm256_loadu_ps(sb), r1 = _mm256_loadu_ps(sb + ss), r2 = _mm256_loadu_ps(sb + 2 * ss), r3 = _mm256_loadu_ps(sb + 3 * ss);
      __m256 r4 = _mm256_loadu_ps(sb + 4 * ss), r5 = _mm256_loadu_ps(sb + 5 * ss), r6 = _mm256_loadu_ps(sb + 6 * ss), r7 = _mm256_loadu_ps(sb + 7 * ss);
      __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
      __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5), t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
      __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE), u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
      __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE), u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      _mm256_storeu_ps(db, _mm256_permute2f128_ps(u0, u4, 0x20));
      _mm256_storeu_ps(db + ds, _mm256_permute2f128_ps(u1, u5, 0x20));
      _mm256_storeu_ps(db + 2 * ds, _mm256_permute2f128_ps(u2, u6, 0x20));
      _mm256_storeu_ps(db + 3 * ds, _mm256_permute2f128_ps(u3, u7, 0x20));
      _mm256_storeu_ps(db + 4 * ds, _mm256_permute2f128_ps(u0, u4, 0x31));
      _mm256_storeu_ps(db + 5 * ds, _mm256_permute2f128_ps(u1, u5, 0x31));
      _mm256_storeu_ps(db + 6 * ds, _mm256_permute2f128_ps(u2, u6, 0x31));
      _mm256_storeu_ps(db + 7 * ds, _mm256_permute2f128_ps(u3, u7, 0x31));
    }
}
#endif

void transpose2d(const float* s, int64_t ss, float* d, int64_t ds, int64_t ni, int64_t nj) {
  int64_t fi = 0, fj = 0;  // the extent the 8×8 blocks covered
#if defined(CEFM_X86)
  if (simd::width() >= 8) {
    transposeBlocks8(s, ss, d, ds, ni, nj);
    fi = ni & ~int64_t(7);
    fj = nj & ~int64_t(7);
  }
#endif
  for (int64_t i = 0; i < ni; i++)
    for (int64_t j = i < fi ? fj : 0; j < nj; j++) d[i * ds + j] = s[j * ss + i];
}

// The last two dims form 2-D blocks (rows x cols); the dims before them are the outer loop.
void runCopy(const StridedCopy& raw, const float* src, float* dst) {
  for (int64_t n : raw.shape)
    if (n == 0) return;
  StridedCopy c = coalesce(raw);
  while (c.shape.size() < 2) {  // pad to rank 2 with leading size-1 dims
    c.shape.insert(c.shape.begin(), 1);
    c.srcStrides.insert(c.srcStrides.begin(), 0);
    c.dstStrides.insert(c.dstStrides.begin(), 0);
  }
  const size_t rank = c.shape.size();
  const int64_t rows = c.shape[rank - 2], cols = c.shape[rank - 1];
  const int64_t sr = c.srcStrides[rank - 2], sc = c.srcStrides[rank - 1];
  const int64_t dr = c.dstStrides[rank - 2], dc = c.dstStrides[rank - 1];
  int64_t outer = 1;
  for (size_t d = 0; d + 2 < rank; d++) outer *= c.shape[d];
  const bool rowsContiguous = sc == 1 && dc == 1;
  const int64_t rowBlock = rowsContiguous ? std::max<int64_t>(1, 16384 / cols) : kTile;
  const int64_t rowBlocks = (rows + rowBlock - 1) / rowBlock;

  parallelFor(outer * rowBlocks, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      int64_t o = t / rowBlocks, rb = t % rowBlocks;
      // offsets of outer index o
      int64_t so = c.srcOffset, doff = c.dstOffset, rem = o;
      for (size_t d = rank - 2; d-- > 0;) {
        int64_t i = rem % c.shape[d];
        rem /= c.shape[d];
        so += i * c.srcStrides[d];
        doff += i * c.dstStrides[d];
      }
      const int64_t r0 = rb * rowBlock, r1 = std::min(rows, r0 + rowBlock);
      if (rowsContiguous) {
        for (int64_t r = r0; r < r1; r++) std::memcpy(dst + doff + r * dr, src + so + r * sr, size_t(cols) * sizeof(float));
        continue;
      }
      // tiles keep both the strided reads and the strided writes inside a few cache lines
      for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
        const int64_t c1 = std::min(cols, c0 + kTile);
        // one side contiguous along rows, the other along columns: a 2-D transpose
        if (sr == 1 && dc == 1) {
          transpose2d(src + so + r0 + c0 * sc, sc, dst + doff + r0 * dr + c0, dr, r1 - r0, c1 - c0);
          continue;
        }
        if (sc == 1 && dr == 1) {
          transpose2d(src + so + r0 * sr + c0, sr, dst + doff + c0 * dc + r0, dc, c1 - c0, r1 - r0);
          continue;
        }
        for (int64_t r = r0; r < r1; r++) {
          const float* s = src + so + r * sr;
          float* d = dst + doff + r * dr;
          for (int64_t k = c0; k < c1; k++) d[k * dc] = s[k * sc];
        }
      }
    }
  });
}

StridedCopy permuteCopy(const std::vector<int64_t>& xShape, const std::vector<int64_t>& perm) {
  std::vector<int64_t> xs = contiguousStrides(xShape);
  StridedCopy c;
  for (int64_t p : perm) {
    c.shape.push_back(xShape[size_t(p)]);
    c.srcStrides.push_back(xs[size_t(p)]);
  }
  c.dstStrides = contiguousStrides(c.shape);
  return c;
}

StridedCopy flatCopy(int64_t n) {
  StridedCopy c;
  c.shape = {n};
  c.srcStrides = {1};
  c.dstStrides = {1};
  return c;
}

// Input k of a concat sits in y at its running offset along dim; y's strides address it.
std::vector<StridedCopy> concatCopies(const std::vector<TensorView>& xs, size_t count, const std::vector<int64_t>& yShape,
                                      int64_t dim) {
  std::vector<int64_t> ys = contiguousStrides(yShape);
  std::vector<StridedCopy> copies;
  int64_t at = 0;
  for (size_t k = 0; k < count; k++) {
    StridedCopy c;
    c.shape = xs[k].shape;
    c.srcStrides = contiguousStrides(c.shape);
    c.dstStrides = ys;
    c.dstOffset = at * ys[size_t(dim)];
    at += xs[k].shape[size_t(dim)];
    copies.push_back(c);
  }
  return copies;
}

void reversed(StridedCopy& c) {
  std::swap(c.srcStrides, c.dstStrides);
  std::swap(c.srcOffset, c.dstOffset);
}

void permuteForward(KernelCall& c) { runCopy(permuteCopy(c.in[0].shape, c.attrs.ints("dims")), c.in[0].data, c.out[0].data); }

// inputs: x, y, dy -> dx = dy.permute(inverse(dims))
void permuteBackward(KernelCall& c) {
  std::vector<int64_t> dims = c.attrs.ints("dims"), inv(dims.size());
  for (size_t i = 0; i < dims.size(); i++) inv[size_t(dims[i])] = int64_t(i);
  runCopy(permuteCopy(c.in[2].shape, inv), c.in[2].data, c.out[0].data);
}

void reshapeForward(KernelCall& c) { runCopy(flatCopy(c.in[0].numel()), c.in[0].data, c.out[0].data); }
void reshapeBackward(KernelCall& c) { runCopy(flatCopy(c.in[0].numel()), c.in[2].data, c.out[0].data); }

void concatForward(KernelCall& c) {
  size_t n = c.in.size();
  auto copies = concatCopies(c.in, n, c.out[0].shape, c.attrs.i64("dim", 0));
  for (size_t k = 0; k < n; k++) runCopy(copies[k], c.in[k].data, c.out[0].data);
}

// inputs: x0..x{n-1}, y, dy -> dx0..dx{n-1}
void concatBackward(KernelCall& c) {
  size_t n = c.out.size();
  const TensorView& dy = c.in[n + 1];
  auto copies = concatCopies(c.in, n, dy.shape, c.attrs.i64("dim", 0));
  for (size_t k = 0; k < n; k++) {
    reversed(copies[k]);
    runCopy(copies[k], dy.data, c.out[k].data);
  }
}

}  // namespace

CEFM_KERNEL(permute, permuteForward);
CEFM_KERNEL(permute_backward, permuteBackward);
CEFM_KERNEL(transpose, permuteForward);
CEFM_KERNEL(transpose_backward, permuteBackward);
CEFM_KERNEL(reshape, reshapeForward);
CEFM_KERNEL(reshape_backward, reshapeBackward);
CEFM_KERNEL(concat, concatForward);
CEFM_KERNEL(concat_backward, concatBackward);

}  // namespace cefm
