// How the convolution kernels spread independent pieces of work over the thread pool.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/parallel.h"

namespace cefm {

inline int64_t convCeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Independent pieces per thread when a call is split for the pool, so uneven pieces balance.
constexpr int64_t kConvPiecesPerThread = 4;

// Runs task(t, scratch) for t in [0, tasks). With at least one task per thread the tasks run in
// parallel and each sgemm inside stays serial; with fewer, they run in turn and sgemm threads.
// `scratch` is a per-thread buffer the task may resize.
template <typename Task>
void runConvTasks(int64_t tasks, Task task) {
  if (tasks >= numThreads()) {
    parallelFor(tasks, 1, [&](int64_t t0, int64_t t1) {
      std::vector<float> scratch;
      for (int64_t t = t0; t < t1; t++) task(t, scratch);
    });
  } else {
    std::vector<float> scratch;
    for (int64_t t = 0; t < tasks; t++) task(t, scratch);
  }
}

// total[i] += others[q * size + i] for q < count, i < size: per-thread partial sums of a reduction
// over tasks (each thread summed into its own copy) added into the first copy, in order of q.
inline void addPartialSums(float* total, const float* others, int64_t count, int64_t size) {
  parallelFor(size, 4096, [&](int64_t i0, int64_t i1) {
    for (int64_t q = 0; q < count; q++) {
      const float* src = others + q * size;
      for (int64_t i = i0; i < i1; i++) total[i] += src[i];
    }
  });
}

}  // namespace cefm
