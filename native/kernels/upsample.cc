// upsample_bilinear2d (align_corners=False) and upsample_nearest2d, forward and backward. Both are
// separable: along each axis an output index reads taps i0, i1 with weights w0, w1 (nearest: one
// tap), computed in f32 exactly as src/ts/ops/upsample.ts (and PyTorch's CPU kernels) do.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../core/kernel.h"
#include "../core/parallel.h"

namespace cefm {

namespace {

struct AxisTap {
  int64_t i0, i1;
  float w0, w1;
};

std::vector<AxisTap> axisTaps(bool bilinear, int64_t inSize, int64_t outSize, double coordScale) {
  const float scale = float(coordScale);
  std::vector<AxisTap> taps(static_cast<size_t>(outSize));
  for (int64_t o = 0; o < outSize; o++) {
    if (!bilinear) {
      int64_t i0 = std::min(int64_t(std::floor(float(o) * scale)), inSize - 1);
      taps[size_t(o)] = {i0, i0, 1.0f, 0.0f};
      continue;
    }
    // f32 steps as PyTorch's; the portable build has no FMA to contract them into
    float src = scale * (float(o) + 0.5f);
    src = std::max(src - 0.5f, 0.0f);
    int64_t i0 = int64_t(src);
    float lambda = src - float(i0);
    taps[size_t(o)] = {i0, i0 < inSize - 1 ? i0 + 1 : i0, 1.0f - lambda, lambda};
  }
  return taps;
}

struct UpsamplePlan {
  int64_t planes, H, W, OH, OW;
  std::vector<AxisTap> th, tw;
};

UpsamplePlan makePlan(bool bilinear, const TensorView& x, const std::vector<int64_t>& yShape, const Attrs& a) {
  std::vector<double> cs = a.nums.at("coord_scale");
  UpsamplePlan p{x.dim(0) * x.dim(1), x.dim(2), x.dim(3), yShape[2], yShape[3], {}, {}};
  p.th = axisTaps(bilinear, p.H, p.OH, cs[0]);
  p.tw = axisTaps(bilinear, p.W, p.OW, cs[1]);
  return p;
}

template <bool Bilinear>
void upsampleForward(KernelCall& c) {
  const TensorView& x = c.in[0];
  TensorView& y = c.out[0];
  UpsamplePlan p = makePlan(Bilinear, x, y.shape, c.attrs);
  parallelFor(p.planes * p.OH, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, p.OW)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const AxisTap& ty = p.th[size_t(r % p.OH)];
      const float* plane = x.data + (r / p.OH) * p.H * p.W;
      const float *row0 = plane + ty.i0 * p.W, *row1 = plane + ty.i1 * p.W;
      float* out = y.data + r * p.OW;
      for (int64_t ox = 0; ox < p.OW; ox++) {
        const AxisTap& tx = p.tw[size_t(ox)];
        if (Bilinear) {
          out[ox] = ty.w0 * (tx.w0 * row0[tx.i0] + tx.w1 * row0[tx.i1]) + ty.w1 * (tx.w0 * row1[tx.i0] + tx.w1 * row1[tx.i1]);
        } else {
          out[ox] = row0[tx.i0];
        }
      }
    }
  });
}

// inputs: x, y, dy -> dx; one task per plane so the scatter needs no atomics.
template <bool Bilinear>
void upsampleBackward(KernelCall& c) {
  const TensorView &x = c.in[0], &dy = c.in[2];
  TensorView& dx = c.out[0];
  UpsamplePlan p = makePlan(Bilinear, x, dy.shape, c.attrs);
  parallelFor(p.planes, 1, [&](int64_t q0, int64_t q1) {
    for (int64_t plane = q0; plane < q1; plane++) {
      float* d = dx.data + plane * p.H * p.W;
      std::fill(d, d + p.H * p.W, 0.0f);
      const float* g = dy.data + plane * p.OH * p.OW;
      for (int64_t oy = 0; oy < p.OH; oy++) {
        const AxisTap& ty = p.th[size_t(oy)];
        float *row0 = d + ty.i0 * p.W, *row1 = d + ty.i1 * p.W;
        const float* gr = g + oy * p.OW;
        for (int64_t ox = 0; ox < p.OW; ox++) {
          const AxisTap& tx = p.tw[size_t(ox)];
          if (Bilinear) {
            float g0 = ty.w0 * gr[ox], g1 = ty.w1 * gr[ox];
            row0[tx.i0] += tx.w0 * g0;
            row0[tx.i1] += tx.w1 * g0;
            row1[tx.i0] += tx.w0 * g1;
            row1[tx.i1] += tx.w1 * g1;
          } else {
            row0[tx.i0] += gr[ox];
          }
        }
      }
    }
  });
}

}  // namespace

CEFM_KERNEL(upsample_bilinear2d, upsampleForward<true>);
CEFM_KERNEL(upsample_bilinear2d_backward, upsampleBackward<true>);
CEFM_KERNEL(upsample_nearest2d, upsampleForward<false>);
CEFM_KERNEL(upsample_nearest2d_backward, upsampleBackward<false>);

}  // namespace cefm
