// A persistent thread pool sized to the machine (CEFM_THREADS overrides).
#pragma once
#include <cstdint>
#include <functional>

namespace cefm {

int numThreads();

// Pins the calling thread to the index-th CPU the process may run on (Linux), when the pool has a
// thread for each of those CPUs (the default CEFM_THREADS) and at least two: the stream's worker
// takes 0, pool worker i takes i. CEFM_PIN=0 leaves threads to the scheduler.
void pinThread(int index);

// While alive, the calling thread runs on the stream worker's CPU (when pinning is on): a kernel
// run inline on the JS thread, while the stream worker sleeps, then never shares a CPU with a
// pinned pool worker. The thread's own affinity comes back afterwards (it usually stays on that
// CPU, so the next call has nothing to move).
class OnStreamCpu {
 public:
  OnStreamCpu();
  ~OnStreamCpu();
  OnStreamCpu(const OnStreamCpu&) = delete;
  OnStreamCpu& operator=(const OnStreamCpu&) = delete;

 private:
  void* saved_ = nullptr;  // cpu_set_t, where it was changed
};

// Runs fn(begin, end) over [0, n) split into chunks of at least `grain` items, on the pool,
// and returns when all are done. The calling thread takes part. Nested calls run serially.
void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace cefm
