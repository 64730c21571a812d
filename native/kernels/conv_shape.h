// The convolution behind conv2d and conv_transpose2d (src/ts/ops/conv_geometry.ts): an "image"
// [n, c, h, w] convolved with a weight [o, c/groups, kh, kw] into an "output" [n, o, ho, wo].
// conv2d: image = x, output = y. conv_transpose2d: image = y, output = x (its forward is this
// convolution's input gradient).
#pragma once
#include <cstdint>

#include "../core/kernel.h"

namespace cefm {

struct ConvShape {
  int64_t n, c, h, w;
  int64_t o, ho, wo;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  int64_t groups, cg, og;

  // GEMM depth of the forward: one weight row per output channel covers cg * kh * kw taps.
  int64_t taps() const { return cg * kh * kw; }
  int64_t imagePlane() const { return h * w; }
  int64_t outputPlane() const { return ho * wo; }
  // 1x1, stride 1, no padding: the column matrix is the image itself, so no im2col is needed.
  bool isPlainGemm() const { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }
};

// Reads the geometry from the image, weight and output tensors and the normalised attrs.
ConvShape convShape(const TensorView& image, const TensorView& weight, const TensorView& output, const Attrs& attrs);

}  // namespace cefm
