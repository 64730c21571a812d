// cross_entropy, bce_with_logits, dice_loss and nt_xent, forward and backward. cross_entropy and
// nt_xent share the row-softmax cross-entropy (RowSoftmaxCE); sums are deterministic: fixed
// blocks reduced in double, whatever the thread count.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../core/kernel.h"
#include "../core/parallel.h"
#include "gemm.h"
#include "simd.h"

namespace cefm {

namespace {

constexpr int64_t kBlock = 4096;

// Sums `Q` quantities per segment over [0, len) of each of `segments` segments, in fixed blocks:
// block(begin, end, acc) adds the block's sums into acc.
template <size_t Q, typename Block>
std::vector<std::array<double, Q>> segmentSums(int64_t segments, int64_t len, Block block) {
  const int64_t blocks = (len + kBlock - 1) / kBlock;
  std::vector<std::array<double, Q>> partial(size_t(segments * blocks));
  parallelFor(segments * blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
      const int64_t seg = b / blocks, begin = seg * len + (b % blocks) * kBlock, end = std::min(begin + kBlock, (seg + 1) * len);
      std::array<double, Q> acc{};
      block(begin, end, acc.data());
      partial[size_t(b)] = acc;
    }
  });
  std::vector<std::array<double, Q>> sums(static_cast<size_t>(segments));
  for (int64_t s = 0; s < segments; s++)
    for (int64_t b = 0; b < blocks; b++)
      for (size_t q = 0; q < Q; q++) sums[size_t(s)][q] += partial[size_t(s * blocks + b)][q];
  return sums;
}

inline float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

// max(x, 0) − x·y + log(1 + e^−|x|): binary cross-entropy on logits, stable for either sign.
inline float bceTerm(float x, float y) { return std::max(x, 0.0f) - x * y + std::log1p(std::exp(-std::fabs(x))); }

// The pointwise loss loops, vectorised (simd.h); each has a scalar tail.

// sum[0] += Σ w·bceTerm(x, y) over n elements (w null: weight 1).
template <int W>
CEFM_SIMD_INLINE void bceBlock(const float* x, const float* y, const float* w, int64_t n, double* sum) {
  using F = simd::VF<W>;
  F acc{};
  const F zero{};
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    const F xv = simd::load<W>(x + i), yv = simd::load<W>(y + i);
    F l = simd::vmax<W>(xv, zero) - xv * yv + simd::vlog1p<W>(simd::vexp<W>(-simd::vabs<W>(xv)));
    if (w) l = l * simd::load<W>(w + i);
    acc += l;
  }
  double total = simd::hsum<W>(acc);
  for (; i < n; i++) total += double(w ? w[i] * bceTerm(x[i], y[i]) : bceTerm(x[i], y[i]));
  sum[0] += total;
}
CEFM_SIMD_VARIANTS(bceBlock, (const float* x, const float* y, const float* w, int64_t n, double* sum), (x, y, w, n, sum))

// dx = g·w·(σ(x) − y) over n elements.
template <int W>
CEFM_SIMD_INLINE void bceGradRun(const float* x, const float* y, const float* w, float g, int64_t n, float* dx) {
  using F = simd::VF<W>;
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    F d = g * (simd::vsigmoid<W>(simd::load<W>(x + i)) - simd::load<W>(y + i));
    if (w) d = d * simd::load<W>(w + i);
    simd::store<W>(dx + i, d);
  }
  for (; i < n; i++) dx[i] = (w ? g * w[i] : g) * (sigmoid(x[i]) - y[i]);
}
CEFM_SIMD_VARIANTS(bceGradRun, (const float* x, const float* y, const float* w, float g, int64_t n, float* dx),
                   (x, y, w, g, n, dx))

// sums += {Σσ(x)·y, Σσ(x), Σy} over n elements.
template <int W>
CEFM_SIMD_INLINE void diceBlock(const float* x, const float* y, int64_t n, double* sums) {
  using F = simd::VF<W>;
  F inter{}, sig{}, tgt{};
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    const F s = simd::vsigmoid<W>(simd::load<W>(x + i)), yv = simd::load<W>(y + i);
    inter += s * yv;
    sig += s;
    tgt += yv;
  }
  double a = simd::hsum<W>(inter), b = simd::hsum<W>(sig), c = simd::hsum<W>(tgt);
  for (; i < n; i++) {
    const float s = sigmoid(x[i]);
    a += double(s * y[i]);
    b += double(s);
    c += double(y[i]);
  }
  sums[0] += a;
  sums[1] += b;
  sums[2] += c;
}
CEFM_SIMD_VARIANTS(diceBlock, (const float* x, const float* y, int64_t n, double* sums), (x, y, n, sums))

// dx = coef·(A − 2·y·B)·σ(x)·(1 − σ(x)) over n elements of one sample.
template <int W>
CEFM_SIMD_INLINE void diceGradRun(const float* x, const float* y, int64_t n, float coef, float A, float B, float* dx) {
  using F = simd::VF<W>;
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    const F s = simd::vsigmoid<W>(simd::load<W>(x + i));
    simd::store<W>(dx + i, coef * (A - 2.0f * B * simd::load<W>(y + i)) * s * (1.0f - s));
  }
  for (; i < n; i++) {
    const float s = sigmoid(x[i]);
    dx[i] = coef * (A - 2.0f * y[i] * B) * s * (1.0f - s);
  }
}
CEFM_SIMD_VARIANTS(diceGradRun, (const float* x, const float* y, int64_t n, float coef, float A, float B, float* dx),
                   (x, y, n, coef, A, B, dx))

// Cross-entropy of each row of scale·logits[rows, cols] against target[row], with column
// masked[row] (or none: -1) excluded, as src/ts/ops/losses.ts rowSoftmaxCrossEntropy.
struct RowSoftmaxCE {
  const float* logits;
  int64_t rows, cols;
  float scale;
  std::vector<int64_t> target, masked;
  std::vector<float> lse;  // log-sum-exp of each scaled row
  std::vector<double> loss;

  void run() {
    lse.assign(size_t(rows), 0.0f);
    loss.assign(size_t(rows), 0.0);
    parallelFor(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, cols)), [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0; i < r1; i++) {
        const float* x = logits + i * cols;
        const int64_t skip = masked[size_t(i)];
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < cols; j++)
          if (j != skip) m = std::max(m, scale * x[j]);
        double s = 0.0;
        for (int64_t j = 0; j < cols; j++)
          if (j != skip) s += std::exp(double(scale * x[j] - m));
        lse[size_t(i)] = m + float(std::log(s));
        loss[size_t(i)] = double(lse[size_t(i)]) - double(scale * x[target[size_t(i)]]);
      }
    });
  }
  double meanLoss() const {
    double s = 0.0;
    for (double v : loss) s += v;
    return s / double(rows);
  }
  // d(weight · Σ loss_i) / d logits (unscaled), into grad[rows, cols]; needs run() first.
  void gradient(float weight, float* grad) const {
    parallelFor(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, cols)), [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0; i < r1; i++) {
        const float* x = logits + i * cols;
        float* g = grad + i * cols;
        for (int64_t j = 0; j < cols; j++) {
          float p = j == masked[size_t(i)] ? 0.0f : std::exp(scale * x[j] - lse[size_t(i)]);
          g[j] = weight * scale * (p - (j == target[size_t(i)] ? 1.0f : 0.0f));
        }
      }
    });
  }
};

RowSoftmaxCE crossEntropyRows(const TensorView& logits, const TensorView& target) {
  RowSoftmaxCE ce{logits.data, logits.dim(0), logits.dim(1), 1.0f, {}, {}, {}, {}};
  ce.masked.assign(size_t(ce.rows), -1);
  for (int64_t i = 0; i < ce.rows; i++) {
    float t = target.data[i];
    if (!(t > -1.0f && t < float(ce.cols))) {  // its integer part must be a class; rejects NaN
      throw KernelError("cross_entropy: target " + std::to_string(t) + " of row " + std::to_string(i) +
                        " is not a class index in [0, " + std::to_string(ce.cols) + ")");
    }
    ce.target.push_back(int64_t(t));  // the integer part, as .long()
  }
  ce.run();
  return ce;
}

void crossEntropyForward(KernelCall& c) {
  c.out[0].data[0] = float(crossEntropyRows(c.in[0], c.in[1]).meanLoss());
}

// inputs: logits, target, loss, dloss -> dlogits
void crossEntropyBackward(KernelCall& c) {
  RowSoftmaxCE ce = crossEntropyRows(c.in[0], c.in[1]);
  ce.gradient(c.in[3].data[0] / float(ce.rows), c.out[0].data);
}

// inputs: x, y, weight? -> loss = mean(weight · l)
void bceForward(KernelCall& c) {
  const float *x = c.in[0].data, *y = c.in[1].data, *w = c.in.size() == 3 ? c.in[2].data : nullptr;
  const int64_t n = c.in[0].numel();
  auto sums = segmentSums<1>(1, n, [&](int64_t begin, int64_t end, double* acc) {
    bceBlockSimd(x + begin, y + begin, w ? w + begin : nullptr, end - begin, acc);
  });
  c.out[0].data[0] = float(sums[0][0] / double(n));
}

// inputs: x, y, weight?, loss, dloss -> dx = weight · (σ(x) − y) · dloss / numel
void bceBackward(KernelCall& c) {
  const float *x = c.in[0].data, *y = c.in[1].data, *w = c.in.size() == 5 ? c.in[2].data : nullptr;
  const int64_t n = c.in[0].numel();
  const float g = c.in.back().data[0] / float(n);
  float* dx = c.out[0].data;
  parallelFor(n, 16384, [&](int64_t i0, int64_t i1) { bceGradRunSimd(x + i0, y + i0, w ? w + i0 : nullptr, g, i1 - i0, dx + i0); });
}

// Per-sample I = Σσ(x)·y, S = Σσ(x), Y = Σy.
std::vector<std::array<double, 3>> diceSums(const TensorView& x, const TensorView& y) {
  const int64_t n = x.dim(0), m = x.numel() / n;
  return segmentSums<3>(n, m, [&](int64_t begin, int64_t end, double* acc) {
    diceBlockSimd(x.data + begin, y.data + begin, end - begin, acc);
  });
}

void diceForward(KernelCall& c) {
  const double smooth = c.attrs.num("smooth", 1.0);
  auto sums = diceSums(c.in[0], c.in[1]);
  double total = 0.0;
  for (auto& s : sums) total += 1.0 - (2.0 * s[0] + smooth) / (s[1] + s[2] + smooth);
  c.out[0].data[0] = float(total / double(sums.size()));
}

// inputs: x, y, loss, dloss -> dx; loss_b = 1 − A/B: ∂loss_b/∂σ_k = (A − 2·y_k·B) / B².
void diceBackward(KernelCall& c) {
  const TensorView &x = c.in[0], &y = c.in[1];
  const double smooth = c.attrs.num("smooth", 1.0);
  const int64_t n = x.dim(0), m = x.numel() / n;
  auto sums = diceSums(x, y);
  std::vector<float> A(static_cast<size_t>(n)), B(static_cast<size_t>(n)), coef(static_cast<size_t>(n));
  for (int64_t b = 0; b < n; b++) {
    double a = 2.0 * sums[size_t(b)][0] + smooth, bb = sums[size_t(b)][1] + sums[size_t(b)][2] + smooth;
    A[size_t(b)] = float(a);
    B[size_t(b)] = float(bb);
    coef[size_t(b)] = float(double(c.in[3].data[0]) / double(n) / (bb * bb));
  }
  float* dx = c.out[0].data;
  parallelFor(n * m, 16384, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1;) {  // runs within one sample
      const size_t b = size_t(i / m);
      const int64_t end = std::min(i1, int64_t(b + 1) * m);
      diceGradRunSimd(x.data + i, y.data + i, end - i, coef[b], A[b], B[b], dx + i);
      i = end;
    }
  });
}

// ---- nt_xent: rows of z1 then z2, L2-normalised (eps 1e-12, as F.normalize), sim = z·zᵀ / tau.

constexpr float kNormalizeEps = 1e-12f;

struct NtXentState {
  int64_t n, d, rows;
  std::vector<float> z, norms, sim;
  RowSoftmaxCE ce;
};

NtXentState ntXentForward(const TensorView& z1, const TensorView& z2, double tau) {
  NtXentState s;
  s.n = z1.dim(0);
  s.d = z1.dim(1);
  s.rows = 2 * s.n;
  s.z.resize(size_t(s.rows * s.d));
  s.norms.resize(size_t(s.rows));
  parallelFor(s.rows, 64, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* src = (r < s.n ? z1.data : z2.data) + (r % s.n) * s.d;
      double ss = 0.0;
      for (int64_t k = 0; k < s.d; k++) ss += double(src[k]) * src[k];
      float norm = std::max(float(std::sqrt(ss)), kNormalizeEps);
      s.norms[size_t(r)] = norm;
      for (int64_t k = 0; k < s.d; k++) s.z[size_t(r * s.d + k)] = src[k] / norm;
    }
  });
  s.sim.resize(size_t(s.rows * s.rows));
  sgemm(false, true, s.rows, s.rows, s.d, 1.0f, s.z.data(), s.d, s.z.data(), s.d, 0.0f, s.sim.data(), s.rows);
  s.ce = RowSoftmaxCE{s.sim.data(), s.rows, s.rows, float(1.0 / tau), {}, {}, {}, {}};
  for (int64_t i = 0; i < s.rows; i++) {
    s.ce.target.push_back((i + s.n) % s.rows);
    s.ce.masked.push_back(i);
  }
  s.ce.run();
  return s;
}

void ntXentKernel(KernelCall& c) {
  c.out[0].data[0] = float(ntXentForward(c.in[0], c.in[1], c.attrs.num("tau", 1.0)).ce.meanLoss());
}

// inputs: z1, z2, loss, dloss -> dz1, dz2. G = dloss/dsim; dz = (G + Gᵀ)·z, then through the normalisation.
void ntXentBackward(KernelCall& c) {
  NtXentState s = ntXentForward(c.in[0], c.in[1], c.attrs.num("tau", 1.0));
  std::vector<float> g(size_t(s.rows * s.rows)), dz(size_t(s.rows * s.d));
  s.ce.gradient(c.in[3].data[0] / float(s.rows), g.data());
  sgemm(false, false, s.rows, s.d, s.rows, 1.0f, g.data(), s.rows, s.z.data(), s.d, 0.0f, dz.data(), s.d);
  sgemm(true, false, s.rows, s.d, s.rows, 1.0f, g.data(), s.rows, s.z.data(), s.d, 1.0f, dz.data(), s.d);
  parallelFor(s.rows, 64, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* zr = s.z.data() + r * s.d;
      const float* gr = dz.data() + r * s.d;
      float* out = (r < s.n ? c.out[0].data : c.out[1].data) + (r % s.n) * s.d;
      const float norm = s.norms[size_t(r)];
      // below eps the norm is a constant, so no gradient flows through it
      double dot = 0.0;
      if (norm > kNormalizeEps)
        for (int64_t k = 0; k < s.d; k++) dot += double(gr[k]) * zr[k];
      for (int64_t k = 0; k < s.d; k++) out[k] = (gr[k] - float(dot) * zr[k]) / norm;
    }
  });
}

}  // namespace

CEFM_KERNEL(cross_entropy, crossEntropyForward);
CEFM_KERNEL(cross_entropy_backward, crossEntropyBackward);
CEFM_KERNEL(bce_with_logits, bceForward);
CEFM_KERNEL(bce_with_logits_backward, bceBackward);
CEFM_KERNEL(dice_loss, diceForward);
CEFM_KERNEL(dice_loss_backward, diceBackward);
CEFM_KERNEL(nt_xent, ntXentKernel);
CEFM_KERNEL(nt_xent_backward, ntXentBackward);

}  // namespace cefm
