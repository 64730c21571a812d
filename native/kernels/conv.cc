// conv2d and conv_transpose2d (docs/ops.md) and their backwards, over the convolution products of
// conv_gemm.h. conv_transpose2d's forward is the input gradient of the conv2d from y to x.
#include "../core/kernel.h"
#include "conv_gemm.h"

namespace cefm {

namespace {

// Backward inputs are [x, weight, bias?, y, dy]: the bias is there when there are five.
bool backwardHasBias(const KernelCall& c) { return c.in.size() == 5; }

// conv2d: x, weight, bias? -> y
void conv2dForward(KernelCall& c) {
  const TensorView &x = c.in[0], &w = c.in[1];
  const ConvShape s = convShape(x, w, c.out[0], c.attrs);
  convForward(s, x.data, w.data, c.in.size() > 2 ? c.in[2].data : nullptr, c.out[0].data);
}

// conv2d_backward: x, weight, bias?, y, dy -> dx, dweight, dbias?
void conv2dBackward(KernelCall& c) {
  const TensorView &x = c.in[0], &w = c.in[1], &dy = c.in.back();
  const ConvShape s = convShape(x, w, dy, c.attrs);
  convImageGrad(s, dy.data, w.data, c.out[0].data);
  convWeightGrad(s, x.data, dy.data, c.out[1].data);
  if (backwardHasBias(c)) channelBiasGrad(dy.data, s.n, s.o, s.outputPlane(), c.out[2].data);
}

// conv_transpose2d: x, weight, bias? -> y (the image side of the convolution)
void convTransposeForward(KernelCall& c) {
  const TensorView &x = c.in[0], &w = c.in[1];
  TensorView& y = c.out[0];
  const ConvShape s = convShape(y, w, x, c.attrs);
  convImageGrad(s, x.data, w.data, y.data);
  if (c.in.size() > 2) addChannelBias(y.data, c.in[2].data, s.n, s.c, s.imagePlane());
}

// conv_transpose2d_backward: x, weight, bias?, y, dy -> dx, dweight, dbias?
void convTransposeBackward(KernelCall& c) {
  const TensorView &x = c.in[0], &w = c.in[1], &dy = c.in.back();
  const ConvShape s = convShape(dy, w, x, c.attrs);
  convForward(s, dy.data, w.data, nullptr, c.out[0].data);
  convWeightGrad(s, dy.data, x.data, c.out[1].data);
  if (backwardHasBias(c)) channelBiasGrad(dy.data, s.n, s.c, s.imagePlane(), c.out[2].data);
}

}  // namespace

CEFM_COMPUTE_KERNEL(conv2d, conv2dForward);
CEFM_COMPUTE_KERNEL(conv2d_backward, conv2dBackward);
CEFM_COMPUTE_KERNEL(conv_transpose2d, convTransposeForward);
CEFM_COMPUTE_KERNEL(conv_transpose2d_backward, convTransposeBackward);

}  // namespace cefm
