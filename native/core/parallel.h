// A persistent thread pool sized to the machine (CEFM_THREADS overrides).
#pragma once
#include <cstdint>
#include <functional>

namespace cefm {

int numThreads();

// Runs fn(begin, end) over [0, n) split into chunks of at least `grain` items, on the pool,
// and returns when all are done. The calling thread takes part. Nested calls run serially.
void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace cefm
