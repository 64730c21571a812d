// max_pool2d, avg_pool2d, adaptive_avg_pool2d and their backward, over one pooling core: along
// each spatial axis every output index owns a window of valid input taps (first, step, count)
// and a divisor factor, as src/ts/ops/pool.ts defines them.
#include <algorithm>
#include <limits>
#include <vector>

#include "../core/kernel.h"
#include "../core/parallel.h"
#include "reduce_core.h"
#include "simd.h"

namespace cefm {

namespace {

struct AxisWindow {
  int64_t first, step, count, divisor;
};

enum class PoolKind { Max, Avg, Adaptive };

std::vector<AxisWindow> slidingWindows(int64_t size, int64_t outSize, int64_t k, int64_t s, int64_t p, int64_t d,
                                       bool includePad) {
  std::vector<AxisWindow> w(static_cast<size_t>(outSize));
  for (int64_t o = 0; o < outSize; o++) {
    int64_t start = o * s - p;
    int64_t t0 = start < 0 ? (-start + d - 1) / d : 0;  // first tap inside the input
    int64_t t1 = k;
    while (t1 > t0 && start + (t1 - 1) * d >= size) t1--;
    int64_t count = std::max<int64_t>(0, t1 - t0);
    int64_t padded = std::min(start + k, size + p) - start;
    w[size_t(o)] = {start + t0 * d, d, count, includePad ? padded : count};
  }
  return w;
}

std::vector<AxisWindow> adaptiveWindows(int64_t size, int64_t outSize) {
  std::vector<AxisWindow> w(static_cast<size_t>(outSize));
  for (int64_t o = 0; o < outSize; o++) {
    int64_t start = (o * size) / outSize, end = ((o + 1) * size + outSize - 1) / outSize;
    w[size_t(o)] = {start, 1, end - start, end - start};
  }
  return w;
}

struct PoolPlan {
  PoolKind kind;
  int64_t planes, H, W, OH, OW;
  std::vector<AxisWindow> wh, ww;
};

PoolPlan makePlan(PoolKind kind, const TensorView& x, const std::vector<int64_t>& yShape, const Attrs& a) {
  PoolPlan p{kind, x.dim(0) * x.dim(1), x.dim(2), x.dim(3), yShape[2], yShape[3], {}, {}};
  if (kind == PoolKind::Adaptive) {
    p.wh = adaptiveWindows(p.H, p.OH);
    p.ww = adaptiveWindows(p.W, p.OW);
  } else {
    auto k = a.ints("kernel"), s = a.ints("stride"), pad = a.ints("padding"), d = a.ints("dilation");
    bool includePad = kind == PoolKind::Max || a.num("count_include_pad", 1) != 0;
    p.wh = slidingWindows(p.H, p.OH, k[0], s[0], pad[0], d[0], includePad);
    p.ww = slidingWindows(p.W, p.OW, k[1], s[1], pad[1], d[1], includePad);
  }
  return p;
}

// PyTorch's scan: the first maximum wins; a NaN replaces anything (so the last NaN wins).
inline int64_t argmaxTap(const float* plane, int64_t W, const AxisWindow& wy, const AxisWindow& wx, float& best) {
  best = -std::numeric_limits<float>::infinity();
  int64_t arg = wy.first * W + wx.first;
  for (int64_t ty = 0; ty < wy.count; ty++) {
    const float* row = plane + (wy.first + ty * wy.step) * W;
    for (int64_t tx = 0; tx < wx.count; tx++) {
      int64_t ix = wx.first + tx * wx.step;
      float v = row[ix];
      const bool take = v > best || v != v;  // selects, not branches: random data defeats the predictor
      best = take ? v : best;
      arg = take ? (wy.first + ty * wy.step) * W + ix : arg;
    }
  }
  return arg;
}

// Sum of a contiguous run; 8 independent partial sums let the compiler vectorise it without
// reassociating (wide windows: adaptive and global pooling).
inline float runSum(const float* x, int64_t n) {
  float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) part[k] += x[i + k];
  float s = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
  for (; i < n; i++) s += x[i];
  return s;
}

inline float windowSum(const float* plane, int64_t W, const AxisWindow& wy, const AxisWindow& wx) {
  // whole rows (global pooling): one contiguous run
  if (wx.first == 0 && wx.count == W && wx.step == 1 && wy.step == 1) return runSum(plane + wy.first * W, wy.count * W);
  float s = 0.0f;
  for (int64_t ty = 0; ty < wy.count; ty++) {
    const float* row = plane + (wy.first + ty * wy.step) * W + wx.first;
    if (wx.step == 1) {
      s += runSum(row, wx.count);
    } else {
      for (int64_t tx = 0; tx < wx.count; tx++) s += row[tx * wx.step];
    }
  }
  return s;
}

// The U-Net's pool: 2×2 windows, stride 2, no padding or dilation, tiling the input exactly. Then
// each window is four taps at fixed offsets, which the compiler vectorises, and the backward
// writes every dx element once (no zero fill, no scatter).
bool isTiling2x2(const PoolPlan& p, const Attrs& a) {
  if (p.kind != PoolKind::Max || p.H != 2 * p.OH || p.W != 2 * p.OW) return false;
  auto k = a.ints("kernel"), s = a.ints("stride"), pad = a.ints("padding"), d = a.ints("dilation");
  return k == std::vector<int64_t>{2, 2} && s == std::vector<int64_t>{2, 2} && pad == std::vector<int64_t>{0, 0} &&
         d == std::vector<int64_t>{1, 1};
}

// The max of a, b, c, d scanned in that order with argmaxTap's rule (first maximum, NaN wins).
CEFM_SIMD_INLINE float max4(float a, float b, float c, float d) {
  float m = a;
  m = b > m || b != b ? b : m;
  m = c > m || c != c ? c : m;
  m = d > m || d != d ? d : m;
  return m;
}

// The 2×2 loops are plain scalar code, compiled once per SIMD level (CEFM_SIMD_VARIANTS) so the
// compiler vectorises them at the machine's width.
template <int W>
CEFM_SIMD_INLINE void maxPool2x2ForwardRows(const PoolPlan& p, const float* x, float* y, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const float* top = x + (r / p.OH) * p.H * p.W + (r % p.OH) * 2 * p.W;  // input row 2·oy of the plane
    const float* bottom = top + p.W;
    float* yr = y + r * p.OW;
    for (int64_t ox = 0; ox < p.OW; ox++) yr[ox] = max4(top[2 * ox], top[2 * ox + 1], bottom[2 * ox], bottom[2 * ox + 1]);
  }
}
CEFM_SIMD_VARIANTS(maxPool2x2ForwardRows, (const PoolPlan& p, const float* x, float* y, int64_t r0, int64_t r1), (p, x, y, r0, r1))

void maxPool2x2Forward(const PoolPlan& p, const float* x, float* y) {
  parallelFor(p.planes * p.OH, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, p.OW)),
              [&](int64_t r0, int64_t r1) { maxPool2x2ForwardRowsSimd(p, x, y, r0, r1); });
}

// dx of one window: dy on the tap argmaxTap picks, 0 on the others. The row loop is branch-free
// (random data defeats a branch predictor) and ignores NaN; a row that holds a NaN is redone tap
// by tap with argmaxTap's rule.
template <int W>
CEFM_SIMD_INLINE void maxPool2x2BackwardRow(const float* top, const float* bottom, const float* g, float* dTop, float* dBottom,
                                            int64_t ow) {
  int anyNan = 0;
  for (int64_t ox = 0; ox < ow; ox++) {
    const float a = top[2 * ox], b = top[2 * ox + 1], c = bottom[2 * ox], d = bottom[2 * ox + 1];
    const float ab = b > a ? b : a, cd = d > c ? d : c, m = cd > ab ? cd : ab;
    anyNan |= (a != a) | (b != b) | (c != c) | (d != d);
    const int ea = a == m, eb = !ea & (b == m), ec = !ea & !eb & (c == m), ed = !ea & !eb & !ec;
    const float go = g[ox];
    dTop[2 * ox] = ea ? go : 0.0f;
    dTop[2 * ox + 1] = eb ? go : 0.0f;
    dBottom[2 * ox] = ec ? go : 0.0f;
    dBottom[2 * ox + 1] = ed ? go : 0.0f;
  }
  if (!anyNan) return;
  for (int64_t ox = 0; ox < ow; ox++) {
    const float v[4] = {top[2 * ox], top[2 * ox + 1], bottom[2 * ox], bottom[2 * ox + 1]};
    float best = -std::numeric_limits<float>::infinity();
    int tap = 0;
    for (int t = 0; t < 4; t++)
      if (v[t] > best || v[t] != v[t]) best = v[t], tap = t;
    const float go = g[ox];
    dTop[2 * ox] = tap == 0 ? go : 0.0f;
    dTop[2 * ox + 1] = tap == 1 ? go : 0.0f;
    dBottom[2 * ox] = tap == 2 ? go : 0.0f;
    dBottom[2 * ox + 1] = tap == 3 ? go : 0.0f;
  }
}

template <int W>
CEFM_SIMD_INLINE void maxPool2x2BackwardRows(const PoolPlan& p, const float* x, const float* dy, float* dx, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const int64_t offset = (r / p.OH) * p.H * p.W + (r % p.OH) * 2 * p.W;
    maxPool2x2BackwardRow<W>(x + offset, x + offset + p.W, dy + r * p.OW, dx + offset, dx + offset + p.W, p.OW);
  }
}
CEFM_SIMD_VARIANTS(maxPool2x2BackwardRows, (const PoolPlan& p, const float* x, const float* dy, float* dx, int64_t r0, int64_t r1),
                   (p, x, dy, dx, r0, r1))

void maxPool2x2Backward(const PoolPlan& p, const float* x, const float* dy, float* dx) {
  parallelFor(p.planes * p.OH, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, p.OW)),
              [&](int64_t r0, int64_t r1) { maxPool2x2BackwardRowsSimd(p, x, dy, dx, r0, r1); });
}

// max with argmaxTap's value rule (a NaN replaces anything, and stays), written without
// branches so the loops below vectorise (with branches, random data mispredicts every other tap).
inline float nanMax(float best, float v) { return (v > best) | (v != v) ? v : best; }

// Max pooling, separable: the window's input rows are first reduced column by column into one
// contiguous row, padded with -inf on both sides; then a running max of K neighbours along that
// row, read at every stride-th position. Both passes are plain contiguous loops. Max is
// order-free for values; a NaN still spreads. (The CCT tokenizer's 3x3 stride-2 pools were 20x
// slower than PyTorch's with a per-window scan, and 2x slower with a branchy horizontal scan.)
struct HorizontalPlan {
  int64_t kernel, stride, pad, rowLength;  // rowLength: the -inf-padded row the windows read
};

HorizontalPlan horizontalPlan(const PoolPlan& p, const Attrs& a) {
  const int64_t k = a.ints("kernel")[1], st = a.ints("stride")[1], pad = a.ints("padding")[1];
  // Every window [ox * st - pad, ... + k) lies inside [-pad, rowLength - pad).
  return {k, st, pad, std::max((p.OW - 1) * st + k, pad + p.W)};
}

template <int K>
void maxPoolRows(const PoolPlan& p, const HorizontalPlan& hp, const float* x, float* y) {
  const int64_t k = K ? K : hp.kernel, runs = (p.OW - 1) * hp.stride + 1;
  parallelFor(p.planes * p.OH, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, p.OW)), [&](int64_t r0, int64_t r1) {
    std::vector<float> padded(size_t(hp.rowLength), -std::numeric_limits<float>::infinity());
    std::vector<float> windowMax(static_cast<size_t>(runs));
    float* col = padded.data() + hp.pad;
    float* hm = windowMax.data();
    for (int64_t r = r0; r < r1; r++) {
      const int64_t plane = r / p.OH, oy = r % p.OH;
      const float* xp = x + plane * p.H * p.W;
      float* yr = y + r * p.OW;
      const AxisWindow& wy = p.wh[size_t(oy)];
      if (wy.count == 0) {
        std::fill(yr, yr + p.OW, -std::numeric_limits<float>::infinity());
        continue;
      }
      std::copy(xp + wy.first * p.W, xp + (wy.first + 1) * p.W, col);
      for (int64_t ty = 1; ty < wy.count; ty++) {
        const float* row = xp + (wy.first + ty * wy.step) * p.W;
        for (int64_t i = 0; i < p.W; i++) col[i] = nanMax(col[i], row[i]);
      }
      // hm[j] = max of padded[j, j + k): the window of output j / stride when j is a multiple.
      const float* base = padded.data();
      for (int64_t j = 0; j < runs; j++) hm[j] = base[j];
      for (int64_t t = 1; t < k; t++)
        for (int64_t j = 0; j < runs; j++) hm[j] = nanMax(hm[j], base[j + t]);
      for (int64_t ox = 0; ox < p.OW; ox++) yr[ox] = hm[ox * hp.stride];
    }
  });
}

void poolForward(PoolKind kind, KernelCall& c) {
  const TensorView& x = c.in[0];
  TensorView& y = c.out[0];
  PoolPlan p = makePlan(kind, x, y.shape, c.attrs);
  if (isTiling2x2(p, c.attrs)) {
    maxPool2x2Forward(p, x.data, y.data);
    return;
  }
  if (kind == PoolKind::Adaptive && p.OH == 1 && p.OW == 1) {  // global pooling: the threaded, vectorised mean of each plane
    reduceDims(ReduceTerm::Sum, {x.data}, {p.planes, p.H * p.W}, {false, true}, y.data, 1.0f / float(p.H * p.W));
    return;
  }
  if (kind == PoolKind::Max && c.attrs.ints("dilation")[1] == 1) {
    const HorizontalPlan hp = horizontalPlan(p, c.attrs);
    if (hp.kernel == 3) maxPoolRows<3>(p, hp, x.data, y.data);
    else if (hp.kernel == 2) maxPoolRows<2>(p, hp, x.data, y.data);
    else maxPoolRows<0>(p, hp, x.data, y.data);
    return;
  }
  if (kind == PoolKind::Max) {  // dilated: window by window
    parallelFor(p.planes * p.OH, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, p.OW)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) {
        const float* xp = x.data + (r / p.OH) * p.H * p.W;
        for (int64_t ox = 0; ox < p.OW; ox++) argmaxTap(xp, p.W, p.wh[size_t(r % p.OH)], p.ww[size_t(ox)], y.data[r * p.OW + ox]);
      }
    });
    return;
  }
  // one task = one output row of one plane
  parallelFor(p.planes * p.OH, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, p.OW)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int64_t plane = r / p.OH, oy = r % p.OH;
      const float* xp = x.data + plane * p.H * p.W;
      float* yr = y.data + r * p.OW;
      const AxisWindow& wy = p.wh[size_t(oy)];
      for (int64_t ox = 0; ox < p.OW; ox++) {
        const AxisWindow& wx = p.ww[size_t(ox)];
        yr[ox] = windowSum(xp, p.W, wy, wx) / float(wy.divisor * wx.divisor);
      }
    }
  });
}

// inputs: x, y, dy -> dx. Each plane's dx belongs to one task, so the scatter needs no atomics.
void poolBackward(PoolKind kind, KernelCall& c) {
  const TensorView &x = c.in[0], &dy = c.in[2];
  TensorView& dx = c.out[0];
  PoolPlan p = makePlan(kind, x, dy.shape, c.attrs);
  if (isTiling2x2(p, c.attrs)) {
    maxPool2x2Backward(p, x.data, dy.data, dx.data);
    return;
  }
  parallelFor(p.planes, 1, [&](int64_t q0, int64_t q1) {
    for (int64_t plane = q0; plane < q1; plane++) {
      const float* xp = x.data + plane * p.H * p.W;
      const float* g = dy.data + plane * p.OH * p.OW;
      float* d = dx.data + plane * p.H * p.W;
      std::fill(d, d + p.H * p.W, 0.0f);
      for (int64_t oy = 0; oy < p.OH; oy++) {
        const AxisWindow& wy = p.wh[size_t(oy)];
        for (int64_t ox = 0; ox < p.OW; ox++) {
          const AxisWindow& wx = p.ww[size_t(ox)];
          float go = g[oy * p.OW + ox];
          if (kind == PoolKind::Max) {
            float best;
            if (wy.count > 0 && wx.count > 0) d[argmaxTap(xp, p.W, wy, wx, best)] += go;
            continue;
          }
          float share = go / float(wy.divisor * wx.divisor);
          for (int64_t ty = 0; ty < wy.count; ty++) {
            float* row = d + (wy.first + ty * wy.step) * p.W + wx.first;
            for (int64_t tx = 0; tx < wx.count; tx++) row[tx * wx.step] += share;
          }
        }
      }
    }
  });
}

template <PoolKind K>
void forwardOf(KernelCall& c) { poolForward(K, c); }
template <PoolKind K>
void backwardOf(KernelCall& c) { poolBackward(K, c); }

}  // namespace

CEFM_KERNEL(max_pool2d, forwardOf<PoolKind::Max>);
CEFM_KERNEL(max_pool2d_backward, backwardOf<PoolKind::Max>);
CEFM_KERNEL(avg_pool2d, forwardOf<PoolKind::Avg>);
CEFM_KERNEL(avg_pool2d_backward, backwardOf<PoolKind::Avg>);
CEFM_KERNEL(adaptive_avg_pool2d, forwardOf<PoolKind::Adaptive>);
CEFM_KERNEL(adaptive_avg_pool2d_backward, backwardOf<PoolKind::Adaptive>);

}  // namespace cefm
