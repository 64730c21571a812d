#include "conv_gemm.h"

#include <algorithm>
#include <vector>

#include "../core/buffer_cache.h"
#include "conv_columns.h"
#include "conv_tasks.h"
#include "conv_winograd.h"
#include "gemm.h"

namespace cefm {

namespace {

// A column band of one image and group stays around L2 size, so im2col writes it and the GEMM
// reads it back from cache, and memory stays bounded whatever the image size.
constexpr int64_t kBandBytes = int64_t(512) << 10;
// Narrower bands make GEMM calls too thin to run at speed.
constexpr int64_t kMinBandColumns = 64;
constexpr int64_t kPackedBandColumns = 256;

// A split of the output rows [0, ho) into `count` bands of `rows` rows (the last may be shorter).
struct Bands {
  int64_t rows, count;
};

// Bands within the memory budget of a column buffer (looser when `columnBuffer` is false: the
// forward packs its columns straight into GEMM panels); at least `minBands` when that keeps them
// wide enough.
Bands planBands(const ConvShape& s, int64_t minBands, bool columnBuffer = true) {
  const int64_t rowBytes = s.taps() * s.wo * int64_t(sizeof(float));
  int64_t budgetRows = s.isPlainGemm() ? s.ho : std::max<int64_t>(1, kBandBytes / rowBytes);
  // Without a buffer the budget only keeps the band's image rows in cache; a band of at least
  // kPackedBandColumns keeps deep convolutions (K in the thousands) off thin GEMMs.
  if (!columnBuffer) budgetRows = std::max(budgetRows, convCeilDiv(kPackedBandColumns, s.wo));
  const int64_t balancedRows = std::max(convCeilDiv(s.ho, std::max<int64_t>(1, minBands)), convCeilDiv(kMinBandColumns, s.wo));
  const int64_t rows = std::max<int64_t>(1, std::min({budgetRows, balancedRows, s.ho}));
  return {rows, convCeilDiv(s.ho, rows)};
}

// Bands enough for the pool to balance over n * groups independent (image, group) pairs.
Bands planParallelBands(const ConvShape& s, bool columnBuffer = true) {
  return planBands(s, convCeilDiv(kConvPiecesPerThread * numThreads(), std::max<int64_t>(1, s.n * s.groups)), columnBuffer);
}

// One band of one image and group: task index t enumerates (n, g, band) with the band fastest.
struct BandTask {
  int64_t n, g, oh0, oh1;
  int64_t rows() const { return oh1 - oh0; }
};

BandTask bandTask(const ConvShape& s, const Bands& b, int64_t t) {
  const int64_t band = t % b.count, g = (t / b.count) % s.groups, n = t / (b.count * s.groups);
  const int64_t oh0 = band * b.rows;
  return {n, g, oh0, std::min(s.ho, oh0 + b.rows)};
}

// The [taps, band columns] matrix of a band as a GEMM operand: the image itself for a plain GEMM,
// else its im2col in `cols`.
struct ColumnOperand {
  const float* data;
  int64_t ld;
};

ColumnOperand bandColumns(const ConvShape& s, const float* groupImage, int64_t oh0, int64_t oh1, std::vector<float>& cols) {
  if (s.isPlainGemm()) return {groupImage + oh0 * s.wo, s.imagePlane()};
  const int64_t width = (oh1 - oh0) * s.wo;
  cols.resize(size_t(s.taps() * width));
  im2colBand(s, groupImage, oh0, oh1, cols.data());
  return {cols.data(), width};
}

// Each group's weights as a GEMM left operand, packed once per call for all its bands and images
// (op(w) is w for the forward, wᵀ for the image gradient).
std::vector<GemmPackedA> packGroupWeights(const ConvShape& s, const float* weight, bool transpose) {
  const int64_t K = s.taps();
  std::vector<GemmPackedA> packed;
  packed.reserve(size_t(s.groups));
  for (int64_t g = 0; g < s.groups; g++) {
    const float* w = weight + g * s.og * K;
    if (transpose) packed.emplace_back(true, K, s.og, 1.0f, w, K);
    else packed.emplace_back(false, s.og, K, 1.0f, w, K);
  }
  return packed;
}

// A band's im2col as a GEMM right operand that packs itself (im2colPackPanels).
struct BandPacker {
  const ConvShape* s;
  const float* groupImage;
  int64_t oh0;
  static void pack(const void* ctx, int64_t k0, int64_t kc, int64_t j0, int64_t cols, int nr, float* dst) {
    const BandPacker& b = *static_cast<const BandPacker*>(ctx);
    im2colPackPanels(*b.s, b.groupImage, b.oh0, k0, kc, j0, cols, nr, dst);
  }
};

// Output planes up to 48²: one image's band GEMM is too narrow or its fused im2col packing too
// costly (6² = 36 columns is one full panel and a ninth of another; at 12²-48² the per-panel runs of
// im2colPackPanels dominate). There the forward writes the im2col of whole images into a buffer,
// side by side when one image has fewer than kMergedColumns columns, and runs one plain GEMM on it.
constexpr int64_t kMergedPlaneLimit = 48 * 48;
constexpr int64_t kMergedColumns = 256;           // columns per GEMM, at least, when images allow
constexpr int64_t kMergedBytes = int64_t(8) << 20;  // one task's im2col buffer, at most

bool mergesImages(const ConvShape& s) {
  const int64_t imageColumnBytes = s.taps() * s.outputPlane() * int64_t(sizeof(float));
  return !s.isPlainGemm() && s.groups == 1 && s.n > 1 && s.outputPlane() <= kMergedPlaneLimit && imageColumnBytes <= kMergedBytes;
}

// C [o, images × plane] of a chunk of images from b0 into their output planes, plus the bias.
void scatterImages(const ConvShape& s, const float* product, int64_t N, int64_t b0, int64_t images, const float* bias, float* output) {
  const int64_t plane = s.outputPlane();
  for (int64_t b = 0; b < images; b++) {
    float* out = output + (b0 + b) * s.o * plane;
    for (int64_t r = 0; r < s.o; r++) {
      const float* src = product + r * N + b * plane;
      const float add = bias ? bias[r] : 0.0f;
      for (int64_t i = 0; i < plane; i++) out[r * plane + i] = src[i] + add;
    }
  }
}

// Patch embeddings (a ViT's first layer): kernel = stride, no padding or dilation, one group. Each
// output pixel reads its own patch, so the column matrix is the image cut into patches. It is
// written pixel-major, [pixel][c, ky, kx], one contiguous run of kw floats per (c, ky), and read
// by the GEMM as a transposed operand: im2col's tap-major rows gather at stride kw instead and
// took a third of the call at 16×16 / 16.
bool isPatchEmbedding(const ConvShape& s) {
  return s.groups == 1 && s.kh == s.sh && s.kw == s.sw && s.ph == 0 && s.pw == 0 && s.dh == 1 && s.dw == 1 && s.kh * s.kw > 1 &&
         s.ho * s.kh <= s.h && s.wo * s.kw <= s.w;
}

// One image's patches, pixel-major: rows[pixel · taps + (c, ky, kx)].
void cutPatches(const ConvShape& s, const float* x, float* rows) {
  const int64_t K = s.taps();
  for (int64_t oy = 0; oy < s.ho; oy++)
    for (int64_t c = 0; c < s.c; c++)
      for (int64_t ky = 0; ky < s.kh; ky++) {
        const float* src = x + (c * s.h + oy * s.kh + ky) * s.w;
        float* dst = rows + oy * s.wo * K + (c * s.kh + ky) * s.kw;
        for (int64_t ox = 0; ox < s.wo; ox++) std::copy_n(src + ox * s.kw, s.kw, dst + ox * K);
      }
}

// conv forward over chunks of whole images: the chunk's column matrix (im2col's [taps, images ×
// plane], or for a patch embedding its patches [images × plane, taps], read transposed), one GEMM
// into C [o, images × plane], scattered into the output planes with the bias. Chunks run in
// parallel when there are enough.
void convForwardMerged(const ConvShape& s, const GemmPackedA& w, const float* image, const float* bias, float* output) {
  const bool patches = isPatchEmbedding(s);
  const int64_t plane = s.outputPlane(), K = s.taps();
  int64_t per = std::min(s.n, convCeilDiv(kMergedColumns, plane));
  per = std::max<int64_t>(1, std::min(per, kMergedBytes / (K * plane * int64_t(sizeof(float)))));
  // Enough chunks for every thread when the batch allows it (each GEMM then runs serially).
  per = std::min(per, std::max<int64_t>(1, s.n / numThreads()));
  const int64_t chunks = convCeilDiv(s.n, per);
  runConvTasks(chunks, [&](int64_t t, std::vector<float>&) {
    const int64_t b0 = t * per, images = std::min(per, s.n - b0), N = images * plane;
    CachedScratch cols(size_t(K * N)), product(size_t(s.o * N));  // both written in full
    for (int64_t b = 0; b < images; b++) {
      const float* x = image + (b0 + b) * s.c * s.imagePlane();
      if (patches) cutPatches(s, x, cols.data() + b * plane * K);
      else im2colBand(s, x, 0, s.ho, cols.data() + b * plane, N);
    }
    sgemm(w, patches, N, cols.data(), patches ? K : N, 0.0f, product.data(), N);
    scatterImages(s, product.data(), N, b0, images, bias, output);
  });
}

}  // namespace

void convForward(const ConvShape& s, const float* image, const float* weight, const float* bias, float* output) {
  if (winogradApplies(s)) {
    winogradForward(s, image, weight, bias, output);
    return;
  }
  if (isPatchEmbedding(s) || mergesImages(s)) {
    convForwardMerged(s, packGroupWeights(s, weight, false)[0], image, bias, output);
    return;
  }
  const Bands b = planParallelBands(s, false);
  const std::vector<GemmPackedA> packed = packGroupWeights(s, weight, false);
  runConvTasks(s.n * s.groups * b.count, [&](int64_t t, std::vector<float>& cols) {
    const BandTask bt = bandTask(s, b, t);
    const int64_t width = bt.rows() * s.wo;
    const float* groupImage = image + (bt.n * s.c + bt.g * s.cg) * s.imagePlane();
    float* out = output + (bt.n * s.o + bt.g * s.og) * s.outputPlane() + bt.oh0 * s.wo;
    float beta = 0.0f;
    if (bias) {  // the GEMM accumulates onto the bias
      for (int64_t r = 0; r < s.og; r++) std::fill_n(out + r * s.outputPlane(), width, bias[bt.g * s.og + r]);
      beta = 1.0f;
    }
    if (s.isPlainGemm()) {
      const ColumnOperand B = bandColumns(s, groupImage, bt.oh0, bt.oh1, cols);
      sgemm(packed[size_t(bt.g)], false, width, B.data, B.ld, beta, out, s.outputPlane());
    } else {
      const BandPacker band{&s, groupImage, bt.oh0};
      sgemm(packed[size_t(bt.g)], width, GemmBPacker{BandPacker::pack, &band}, beta, out, s.outputPlane());
    }
  });
}

void convImageGrad(const ConvShape& s, const float* dOutput, const float* weight, float* dImage) {
  if (winogradApplies(s)) {
    winogradImageGrad(s, dOutput, weight, dImage);
    return;
  }
  // Bands of one image overlap in the image, so each (image, group) is one task, its bands in turn.
  const Bands b = planBands(s, 1);
  const int64_t K = s.taps();
  const std::vector<GemmPackedA> packed = packGroupWeights(s, weight, true);
  runConvTasks(s.n * s.groups, [&](int64_t t, std::vector<float>& cols) {
    const int64_t n = t / s.groups, g = t % s.groups;
    float* groupImage = dImage + (n * s.c + g * s.cg) * s.imagePlane();
    const float* dy = dOutput + (n * s.o + g * s.og) * s.outputPlane();
    const GemmPackedA& wT = packed[size_t(g)];
    if (s.isPlainGemm()) {
      sgemm(wT, false, s.outputPlane(), dy, s.outputPlane(), 0.0f, groupImage, s.imagePlane());
      return;
    }
    std::fill_n(groupImage, s.cg * s.imagePlane(), 0.0f);
    for (int64_t oh0 = 0; oh0 < s.ho; oh0 += b.rows) {
      const int64_t oh1 = std::min(s.ho, oh0 + b.rows), width = (oh1 - oh0) * s.wo;
      cols.resize(size_t(K * width));
      sgemm(wT, false, width, dy + oh0 * s.wo, s.outputPlane(), 0.0f, cols.data(), width);
      col2imBandAdd(s, cols.data(), oh0, oh1, groupImage);
    }
  });
}

void convWeightGrad(const ConvShape& s, const float* image, const float* dOutput, float* dWeight) {
  if (winogradApplies(s)) {
    winogradWeightGrad(s, image, dOutput, dWeight);
    return;
  }
  const Bands b = planParallelBands(s);
  const int64_t K = s.taps(), size = s.o * K, tasks = s.n * s.groups * b.count;
  // Every band adds into the whole weight gradient: each part of the tasks sums into its own copy.
  const int64_t parts = tasks >= numThreads() ? std::min<int64_t>(numThreads(), tasks) : 1;
  std::vector<float> partials(size_t((parts - 1) * size));
  auto partSum = [&](int64_t p) { return p == 0 ? dWeight : partials.data() + (p - 1) * size; };
  auto runPart = [&](int64_t p, std::vector<float>& cols) {
    float* dw = partSum(p);
    std::fill_n(dw, size, 0.0f);
    for (int64_t t = p * tasks / parts; t < (p + 1) * tasks / parts; t++) {
      const BandTask bt = bandTask(s, b, t);
      const float* groupImage = image + (bt.n * s.c + bt.g * s.cg) * s.imagePlane();
      const float* dy = dOutput + (bt.n * s.o + bt.g * s.og) * s.outputPlane() + bt.oh0 * s.wo;
      const ColumnOperand B = bandColumns(s, groupImage, bt.oh0, bt.oh1, cols);
      sgemm(false, true, s.og, K, bt.rows() * s.wo, 1.0f, dy, s.outputPlane(), B.data, B.ld, 1.0f, dw + bt.g * s.og * K, K);
    }
  };
  if (parts == 1) {
    std::vector<float> cols;
    runPart(0, cols);
    return;
  }
  parallelFor(parts, 1, [&](int64_t p0, int64_t p1) {
    std::vector<float> cols;
    for (int64_t p = p0; p < p1; p++) runPart(p, cols);
  });
  addPartialSums(dWeight, partials.data(), parts - 1, size);
}

void addChannelBias(float* t, const float* bias, int64_t n, int64_t channels, int64_t plane) {
  parallelFor(n * channels, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, plane)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const float v = bias[p % channels];
      float* row = t + p * plane;
      for (int64_t i = 0; i < plane; i++) row[i] += v;
    }
  });
}

void channelBiasGrad(const float* dy, int64_t n, int64_t channels, int64_t plane, float* dBias) {
  parallelFor(channels, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ch++) {
      double total = 0.0;  // long sums over batch and space: accumulate in double
      for (int64_t b = 0; b < n; b++) {
        const float* row = dy + (b * channels + ch) * plane;
        float partial = 0.0f;
        for (int64_t i = 0; i < plane; i++) partial += row[i];
        total += partial;
      }
      dBias[ch] = float(total);
    }
  });
}

}  // namespace cefm
