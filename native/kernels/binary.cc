// add, sub, mul, div with NumPy broadcasting: one broadcasting kernel with an op switch, and
// backward kernels that form each gradient at the output shape and sum it to the operand's shape.
#include "binary.h"

#include <vector>

#include "../core/kernel.h"
#include "../core/parallel.h"
#include "reduce_core.h"
#include "simd.h"

namespace cefm {

namespace {

using simd::VF;

template <BinaryOp OP, class V> CEFM_SIMD_INLINE V apply(V a, V b) {
  switch (OP) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    case BinaryOp::NegMul: return -(a * b);
  }
  return a;
}

// out[i] = OP(a[i or 0], b[i or 0]) for i < n: an operand with step 0 is one broadcast value.
template <int W, BinaryOp OP, bool A_STEPS, bool B_STEPS>
CEFM_SIMD_INLINE void binaryLoop(const float* a, const float* b, float* out, int64_t n) {
  const VF<W> aOne = simd::splat<W>(a[0]), bOne = simd::splat<W>(b[0]);
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    simd::store<W>(out + i, apply<OP>(A_STEPS ? simd::load<W>(a + i) : aOne, B_STEPS ? simd::load<W>(b + i) : bOne));
  }
  if (i < n) {
    // Padding lanes compute 1 op 1, never a trap or a stray NaN worth caring about; they are not stored.
    VF<W> av = A_STEPS ? simd::loadPartial<W>(a + i, n - i, 1.0f) : aOne;
    VF<W> bv = B_STEPS ? simd::loadPartial<W>(b + i, n - i, 1.0f) : bOne;
    simd::storePartial<W>(out + i, apply<OP>(av, bv), n - i);
  }
}

template <int W, BinaryOp OP>
CEFM_SIMD_INLINE void binaryRunOp(const float* a, bool aSteps, const float* b, bool bSteps, float* out, int64_t n) {
  if (aSteps && bSteps) binaryLoop<W, OP, true, true>(a, b, out, n);
  else if (aSteps) binaryLoop<W, OP, true, false>(a, b, out, n);
  else if (bSteps) binaryLoop<W, OP, false, true>(a, b, out, n);
  else binaryLoop<W, OP, false, false>(a, b, out, n);
}

// One contiguous run of the output.
template <int W>
CEFM_SIMD_INLINE void binaryRun(BinaryOp op, const float* a, bool aSteps, const float* b, bool bSteps, float* out, int64_t n) {
  switch (op) {
    case BinaryOp::Add: binaryRunOp<W, BinaryOp::Add>(a, aSteps, b, bSteps, out, n); break;
    case BinaryOp::Sub: binaryRunOp<W, BinaryOp::Sub>(a, aSteps, b, bSteps, out, n); break;
    case BinaryOp::Mul: binaryRunOp<W, BinaryOp::Mul>(a, aSteps, b, bSteps, out, n); break;
    case BinaryOp::Div: binaryRunOp<W, BinaryOp::Div>(a, aSteps, b, bSteps, out, n); break;
    case BinaryOp::NegMul: binaryRunOp<W, BinaryOp::NegMul>(a, aSteps, b, bSteps, out, n); break;
  }
}
CEFM_SIMD_VARIANTS(binaryRun, (BinaryOp op, const float* a, bool aSteps, const float* b, bool bSteps, float* out, int64_t n),
                   (op, a, aSteps, b, bSteps, out, n))

// Element strides of `shape` broadcast to `out` (0 along broadcast dims).
std::vector<int64_t> broadcastStrides(const std::vector<int64_t>& shape, const std::vector<int64_t>& out) {
  std::vector<int64_t> strides(out.size(), 0);
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[out.size() - shape.size() + i] = shape[i] == 1 ? 0 : acc;
    acc *= shape[i];
  }
  return strides;
}

// Elements per work item of the broadcasting loop.
constexpr int64_t kPiece = 16384;

struct BroadcastDim {
  int64_t size, strideA, strideB;
};

// Output dims of size 1 dropped and neighbours merged where both operands continue contiguously
// (or both stay broadcast); innermost first. The innermost strides are 0 or 1.
std::vector<BroadcastDim> coalesce(const std::vector<int64_t>& out, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb) {
  std::vector<BroadcastDim> dims;
  for (size_t d = out.size(); d-- > 0;) {
    if (out[d] == 1) continue;
    if (!dims.empty()) {
      BroadcastDim& in = dims.back();
      if (sa[d] == in.strideA * in.size && sb[d] == in.strideB * in.size) {
        in.size *= out[d];
        continue;
      }
    }
    dims.push_back({out[d], sa[d], sb[d]});
  }
  if (dims.empty()) dims.push_back({1, 1, 1});  // a single element
  return dims;
}

// Where an operand's gradient is formed at the output shape: its own gradient tensor when the
// operand is not broadcast, else a scratch buffer to sum down.
float* fullShapeBuffer(const TensorView& operand, const TensorView& grad, int64_t outNumel, std::vector<float>& scratch) {
  if (operand.numel() == outNumel) return grad.data;
  scratch.resize(size_t(outNumel));
  return scratch.data();
}

// Sums a gradient formed at the output shape over the dims along which `operand` was broadcast.
void sumToOperand(const float* full, const std::vector<int64_t>& outShape, const TensorView& operand, float* grad, float scale) {
  std::vector<bool> reduced(outShape.size());
  const size_t lead = outShape.size() - operand.shape.size();
  for (size_t d = 0; d < outShape.size(); d++) reduced[d] = d < lead || operand.shape[d - lead] == 1;
  reduceDims(ReduceTerm::Sum, {full}, outShape, reduced, grad, scale);
}

void binaryForward(KernelCall& c, BinaryOp op) {
  broadcastBinary(op, c.in[0].data, c.in[0].shape, c.in[1].data, c.in[1].shape, c.out[0].data, c.out[0].shape);
}

// a, b, out, dy -> da, db. add/sub: dy (negated for sub's b); mul: dy·b, dy·a; div: dy/b and
// −(dy/b)·out = −dy·a/b². Each is summed over the operand's broadcast dims.
void binaryBackward(KernelCall& c, BinaryOp op) {
  const TensorView &a = c.in[0], &b = c.in[1], &out = c.in[2], &dy = c.in[3];
  TensorView &da = c.out[0], &db = c.out[1];
  const std::vector<int64_t>& shape = out.shape;
  if (op == BinaryOp::Add || op == BinaryOp::Sub) {
    sumToOperand(dy.data, shape, a, da.data, 1.0f);
    sumToOperand(dy.data, shape, b, db.data, op == BinaryOp::Sub ? -1.0f : 1.0f);
    return;
  }
  std::vector<float> scratchA, scratchB;
  float* ga = fullShapeBuffer(a, da, out.numel(), scratchA);
  float* gb = fullShapeBuffer(b, db, out.numel(), scratchB);
  if (op == BinaryOp::Mul) {
    broadcastBinary(BinaryOp::Mul, dy.data, shape, b.data, b.shape, ga, shape);
    broadcastBinary(BinaryOp::Mul, dy.data, shape, a.data, a.shape, gb, shape);
  } else {
    broadcastBinary(BinaryOp::Div, dy.data, shape, b.data, b.shape, ga, shape);
    broadcastBinary(BinaryOp::NegMul, ga, shape, out.data, shape, gb, shape);
  }
  if (ga != da.data) sumToOperand(ga, shape, a, da.data, 1.0f);
  if (gb != db.data) sumToOperand(gb, shape, b, db.data, 1.0f);
}

void addForward(KernelCall& c) { binaryForward(c, BinaryOp::Add); }
void subForward(KernelCall& c) { binaryForward(c, BinaryOp::Sub); }
void mulForward(KernelCall& c) { binaryForward(c, BinaryOp::Mul); }
void divForward(KernelCall& c) { binaryForward(c, BinaryOp::Div); }
void addBackward(KernelCall& c) { binaryBackward(c, BinaryOp::Add); }
void subBackward(KernelCall& c) { binaryBackward(c, BinaryOp::Sub); }
void mulBackward(KernelCall& c) { binaryBackward(c, BinaryOp::Mul); }
void divBackward(KernelCall& c) { binaryBackward(c, BinaryOp::Div); }

}  // namespace

void broadcastBinary(BinaryOp op, const float* a, const std::vector<int64_t>& aShape, const float* b, const std::vector<int64_t>& bShape,
                     float* out, const std::vector<int64_t>& outShape) {
  std::vector<BroadcastDim> dims = coalesce(outShape, broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape));
  int64_t numel = 1;
  for (int64_t d : outShape) numel *= d;
  if (numel == 0) return;
  // Work items: pieces of at most kPiece elements of the innermost runs, so that one long run
  // (same-shape operands coalesce into a single one) is still split over the threads.
  const int64_t L = dims[0].size, runs = numel / L, pieces = (L + kPiece - 1) / kPiece;
  const int64_t stepA = dims[0].strideA, stepB = dims[0].strideB;
  parallelFor(runs * pieces, std::max<int64_t>(1, kPiece / L), [&](int64_t w0, int64_t w1) {
    // Multi-index of the first item's run over the outer dims, then an odometer.
    std::vector<int64_t> idx(dims.size(), 0);
    int64_t offA = 0, offB = 0, rem = w0 / pieces;
    for (size_t k = 1; k < dims.size(); k++) {
      idx[k] = rem % dims[k].size;
      rem /= dims[k].size;
      offA += idx[k] * dims[k].strideA;
      offB += idx[k] * dims[k].strideB;
    }
    for (int64_t w = w0; w < w1; w++) {
      const int64_t r = w / pieces, begin = (w % pieces) * kPiece, n = std::min(kPiece, L - begin);
      binaryRunSimd(op, a + offA + begin * stepA, stepA != 0, b + offB + begin * stepB, stepB != 0, out + r * L + begin, n);
      if (w % pieces != pieces - 1) continue;
      for (size_t k = 1; k < dims.size(); k++) {  // next run
        offA += dims[k].strideA;
        offB += dims[k].strideB;
        if (++idx[k] < dims[k].size) break;
        offA -= dims[k].strideA * dims[k].size;
        offB -= dims[k].strideB * dims[k].size;
        idx[k] = 0;
      }
    }
  });
}

CEFM_KERNEL(add, addForward);
CEFM_KERNEL(sub, subForward);
CEFM_KERNEL(mul, mulForward);
CEFM_KERNEL(div, divForward);
CEFM_KERNEL(add_backward, addBackward);
CEFM_KERNEL(sub_backward, subBackward);
CEFM_KERNEL(mul_backward, mulBackward);
CEFM_KERNEL(div_backward, divBackward);

}  // namespace cefm
