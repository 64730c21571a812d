// The reduction core (reduce_core.h) and the sum / mean kernels built on it.
#include <algorithm>
#include <vector>

#include "../core/kernel.h"
#include "../core/parallel.h"
#include "binary.h"
#include "reduce_core.h"

namespace cefm {

namespace {

using simd::VF;

// The input as runs of kept and reduced dims (size-1 dims dropped, neighbours of one kind merged).
// rows: the innermost run is reduced, so each output sums contiguous runs (offset, length).
// columns: the innermost run of L outputs is kept, so a group of L outputs sums contiguous
// vectors of L inputs, one per reduced position.
struct ReducePlan {
  bool rows = false;
  int64_t L = 1;
  std::vector<int64_t> outerOff;  // rows: each output's offset; columns: each group's offset
  std::vector<int64_t> runOff;    // rows: each reduced run's offset; columns: each reduced position's
  std::vector<int64_t> runLen;    // rows only
  int64_t outputs() const { return rows ? int64_t(outerOff.size()) : int64_t(outerOff.size()) * L; }
};

struct Dim {
  int64_t size, stride;
};

// Offsets of every index of `dims` (outermost first), in row-major order.
std::vector<int64_t> offsetsOf(const std::vector<Dim>& dims) {
  std::vector<int64_t> off{0};
  for (const Dim& d : dims) {
    std::vector<int64_t> next;
    next.reserve(off.size() * size_t(d.size));
    for (int64_t o : off)
      for (int64_t i = 0; i < d.size; i++) next.push_back(o + i * d.stride);
    off.swap(next);
  }
  return off;
}

// Reduced rows are cut into segments so a long row can be split over threads and so each float
// accumulator sums few values; the segments' sums are added in double.
constexpr int64_t kSegment = 4096;

ReducePlan makePlan(const std::vector<int64_t>& shape, const std::vector<bool>& reduced) {
  struct Run {
    int64_t size, stride;
    bool reduced;
  };
  std::vector<Run> runs;  // innermost first
  int64_t stride = 1;
  for (int d = int(shape.size()) - 1; d >= 0; d--) {
    if (shape[size_t(d)] == 1) continue;
    if (!runs.empty() && runs.back().reduced == reduced[size_t(d)]) runs.back().size *= shape[size_t(d)];
    else runs.push_back({shape[size_t(d)], stride, reduced[size_t(d)]});
    stride *= shape[size_t(d)];
  }
  ReducePlan p;
  p.rows = !runs.empty() && runs[0].reduced;
  p.L = runs.empty() ? 1 : runs[0].size;
  std::vector<Dim> kept, red;
  for (size_t i = runs.size(); i-- > (runs.empty() ? 0 : 1);) (runs[i].reduced ? red : kept).push_back({runs[i].size, runs[i].stride});
  p.outerOff = offsetsOf(kept);
  std::vector<int64_t> reducedOff = offsetsOf(red);
  if (!p.rows) {
    p.runOff = reducedOff;
    return p;
  }
  for (int64_t off : reducedOff)
    for (int64_t s = 0; s < p.L; s += kSegment) {
      p.runOff.push_back(off + s);
      p.runLen.push_back(std::min(kSegment, p.L - s));
    }
  return p;
}

template <int W, class Term>
CEFM_SIMD_INLINE void rowsLoop(const ReduceOperands& in, const ReducePlan& p, int64_t j0, int64_t j1, int64_t o0, int64_t o1,
                               double* dst) {
  for (int64_t o = o0; o < o1; o++) {
    const int64_t base = p.outerOff[size_t(o)];
    const float c = in.shift ? in.shift[o] : 0.0f;
    double s = 0;
    for (int64_t j = j0; j < j1; j++) {
      const int64_t off = base + p.runOff[size_t(j)];
      s += simd::rowReduce<W, Term>(in.a + off, Term::usesB ? in.b + off : nullptr, p.runLen[size_t(j)], c);
    }
    dst[o - o0] = s;
  }
}

// dst[o − o0] = Σ over runs [j0, j1) of output o, for outputs [o0, o1).
template <int W>
CEFM_SIMD_INLINE void reduceRows(ReduceTerm term, const ReduceOperands& in, const ReducePlan& p, int64_t j0, int64_t j1, int64_t o0,
                                 int64_t o1, double* dst) {
  switch (term) {
    case ReduceTerm::Sum: rowsLoop<W, simd::TermSum>(in, p, j0, j1, o0, o1, dst); break;
    case ReduceTerm::CenteredSquare: rowsLoop<W, simd::TermCenteredSquare>(in, p, j0, j1, o0, o1, dst); break;
    case ReduceTerm::CenteredProduct: rowsLoop<W, simd::TermCenteredProduct>(in, p, j0, j1, o0, o1, dst); break;
  }
}
CEFM_SIMD_VARIANTS(reduceRows,
                   (ReduceTerm term, const ReduceOperands& in, const ReducePlan& p, int64_t j0, int64_t j1, int64_t o0, int64_t o1,
                    double* dst),
                   (term, in, p, j0, j1, o0, o1, dst))

// Column work is cut into chunks of at most this many outputs (a float accumulator in L1).
constexpr int64_t kColumnChunk = 256;
// Float accumulators are flushed into double ones after this many reduced positions.
constexpr int64_t kFlushEvery = 64;

// acc[l] += Term(a[l], b[l], shift[l]) for l < n (shift may be null: 0).
template <int W, class Term>
CEFM_SIMD_INLINE void accumulateTerms(float* acc, const float* a, const float* b, const float* shift, int64_t n) {
  int64_t l = 0;
  for (; l + W <= n; l += W) {
    VF<W> c = shift ? simd::load<W>(shift + l) : VF<W>{};
    simd::store<W>(acc + l, simd::load<W>(acc + l) + simd::termAt<W, Term>(a, b, l, c));
  }
  if (l < n) {
    const int64_t r = n - l;
    VF<W> c = shift ? simd::loadPartial<W>(shift + l, r, 0.0f) : VF<W>{};
    VF<W> bv = Term::usesB ? simd::loadPartial<W>(b + l, r, 0.0f) : VF<W>{};
    VF<W> t = Term::template at<W>(simd::loadPartial<W>(a + l, r, 0.0f), bv, c);
    simd::storePartial<W>(acc + l, simd::loadPartial<W>(acc + l, r, 0.0f) + t, r);
  }
}

template <int W, class Term>
CEFM_SIMD_INLINE void columnsLoop(const ReduceOperands& in, const ReducePlan& p, int64_t g, int64_t l0, int64_t l1, int64_t j0,
                                  int64_t j1, double* dst) {
  float acc[kColumnChunk];
  const int64_t n = l1 - l0, outBase = g * p.L + l0;
  std::fill(dst, dst + n, 0.0);
  std::fill(acc, acc + n, 0.0f);
  for (int64_t j = j0; j < j1; j++) {
    const int64_t off = p.outerOff[size_t(g)] + p.runOff[size_t(j)] + l0;
    const float* a = in.a + off;
    const float* b = Term::usesB ? in.b + off : nullptr;
    const float* shift = in.shift ? in.shift + outBase : nullptr;
    accumulateTerms<W, Term>(acc, a, b, shift, n);
    if ((j - j0) % kFlushEvery == kFlushEvery - 1 || j == j1 - 1) {
      for (int64_t i = 0; i < n; i++) dst[i] += acc[i];
      std::fill(acc, acc + n, 0.0f);
    }
  }
}

// dst[l − l0] = Σ over reduced positions [j0, j1) of output g·L + l, for l in [l0, l1).
template <int W>
CEFM_SIMD_INLINE void reduceColumns(ReduceTerm term, const ReduceOperands& in, const ReducePlan& p, int64_t g, int64_t l0, int64_t l1,
                                    int64_t j0, int64_t j1, double* dst) {
  switch (term) {
    case ReduceTerm::Sum: columnsLoop<W, simd::TermSum>(in, p, g, l0, l1, j0, j1, dst); break;
    case ReduceTerm::CenteredSquare: columnsLoop<W, simd::TermCenteredSquare>(in, p, g, l0, l1, j0, j1, dst); break;
    case ReduceTerm::CenteredProduct: columnsLoop<W, simd::TermCenteredProduct>(in, p, g, l0, l1, j0, j1, dst); break;
  }
}
CEFM_SIMD_VARIANTS(reduceColumns,
                   (ReduceTerm term, const ReduceOperands& in, const ReducePlan& p, int64_t g, int64_t l0, int64_t l1, int64_t j0,
                    int64_t j1, double* dst),
                   (term, in, p, g, l0, l1, j0, j1, dst))

// Columns over few reduced positions (a batch of 8 summed into a broadcast gradient): each chunk's
// float sums go straight to out, without the double partials and the second pass over them. The
// sums are the ones columnsLoop makes (float over ≤ kFlushEvery positions, scaled in double).
template <int W, class Term>
CEFM_SIMD_INLINE void columnsDirectLoop(const ReduceOperands& in, const ReducePlan& p, int64_t g, int64_t l0, int64_t l1, float* out,
                                        float scale) {
  float acc[kColumnChunk];
  const int64_t n = l1 - l0, outBase = g * p.L + l0, J = int64_t(p.runOff.size());
  std::fill(acc, acc + n, 0.0f);
  const float* shift = in.shift ? in.shift + outBase : nullptr;
  for (int64_t j = 0; j < J; j++) {
    const int64_t off = p.outerOff[size_t(g)] + p.runOff[size_t(j)] + l0;
    const float* a = in.a + off;
    const float* b = Term::usesB ? in.b + off : nullptr;
    accumulateTerms<W, Term>(acc, a, b, shift, n);
  }
  for (int64_t i = 0; i < n; i++) out[outBase + i] = float(double(acc[i]) * scale);
}

template <int W>
CEFM_SIMD_INLINE void reduceColumnsDirect(ReduceTerm term, const ReduceOperands& in, const ReducePlan& p, int64_t g, int64_t l0,
                                          int64_t l1, float* out, float scale) {
  switch (term) {
    case ReduceTerm::Sum: columnsDirectLoop<W, simd::TermSum>(in, p, g, l0, l1, out, scale); break;
    case ReduceTerm::CenteredSquare: columnsDirectLoop<W, simd::TermCenteredSquare>(in, p, g, l0, l1, out, scale); break;
    case ReduceTerm::CenteredProduct: columnsDirectLoop<W, simd::TermCenteredProduct>(in, p, g, l0, l1, out, scale); break;
  }
}
CEFM_SIMD_VARIANTS(reduceColumnsDirect,
                   (ReduceTerm term, const ReduceOperands& in, const ReducePlan& p, int64_t g, int64_t l0, int64_t l1, float* out,
                    float scale),
                   (term, in, p, g, l0, l1, out, scale))

// Work of one task: a range of outputs (rows) or one chunk of a group's outputs (columns), over
// a block of the reduced runs.
struct ReduceTask {
  int64_t first, count;  // outputs, as indices into out
};

// How many tasks the work is cut into, whatever the thread count, so that the summation order (and
// so the result) does not depend on it.
constexpr int64_t kTasks = 32;

void reducePlanned(ReduceTerm term, const ReduceOperands& in, const ReducePlan& p, float* out, float scale) {
  const int64_t nOut = p.outputs(), J = int64_t(p.runOff.size());
  std::vector<ReduceTask> tasks;  // output ranges, each reduced independently
  if (p.rows) {
    const int64_t perTask = std::max<int64_t>(1, nOut / kTasks);
    for (int64_t o = 0; o < nOut; o += perTask) tasks.push_back({o, std::min(perTask, nOut - o)});
  } else {
    for (int64_t g = 0; g < int64_t(p.outerOff.size()); g++)
      for (int64_t l = 0; l < p.L; l += kColumnChunk) tasks.push_back({g * p.L + l, std::min(kColumnChunk, p.L - l)});
  }
  // Few tasks for the threads: also split the reduced runs into blocks, summed afterwards.
  const int64_t T = int64_t(tasks.size());
  const int64_t blocks = T >= kTasks ? 1 : std::max<int64_t>(1, std::min(J / 8, (kTasks + T - 1) / std::max<int64_t>(T, 1)));
  if (!p.rows && blocks == 1 && J <= kFlushEvery) {
    parallelFor(T, 1, [&](int64_t w0, int64_t w1) {
      for (int64_t w = w0; w < w1; w++) {
        const ReduceTask& t = tasks[size_t(w)];
        reduceColumnsDirectSimd(term, in, p, t.first / p.L, t.first % p.L, t.first % p.L + t.count, out, scale);
      }
    });
    return;
  }
  std::vector<double> partial(size_t(blocks * nOut));
  parallelFor(T * blocks, 1, [&](int64_t w0, int64_t w1) {
    for (int64_t w = w0; w < w1; w++) {
      const ReduceTask& t = tasks[size_t(w % T)];
      const int64_t blk = w / T, j0 = J * blk / blocks, j1 = J * (blk + 1) / blocks;
      double* dst = partial.data() + blk * nOut + t.first;
      if (p.rows) reduceRowsSimd(term, in, p, j0, j1, t.first, t.first + t.count, dst);
      else reduceColumnsSimd(term, in, p, t.first / p.L, t.first % p.L, t.first % p.L + t.count, j0, j1, dst);
    }
  });
  parallelFor(nOut, 4096, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++) {
      double s = 0;
      for (int64_t b = 0; b < blocks; b++) s += partial[size_t(b * nOut + o)];
      out[o] = float(s * scale);
    }
  });
}

std::vector<bool> reducedMask(const TensorView& x, const std::vector<int64_t>& dims) {
  std::vector<bool> mask(size_t(x.rank()), dims.empty());
  for (int64_t d : dims) mask[size_t(d)] = true;
  return mask;
}

int64_t reducedCount(const TensorView& x, const std::vector<bool>& mask) {
  int64_t n = 1;
  for (int d = 0; d < x.rank(); d++)
    if (mask[size_t(d)]) n *= x.shape[size_t(d)];
  return n;
}

// sum / mean: x -> y over attrs.dims (empty = all).
void reduceForward(KernelCall& c, bool mean) {
  const TensorView& x = c.in[0];
  std::vector<bool> mask = reducedMask(x, c.attrs.ints("dims"));
  float scale = mean ? 1.0f / float(reducedCount(x, mask)) : 1.0f;  // mean of nothing: 0 · inf = NaN, as PyTorch
  reduceDims(ReduceTerm::Sum, {x.data}, x.shape, mask, c.out[0].data, scale);
}

// x, y, dy -> dx = dy (· 1/count for mean) broadcast over the reduced dims.
void reduceBackward(KernelCall& c, bool mean) {
  const TensorView &x = c.in[0], &dy = c.in[2];
  std::vector<bool> mask = reducedMask(x, c.attrs.ints("dims"));
  std::vector<int64_t> keep = x.shape;
  for (size_t d = 0; d < keep.size(); d++)
    if (mask[d]) keep[d] = 1;
  const float scale = mean ? 1.0f / float(reducedCount(x, mask)) : 1.0f;
  broadcastBinary(BinaryOp::Mul, dy.data, keep, &scale, {}, c.out[0].data, x.shape);
}

void sumForward(KernelCall& c) { reduceForward(c, false); }
void meanForward(KernelCall& c) { reduceForward(c, true); }
void sumBackward(KernelCall& c) { reduceBackward(c, false); }
void meanBackward(KernelCall& c) { reduceBackward(c, true); }

}  // namespace

void reduceDims(ReduceTerm term, const ReduceOperands& in, const std::vector<int64_t>& shape, const std::vector<bool>& reduced,
                float* out, float scale) {
  int64_t numel = 1, nOut = 1;
  for (size_t d = 0; d < shape.size(); d++) {
    numel *= shape[d];
    if (!reduced[d]) nOut *= shape[d];
  }
  if (numel == 0) {  // nothing to read: empty sums
    std::fill(out, out + nOut, 0.0f * scale);
    return;
  }
  if (nOut == numel && term == ReduceTerm::Sum) {  // nothing reduced (a same-shape gradient): a scaled copy
    parallelFor(numel, 32768, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; i++) out[i] = float(double(in.a[i]) * scale);
    });
    return;
  }
  reducePlanned(term, in, makePlan(shape, reduced), out, scale);
}

CEFM_KERNEL(sum, sumForward);
CEFM_KERNEL(sum_backward, sumBackward);
CEFM_KERNEL(mean, meanForward);
CEFM_KERNEL(mean_backward, meanBackward);

}  // namespace cefm
