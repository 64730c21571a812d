// accumulate: out = acc + x, where out is normally acc itself (in place); each element is read
// before it is written, so the aliasing is safe.
#include "../core/kernel.h"
#include "../core/parallel.h"

namespace cefm {

namespace {

void accumulateKernel(KernelCall& c) {
  const float *acc = c.in[0].data, *x = c.in[1].data;
  float* out = c.out[0].data;
  parallelFor(c.in[0].numel(), 16384, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) out[i] = acc[i] + x[i];
  });
}

}  // namespace

CEFM_KERNEL(accumulate, accumulateKernel);

}  // namespace cefm
