// fill: every element of the output (normally the input itself: in place) set to `value`.
#include <algorithm>

#include "../core/kernel.h"
#include "../core/parallel.h"

namespace cefm {

namespace {

void fillKernel(KernelCall& c) {
  const float value = float(c.attrs.num("value", 0.0));
  float* y = c.out[0].data;
  parallelFor(c.out[0].numel(), 65536, [&](int64_t i0, int64_t i1) { std::fill(y + i0, y + i1, value); });
}

}  // namespace

CEFM_KERNEL(fill, fillKernel);

}  // namespace cefm
