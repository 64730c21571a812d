// batch_norm (channels of [N, C, ...]), forward and backward. Statistics are two-pass (mean, then
// the centred sum of squares) so inputs with a large mean keep their precision; the per-channel
// sums go through reduceDims.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../core/kernel.h"
#include "../core/parallel.h"
#include "reduce_core.h"

namespace cefm {

namespace {

using simd::VF;

// x [N, C, ...] as N × C runs of S contiguous elements.
struct ChannelLayout {
  int64_t N, C, S;
  explicit ChannelLayout(const TensorView& x) : N(x.dim(0)), C(x.dim(1)), S(x.numel() / std::max<int64_t>(1, x.dim(0) * x.dim(1))) {}
  int64_t count() const { return N * S; }  // elements per channel
  std::vector<int64_t> shape() const { return {N, C, S}; }
};

// Per-channel reductions over N and the spatial dims.
void channelReduce(ReduceTerm term, const ReduceOperands& in, const ChannelLayout& L, float* out, float scale) {
  reduceDims(term, in, L.shape(), {true, false, true}, out, scale);
}

// out = α[c]·p + β[c]·(q − μ[c]) + δ[c]: forward (α = 0) and both backward modes in one pass.
struct ChannelAffine {
  std::vector<float> alpha, beta, mu, delta;
  explicit ChannelAffine(int64_t C) : alpha(size_t(C)), beta(size_t(C)), mu(size_t(C)), delta(size_t(C)) {}
};

// n elements; PER_LANE: coefficients indexed like the data (one row of C channels), else one
// channel's coefficients for the whole run.
template <int W, bool PER_LANE>
CEFM_SIMD_INLINE void affineLoop(const float* p, const float* q, float* out, int64_t n, const float* al, const float* be, const float* mu,
                                 const float* de) {
  using namespace simd;
  for (int64_t i = 0; i < n; i += W) {
    const int64_t k = std::min<int64_t>(W, n - i);
    VF<W> a = PER_LANE ? loadN<W>(al + i, k, 0.0f) : splat<W>(al[0]);
    VF<W> b = PER_LANE ? loadN<W>(be + i, k, 0.0f) : splat<W>(be[0]);
    VF<W> m = PER_LANE ? loadN<W>(mu + i, k, 0.0f) : splat<W>(mu[0]);
    VF<W> d = PER_LANE ? loadN<W>(de + i, k, 0.0f) : splat<W>(de[0]);
    VF<W> pv = p ? loadN<W>(p + i, k, 0.0f) : splat<W>(0.0f);
    storeN<W>(out + i, a * pv + b * (loadN<W>(q + i, k, 0.0f) - m) + d, k);
  }
}

// Runs [r0, r1): with S > 1 run r is channel r % C's S elements; with S == 1 run r is sample r's
// row of C channels.
template <int W>
CEFM_SIMD_INLINE void affineRuns(const float* p, const float* q, float* out, int64_t r0, int64_t r1, int64_t C, int64_t S,
                                 const ChannelAffine& k) {
  const int64_t len = S == 1 ? C : S;
  for (int64_t r = r0; r < r1; r++) {
    const int64_t off = r * len, c = S == 1 ? 0 : r % C;
    const float* pr = p ? p + off : nullptr;
    if (S == 1) affineLoop<W, true>(pr, q + off, out + off, len, k.alpha.data(), k.beta.data(), k.mu.data(), k.delta.data());
    else affineLoop<W, false>(pr, q + off, out + off, len, &k.alpha[size_t(c)], &k.beta[size_t(c)], &k.mu[size_t(c)], &k.delta[size_t(c)]);
  }
}
CEFM_SIMD_VARIANTS(affineRuns,
                   (const float* p, const float* q, float* out, int64_t r0, int64_t r1, int64_t C, int64_t S, const ChannelAffine& k),
                   (p, q, out, r0, r1, C, S, k))

void applyAffine(const float* p, const float* q, float* out, const ChannelLayout& L, const ChannelAffine& k) {
  const int64_t runs = L.S == 1 ? L.N : L.N * L.C, len = L.S == 1 ? L.C : L.S;
  parallelFor(runs, std::max<int64_t>(1, 16384 / std::max<int64_t>(len, 1)),
              [&](int64_t r0, int64_t r1) { affineRunsSimd(p, q, out, r0, r1, L.C, L.S, k); });
}

struct ChannelStats {
  std::vector<float> mean, rstd;
};

// Batch statistics (training) or the running ones (eval); `variance` receives the biased batch
// variance in training.
ChannelStats channelStats(const KernelCall& c, const ChannelLayout& L, std::vector<float>* variance = nullptr) {
  const bool training = c.attrs.num("training", 0) != 0;
  const double eps = c.attrs.num("eps", 1e-5);
  ChannelStats st{std::vector<float>(size_t(L.C)), std::vector<float>(size_t(L.C))};
  std::vector<float> var(size_t(L.C));
  if (training) {
    const float inv = 1.0f / float(L.count());
    channelReduce(ReduceTerm::Sum, {c.in[0].data}, L, st.mean.data(), inv);
    channelReduce(ReduceTerm::CenteredSquare, {c.in[0].data, nullptr, st.mean.data()}, L, var.data(), inv);
  } else {
    std::copy(c.in[3].data, c.in[3].data + L.C, st.mean.begin());
    std::copy(c.in[4].data, c.in[4].data + L.C, var.begin());
  }
  for (int64_t ch = 0; ch < L.C; ch++) st.rstd[size_t(ch)] = float(1.0 / std::sqrt(double(var[size_t(ch)]) + eps));
  if (variance) *variance = std::move(var);
  return st;
}

// x, weight, bias, running_mean, running_var -> y, new_running_mean, new_running_var
void batchNormForward(KernelCall& c) {
  const TensorView &x = c.in[0], &w = c.in[1], &b = c.in[2], &rm = c.in[3], &rv = c.in[4];
  const ChannelLayout L(x);
  const bool training = c.attrs.num("training", 0) != 0;
  const double momentum = c.attrs.num("momentum", 0.1);
  std::vector<float> var;
  const ChannelStats st = channelStats(c, L, &var);
  ChannelAffine k(L.C);
  for (int64_t ch = 0; ch < L.C; ch++) {
    const size_t i = size_t(ch);
    k.beta[i] = w.data[ch] * st.rstd[i];
    k.mu[i] = st.mean[i];
    k.delta[i] = b.data[ch];
    const double M = double(L.count());
    c.out[1].data[ch] = training ? float((1 - momentum) * rm.data[ch] + momentum * st.mean[i]) : rm.data[ch];
    c.out[2].data[ch] = training ? float((1 - momentum) * rv.data[ch] + momentum * var[i] * M / (M - 1)) : rv.data[ch];
  }
  applyAffine(nullptr, x.data, c.out[0].data, L, k);
}

// x, weight, bias, running_mean, running_var, y, new_mean, new_var, dy, dnew_mean, dnew_var
// -> dx, dweight, dbias. dbias = Σ dy, dweight = rstd Σ dy (x − mean); training:
// dx = w rstd (dy − Σdy/M − (x − mean) rstd² Σ dy (x − mean) / M); eval: dx = w rstd dy.
void batchNormBackward(KernelCall& c) {
  const TensorView &x = c.in[0], &w = c.in[1], &dy = c.in[8];
  const ChannelLayout L(x);
  const bool training = c.attrs.num("training", 0) != 0;
  const ChannelStats st = channelStats(c, L);
  float *dw = c.out[1].data, *db = c.out[2].data;
  std::vector<float> sdyc(size_t(L.C));  // Σ dy (x − mean)
  channelReduce(ReduceTerm::Sum, {dy.data}, L, db, 1.0f);
  channelReduce(ReduceTerm::CenteredProduct, {x.data, dy.data, st.mean.data()}, L, sdyc.data(), 1.0f);
  ChannelAffine k(L.C);
  const float invM = 1.0f / float(L.count());
  for (int64_t ch = 0; ch < L.C; ch++) {
    const size_t i = size_t(ch);
    const float rstd = st.rstd[i], scale = w.data[ch] * rstd;
    dw[ch] = sdyc[i] * rstd;
    k.alpha[i] = scale;
    k.beta[i] = training ? -scale * rstd * rstd * sdyc[i] * invM : 0.0f;
    k.mu[i] = st.mean[i];
    k.delta[i] = training ? -scale * db[ch] * invM : 0.0f;
  }
  applyAffine(dy.data, x.data, c.out[0].data, L, k);
}

}  // namespace

CEFM_KERNEL(batch_norm, batchNormForward);
CEFM_KERNEL(batch_norm_backward, batchNormBackward);

}  // namespace cefm
