// slice (x.narrow(dim, start, length), contiguous) and its backward (dy scattered into zeros):
// both are outer × (length·inner) row copies, as in src/ts/ops/slice.ts.
#include <algorithm>
#include <cstring>

#include "../core/kernel.h"
#include "../core/parallel.h"

namespace cefm {

namespace {

// x viewed as [outer, size, inner] around dim; the slice is rows of length·inner floats.
struct SliceGeometry {
  int64_t outer = 1, size, inner = 1, start, length;
};

SliceGeometry sliceGeometry(const TensorView& x, const Attrs& a) {
  SliceGeometry g;
  const int64_t dim = a.i64("dim", 0);
  for (int64_t d = 0; d < dim; d++) g.outer *= x.shape[size_t(d)];
  for (int64_t d = dim + 1; d < x.rank(); d++) g.inner *= x.shape[size_t(d)];
  g.size = x.shape[size_t(dim)];
  g.start = a.i64("start", 0);
  g.length = a.i64("length", 0);
  return g;
}

void sliceForward(KernelCall& c) {
  const SliceGeometry g = sliceGeometry(c.in[0], c.attrs);
  const float* x = c.in[0].data;
  float* y = c.out[0].data;
  const int64_t row = g.length * g.inner;
  if (row == 0) return;
  parallelFor(g.outer, std::max<int64_t>(1, 16384 / row), [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++) std::memcpy(y + o * row, x + (o * g.size + g.start) * g.inner, size_t(row) * sizeof(float));
  });
}

// inputs: x, y, dy -> dx (zero outside the slice)
void sliceBackward(KernelCall& c) {
  const SliceGeometry g = sliceGeometry(c.in[0], c.attrs);
  const float* dy = c.in[2].data;
  float* dx = c.out[0].data;
  const int64_t row = g.size * g.inner, part = g.length * g.inner;
  if (row == 0) return;
  parallelFor(g.outer, std::max<int64_t>(1, 16384 / row), [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++) {
      float* d = dx + o * row;
      std::memset(d, 0, size_t(row) * sizeof(float));
      if (part) std::memcpy(d + g.start * g.inner, dy + o * part, size_t(part) * sizeof(float));
    }
  });
}

}  // namespace

CEFM_KERNEL(slice, sliceForward);
CEFM_KERNEL(slice_backward, sliceBackward);

}  // namespace cefm
