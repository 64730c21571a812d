// dropout with the counter-based mask of src/ts/ops/dropout.ts: element i is kept when
// lowbias32(lowbias32(seed) ^ i) >> 8 >= floor(p·2²⁴); kept elements are scaled by 1/(1 − p).
#include <cmath>
#include <cstdint>

#include "../core/kernel.h"
#include "../core/parallel.h"

namespace cefm {

namespace {

inline uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

// inputs: x -> y, mask
void dropoutForward(KernelCall& c) {
  const double p = c.attrs.num("p", 0.5);
  const uint32_t seedHash = hash32(uint32_t(c.attrs.i64("seed", 0)));
  const uint32_t threshold = uint32_t(std::floor(p * 16777216.0));
  const float kept = p == 1.0 ? 0.0f : float(1.0 / (1.0 - p));
  const float* x = c.in[0].data;
  float *y = c.out[0].data, *mask = c.out[1].data;
  parallelFor(c.in[0].numel(), 16384, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const float m = (hash32(seedHash ^ uint32_t(i)) >> 8) >= threshold ? kept : 0.0f;
      mask[i] = m;
      y[i] = x[i] * m;
    }
  });
}

// inputs: x, y, mask, dy, dmask -> dx = dy·mask
void dropoutBackward(KernelCall& c) {
  const float *mask = c.in[2].data, *dy = c.in[3].data;
  float* dx = c.out[0].data;
  parallelFor(c.in[0].numel(), 16384, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) dx[i] = dy[i] * mask[i];
  });
}

}  // namespace

CEFM_KERNEL(dropout, dropoutForward);
CEFM_KERNEL(dropout_backward, dropoutBackward);

}  // namespace cefm
