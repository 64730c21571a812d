#include "conv_shape.h"

namespace cefm {

ConvShape convShape(const TensorView& image, const TensorView& weight, const TensorView& output, const Attrs& attrs) {
  auto pair = [&](const char* name, int64_t dflt, int k) {
    std::vector<int64_t> v = attrs.ints(name);
    return v.size() == 2 ? v[size_t(k)] : dflt;
  };
  ConvShape s;
  s.n = image.dim(0);
  s.c = image.dim(1);
  s.h = image.dim(2);
  s.w = image.dim(3);
  s.o = output.dim(1);
  s.ho = output.dim(2);
  s.wo = output.dim(3);
  s.kh = weight.dim(2);
  s.kw = weight.dim(3);
  s.sh = pair("stride", 1, 0);
  s.sw = pair("stride", 1, 1);
  s.ph = pair("padding", 0, 0);
  s.pw = pair("padding", 0, 1);
  s.dh = pair("dilation", 1, 0);
  s.dw = pair("dilation", 1, 1);
  s.groups = attrs.i64("groups", 1);
  s.cg = s.c / s.groups;
  s.og = s.o / s.groups;
  if (s.groups < 1 || s.cg * s.groups != s.c || s.og * s.groups != s.o || weight.dim(0) * weight.dim(1) != s.o * s.cg) {
    throw KernelError("conv: weight, channels and groups do not agree");
  }
  return s;
}

}  // namespace cefm
