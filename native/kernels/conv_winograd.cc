#include "conv_winograd.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "conv_tasks.h"
#include "gemm.h"

namespace cefm {

namespace {

constexpr int64_t kTile = 4;     // output tile edge
constexpr int64_t kPatch = 6;    // input tile edge: kTile + 3 - 1
constexpr int64_t kPoints = 36;  // kPatch², one GEMM each
// Tiles transformed together: the inner loops run over this many tiles, so they vectorise.
constexpr int64_t kGroup = 16;
constexpr int64_t kLine = kGroup * kTile + kPatch - kTile;  // the input columns of a run of tiles
// The transformed input and GEMM result of one chunk of tiles stay around L2 size.
constexpr int64_t kChunkBytes = int64_t(512) << 10;
constexpr int64_t kMinChannels = 16;
// Fewer tiles make the 36 GEMMs too narrow to run at speed, whatever the cache says.
constexpr int64_t kMinChunkTiles = 64;

// The transforms with the interpolation points 0, ±1, ±2 (Lavin & Gray's F(4, 3)), each a 1-D
// pass over a run of kGroup tiles: x holds its inputs `xs` floats apart, o gets its outputs `os`
// floats apart.

// o = B^T x (6 -> 6): the input transform.
inline void inputPass(const float* x, int64_t xs, float* o, int64_t os) {
  for (int64_t l = 0; l < kGroup; l++) {
    const float d0 = x[l], d1 = x[xs + l], d2 = x[2 * xs + l], d3 = x[3 * xs + l], d4 = x[4 * xs + l], d5 = x[5 * xs + l];
    o[l] = 4.0f * d0 - 5.0f * d2 + d4;
    o[os + l] = -4.0f * (d1 + d2) + d3 + d4;
    o[2 * os + l] = 4.0f * (d1 - d2) - d3 + d4;
    o[3 * os + l] = 2.0f * (d3 - d1) - d2 + d4;
    o[4 * os + l] = 2.0f * (d1 - d3) - d2 + d4;
    o[5 * os + l] = 4.0f * d1 - 5.0f * d3 + d5;
  }
}

// o = A^T x (6 -> 4): the output transform.
inline void outputPass(const float* x, int64_t xs, float* o, int64_t os) {
  for (int64_t l = 0; l < kGroup; l++) {
    const float m0 = x[l], m1 = x[xs + l], m2 = x[2 * xs + l], m3 = x[3 * xs + l], m4 = x[4 * xs + l], m5 = x[5 * xs + l];
    const float p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4;
    o[l] = m0 + p12 + p34;
    o[os + l] = d12 + 2.0f * d34;
    o[2 * os + l] = p12 + 4.0f * p34;
    o[3 * os + l] = d12 + 8.0f * d34 + m5;
  }
}

// o = A x (4 -> 6): the adjoint of outputPass, for the output gradient in the weight gradient.
inline void outputGradPass(const float* x, int64_t xs, float* o, int64_t os) {
  for (int64_t l = 0; l < kGroup; l++) {
    const float y0 = x[l], y1 = x[xs + l], y2 = x[2 * xs + l], y3 = x[3 * xs + l];
    const float even = y0 + y2, odd = y1 + y3, even4 = y0 + 4.0f * y2, odd4 = 2.0f * y1 + 8.0f * y3;
    o[l] = y0;
    o[os + l] = even + odd;
    o[2 * os + l] = even - odd;
    o[3 * os + l] = even4 + odd4;
    o[4 * os + l] = even4 - odd4;
    o[5 * os + l] = y3;
  }
}

// o = G g (3 -> 6): the kernel transform.
inline void kernelPass(const float* x, int64_t xs, float* o, int64_t os) {
  // Products with the reciprocals: without -ffast-math a division stays a division.
  constexpr float k4 = 1.0f / 4, k6 = 1.0f / 6, k12 = 1.0f / 12, k24 = 1.0f / 24;
  for (int64_t l = 0; l < kGroup; l++) {
    const float g0 = x[l], g1 = x[xs + l], g2 = x[2 * xs + l];
    const float outer = g0 * k24 + g2 * k6;
    o[l] = g0 * k4;
    o[os + l] = -(g0 + g1 + g2) * k6;
    o[2 * os + l] = -(g0 - g1 + g2) * k6;
    o[3 * os + l] = outer + g1 * k12;
    o[4 * os + l] = outer - g1 * k12;
    o[5 * os + l] = g2;
  }
}

// o = G^T u (6 -> 3): the adjoint of kernelPass, for the weight gradient.
inline void kernelGradPass(const float* x, int64_t xs, float* o, int64_t os) {
  constexpr float k4 = 1.0f / 4, k6 = 1.0f / 6, k12 = 1.0f / 12, k24 = 1.0f / 24;
  for (int64_t l = 0; l < kGroup; l++) {
    const float u0 = x[l], u1 = x[xs + l], u2 = x[2 * xs + l], u3 = x[3 * xs + l], u4 = x[4 * xs + l], u5 = x[5 * xs + l];
    o[l] = u0 * k4 - (u1 + u2) * k6 + (u3 + u4) * k24;
    o[os + l] = (u2 - u1) * k6 + (u3 - u4) * k12;
    o[2 * os + l] = (u3 + u4 - u1 - u2) * k6 + u5;
  }
}

// The 36 matrices of a transformed set ([36][rows][cols]: kernels, tiles, GEMM results) lie this
// far apart: padded so that the stride is no multiple of a page, or 36 streams a power of two
// apart would all fall into one cache set.
inline int64_t pointStride(int64_t rows, int64_t cols) { return rows * cols + kGroup; }

// One convolution as the tiles see it: `in` channels of h x w into `out` channels of oh x ow; the
// 6x6 input patch of tile (ty, tx) starts at (4 ty - ph, 4 tx - pw). Tiles are numbered over
// (image, ty, tx), and a chunk is a run [t0, t0 + count) of them.
struct Plan {
  int64_t n, in, h, w, out, oh, ow, ph, pw;
  int64_t tilesY() const { return convCeilDiv(oh, kTile); }
  int64_t tilesX() const { return convCeilDiv(ow, kTile); }
  int64_t tiles() const { return n * tilesY() * tilesX(); }
};

// A run of at most kGroup tiles along one tile row, the unit every transform works on.
struct TileRun {
  int64_t n, ty, tx0, count;
};

// Calls fn(run, offset) for the runs covering tiles [t0, t0 + count), offset = first tile - t0.
template <typename Fn>
void forEachRun(const Plan& p, int64_t t0, int64_t count, Fn fn) {
  const int64_t tx = p.tilesX(), perImage = p.tilesY() * tx;
  for (int64_t t = t0; t < t0 + count;) {
    const int64_t rem = t % perImage, tx0 = rem % tx;
    const int64_t len = std::min({kGroup, tx - tx0, t0 + count - t});
    fn(TileRun{t / perImage, rem / tx, tx0, len}, t - t0);
    t += len;
  }
}

// V[e][c][j] = (B^T d B)[e] of input channel c's patch of tile t0 + j: V[e] is [in, count], the
// 36 of them pointStride(in, count) apart (so are M and Z below).
void transformInput(const Plan& p, const float* image, int64_t t0, int64_t count, float* V) {
  parallelFor(p.in, 1, [&](int64_t c0, int64_t c1) {
    alignas(64) float d[kPoints * kGroup], rows[kPoints * kGroup], v[kPoints * kGroup], line[kLine];
    for (int64_t c = c0; c < c1; c++) {
      forEachRun(p, t0, count, [&](const TileRun& r, int64_t offset) {
        const float* plane = image + (r.n * p.in + c) * p.h * p.w;
        // Each patch row's run of input, zero-padded, in `line`: tile l's six values are then
        // line[4 l .. 4 l + 5], read without bounds checks.
        const int64_t x0 = r.tx0 * kTile - p.pw, span = (r.count - 1) * kTile + kPatch;
        const int64_t lo = std::max<int64_t>(0, -x0), hi = std::min<int64_t>(span, p.w - x0);
        for (int64_t i = 0; i < kPatch; i++) {
          float* drow = d + i * kPatch * kGroup;
          const int64_t y = r.ty * kTile - p.ph + i;
          if (y < 0 || y >= p.h) {
            std::fill_n(drow, kPatch * kGroup, 0.0f);
            continue;
          }
          const float* src = plane + y * p.w + x0;
          std::fill_n(line, lo, 0.0f);
          if (hi > lo) std::copy(src + lo, src + hi, line + lo);
          std::fill(line + std::max(lo, hi), line + kLine, 0.0f);
          for (int64_t j = 0; j < kPatch; j++) {
            for (int64_t l = 0; l < kGroup; l++) drow[j * kGroup + l] = line[l * kTile + j];
          }
        }
        // B^T d B: along each patch row, then along each column.
        for (int64_t i = 0; i < kPatch; i++) inputPass(d + i * kPatch * kGroup, kGroup, rows + i * kPatch * kGroup, kGroup);
        for (int64_t j = 0; j < kPatch; j++) inputPass(rows + j * kGroup, kPatch * kGroup, v + j * kGroup, kPatch * kGroup);
        float* dst = V + c * count + offset;
        for (int64_t e = 0; e < kPoints; e++) std::copy_n(v + e * kGroup, r.count, dst + e * pointStride(p.in, count));
      });
    }
  });
}

// out[n, k, tile t0 + j] = A^T M[., k, j] A (+ bias[k]), the parts of each tile inside oh x ow.
void transformOutput(const Plan& p, const float* M, int64_t t0, int64_t count, const float* bias, float* output) {
  parallelFor(p.out, 1, [&](int64_t k0, int64_t k1) {
    alignas(64) float m[kPoints * kGroup], rows[kPatch * kTile * kGroup], y[kTile * kTile * kGroup];
    for (int64_t k = k0; k < k1; k++) {
      const float add = bias ? bias[k] : 0.0f;
      forEachRun(p, t0, count, [&](const TileRun& r, int64_t offset) {
        for (int64_t e = 0; e < kPoints; e++) {
          const float* src = M + e * pointStride(p.out, count) + k * count + offset;
          float* dst = m + e * kGroup;
          std::copy_n(src, r.count, dst);
          std::fill(dst + r.count, dst + kGroup, 0.0f);
        }
        for (int64_t i = 0; i < kPatch; i++) outputPass(m + i * kPatch * kGroup, kGroup, rows + i * kTile * kGroup, kGroup);
        for (int64_t j = 0; j < kTile; j++) outputPass(rows + j * kGroup, kTile * kGroup, y + j * kGroup, kTile * kGroup);
        float* plane = output + (r.n * p.out + k) * p.oh * p.ow;
        for (int64_t i = 0; i < kTile; i++) {
          const int64_t oy = r.ty * kTile + i;
          if (oy >= p.oh) break;
          float* row = plane + oy * p.ow;
          for (int64_t l = 0; l < r.count; l++) {
            const int64_t ox0 = (r.tx0 + l) * kTile;
            for (int64_t j = 0; j < kTile && ox0 + j < p.ow; j++) row[ox0 + j] = y[(i * kTile + j) * kGroup + l] + add;
          }
        }
      });
    }
  });
}

// Z[e][k][j] = (A dY A^T)[e] of output channel k's 4x4 gradient tile t0 + j (zeros outside oh x ow).
void transformOutputGrad(const Plan& p, const float* dOutput, int64_t t0, int64_t count, float* Z) {
  parallelFor(p.out, 1, [&](int64_t k0, int64_t k1) {
    alignas(64) float g[kTile * kTile * kGroup], rows[kTile * kPatch * kGroup], z[kPoints * kGroup];
    for (int64_t k = k0; k < k1; k++) {
      forEachRun(p, t0, count, [&](const TileRun& r, int64_t offset) {
        const float* plane = dOutput + (r.n * p.out + k) * p.oh * p.ow;
        for (int64_t i = 0; i < kTile; i++) {
          const int64_t oy = r.ty * kTile + i;
          for (int64_t j = 0; j < kTile; j++) {
            float* dst = g + (i * kTile + j) * kGroup;
            for (int64_t l = 0; l < kGroup; l++) {
              const int64_t ox = (r.tx0 + l) * kTile + j;
              dst[l] = l < r.count && oy < p.oh && ox < p.ow ? plane[oy * p.ow + ox] : 0.0f;
            }
          }
        }
        for (int64_t i = 0; i < kTile; i++) outputGradPass(g + i * kTile * kGroup, kGroup, rows + i * kPatch * kGroup, kGroup);
        for (int64_t j = 0; j < kPatch; j++) outputGradPass(rows + j * kGroup, kPatch * kGroup, z + j * kGroup, kPatch * kGroup);
        float* dst = Z + k * count + offset;
        for (int64_t e = 0; e < kPoints; e++) std::copy_n(z + e * kGroup, r.count, dst + e * pointStride(p.out, count));
      });
    }
  });
}

// U[e][o][i] = (G g G^T)[e] for every (out, in) channel pair, U[e] pointStride(out, in) apart. The
// 3x3 kernel g is weight[o, i] (weight [out, in, 3, 3]), or for the image gradient weight[i, o]
// turned by 180° (weight [in, out, 3, 3]). kGroup pairs at a time.
CachedVector<float> transformWeights(const float* weight, int64_t out, int64_t in, bool flipped) {
  const int64_t pairs = out * in, stride = pointStride(out, in);
  CachedVector<float> U(size_t(kPoints * stride));
  parallelFor(convCeilDiv(pairs, kGroup), 4, [&](int64_t b0, int64_t b1) {
    alignas(64) float g[9 * kGroup], rows[3 * kPatch * kGroup], u[kPoints * kGroup];
    for (int64_t b = b0; b < b1; b++) {
      const int64_t q0 = b * kGroup, count = std::min(kGroup, pairs - q0);
      for (int64_t l = 0; l < kGroup; l++) {
        const int64_t q = q0 + std::min(l, count - 1), o = q / in, i = q % in;
        const float* src = weight + (flipped ? i * out + o : q) * 9;
        for (int64_t t = 0; t < 9; t++) g[t * kGroup + l] = flipped ? src[8 - t] : src[t];
      }
      for (int64_t r = 0; r < 3; r++) kernelPass(g + r * 3 * kGroup, kGroup, rows + r * kPatch * kGroup, kGroup);  // along rows
      for (int64_t j = 0; j < kPatch; j++) kernelPass(rows + j * kGroup, kPatch * kGroup, u + j * kGroup, kPatch * kGroup);
      for (int64_t e = 0; e < kPoints; e++) std::copy_n(u + e * kGroup, count, U.data() + e * stride + q0);
    }
  });
  return U;
}

// dWeight[o, i] = G^T dU[., o, i] G, dU as transformWeights lays out U.
void finishWeightGrad(const float* dU, int64_t out, int64_t in, float* dWeight) {
  const int64_t pairs = out * in, stride = pointStride(out, in);
  parallelFor(convCeilDiv(pairs, kGroup), 4, [&](int64_t b0, int64_t b1) {
    alignas(64) float u[kPoints * kGroup], rows[kPatch * 3 * kGroup], g[9 * kGroup];
    for (int64_t b = b0; b < b1; b++) {
      const int64_t q0 = b * kGroup, count = std::min(kGroup, pairs - q0);
      for (int64_t e = 0; e < kPoints; e++) {
        std::copy_n(dU + e * stride + q0, count, u + e * kGroup);
        std::fill(u + e * kGroup + count, u + (e + 1) * kGroup, 0.0f);
      }
      for (int64_t i = 0; i < kPatch; i++) kernelGradPass(u + i * kPatch * kGroup, kGroup, rows + i * 3 * kGroup, kGroup);
      for (int64_t c = 0; c < 3; c++) kernelGradPass(rows + c * kGroup, 3 * kGroup, g + c * kGroup, 3 * kGroup);
      for (int64_t l = 0; l < count; l++) {
        for (int64_t t = 0; t < 9; t++) dWeight[(q0 + l) * 9 + t] = g[t * kGroup + l];
      }
    }
  });
}

// Chunks of tiles: as many as the pool has threads (or a multiple) when the tiles are more than
// one chunk's worth, so whole chunks go to threads; else one chunk whose phases are threaded.
struct Chunks {
  int64_t size, count;
  bool parallel;
  // Runs of chunks handed out whole: one per thread, or one run of every chunk in turn.
  int64_t parts() const { return parallel ? numThreads() : 1; }
};

Chunks planChunks(const Plan& p) {
  const int64_t tiles = p.tiles(), threads = numThreads();
  const int64_t budget = std::max(kMinChunkTiles, kChunkBytes / (kPoints * (p.in + p.out) * int64_t(sizeof(float))));
  int64_t count = convCeilDiv(tiles, budget);
  const bool parallel = count >= threads && threads > 1;
  if (parallel) count = convCeilDiv(count, threads) * threads;
  const int64_t size = convCeilDiv(tiles, count);
  return {size, convCeilDiv(tiles, size), parallel};
}

// Runs chunk(index, scratch, part) over every chunk: part q of c.parts() takes the chunks
// [q count / parts, (q + 1) count / parts) in turn, on one thread, with one scratch buffer.
template <typename Fn>
void forEachChunk(const Chunks& c, Fn chunk) {
  const int64_t parts = c.parts();
  parallelFor(parts, 1, [&](int64_t q0, int64_t q1) {
    CachedVector<float> scratch;
    for (int64_t q = q0; q < q1; q++) {
      for (int64_t i = q * c.count / parts; i < (q + 1) * c.count / parts; i++) chunk(i, scratch, q);
    }
  });
}

// Chunk `index`'s tiles and its two transformed sets in `scratch`: V (input, [36][in][count]) and
// the output side ([36][out][count]: the forward's GEMM results, the weight gradient's Z).
struct ChunkBuffers {
  int64_t t0, count;
  float* V;
  float* outSide;
};

ChunkBuffers chunkBuffers(const Plan& p, const Chunks& chunks, int64_t index, CachedVector<float>& scratch) {
  const int64_t t0 = index * chunks.size, count = std::min(chunks.size, p.tiles() - t0);
  scratch.resize(size_t(kPoints * (pointStride(p.in, count) + pointStride(p.out, count))));
  return {t0, count, scratch.data(), scratch.data() + kPoints * pointStride(p.in, count)};
}

// The forward of plan p with transformed weights U (transformWeights(.., p.out, p.in, ..)).
void winogradConvolve(const Plan& p, const CachedVector<float>& U, const float* image, const float* bias, float* output) {
  std::vector<GemmPackedA> packed;
  packed.reserve(kPoints);
  for (int64_t e = 0; e < kPoints; e++) {
    packed.emplace_back(false, p.out, p.in, 1.0f, U.data() + e * pointStride(p.out, p.in), p.in);
  }
  const Chunks chunks = planChunks(p);
  forEachChunk(chunks, [&](int64_t index, CachedVector<float>& scratch, int64_t) {
    // Plain variables, not structured bindings: C++17 lambdas may not capture those.
    const ChunkBuffers b = chunkBuffers(p, chunks, index, scratch);
    const int64_t t0 = b.t0, count = b.count;
    float *V = b.V, *M = b.outSide;
    transformInput(p, image, t0, count, V);
    parallelFor(kPoints, 1, [&](int64_t e0, int64_t e1) {
      for (int64_t e = e0; e < e1; e++) {
        sgemm(packed[size_t(e)], false, count, V + e * pointStride(p.in, count), count, 0.0f, M + e * pointStride(p.out, count),
              count);
      }
    });
    transformOutput(p, M, t0, count, bias, output);
  });
}

Plan forwardPlan(const ConvShape& s) { return {s.n, s.c, s.h, s.w, s.o, s.ho, s.wo, s.ph, s.pw}; }

bool winogradEnabled() {
  static const bool on = [] {
    const char* env = std::getenv("CEFM_WINOGRAD");
    return !(env && env[0] == '0');
  }();
  return on;
}

}  // namespace

bool winogradApplies(const ConvShape& s) {
  return winogradEnabled() && s.kh == 3 && s.kw == 3 && s.sh == 1 && s.sw == 1 && s.dh == 1 && s.dw == 1 && s.groups == 1 &&
         s.c >= kMinChannels && s.o >= kMinChannels && s.ph >= 0 && s.ph <= 2 && s.pw >= 0 && s.pw <= 2 && s.n > 0 &&
         s.ho > 0 && s.wo > 0;
}

void winogradForward(const ConvShape& s, const float* image, const float* weight, const float* bias, float* output) {
  winogradConvolve(forwardPlan(s), transformWeights(weight, s.o, s.c, false), image, bias, output);
}

void winogradImageGrad(const ConvShape& s, const float* dOutput, const float* weight, float* dImage) {
  // The adjoint of a stride-1 3x3 convolution with padding p is the convolution of dy, padded by
  // 2 - p, with the kernel turned by 180° and its channel axes swapped.
  const Plan p{s.n, s.o, s.ho, s.wo, s.c, s.h, s.w, 2 - s.ph, 2 - s.pw};
  winogradConvolve(p, transformWeights(weight, s.c, s.o, true), dOutput, nullptr, dImage);
}

void winogradWeightGrad(const ConvShape& s, const float* image, const float* dOutput, float* dWeight) {
  const Plan p = forwardPlan(s);
  const Chunks chunks = planChunks(p);
  const int64_t size = kPoints * pointStride(p.out, p.in);
  // dU[e] = sum over tiles of Z[e] V[e]^T; each part of the chunks sums into its own copy.
  const int64_t parts = chunks.parts();
  CachedVector<float> dU(size_t(parts * size), 0.0f);
  forEachChunk(chunks, [&](int64_t index, CachedVector<float>& scratch, int64_t part) {
    const ChunkBuffers b = chunkBuffers(p, chunks, index, scratch);
    const int64_t t0 = b.t0, count = b.count;
    float *V = b.V, *Z = b.outSide;
    float* sum = dU.data() + part * size;
    transformInput(p, image, t0, count, V);
    transformOutputGrad(p, dOutput, t0, count, Z);
    parallelFor(kPoints, 1, [&](int64_t e0, int64_t e1) {
      for (int64_t e = e0; e < e1; e++) {
        sgemm(false, true, p.out, p.in, count, 1.0f, Z + e * pointStride(p.out, count), count, V + e * pointStride(p.in, count),
              count, 1.0f, sum + e * pointStride(p.out, p.in), p.in);
      }
    });
  });
  addPartialSums(dU.data(), dU.data() + size, parts - 1, size);
  finishWeightGrad(dU.data(), p.out, p.in, dWeight);
}

}  // namespace cefm
