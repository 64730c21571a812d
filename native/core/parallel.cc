#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "spin.h"

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#endif

namespace cefm {

namespace {

thread_local bool insideParallel = false;

}  // namespace

// Measured on the 2-vCPU VM: unpinned, the scheduler often left the pool's worker on the same CPU
// as the thread handing it work while the other CPU idled, for seconds at a time, so a 2 MB relu
// ran at one thread's speed in some runs and twice that in others. One thread per CPU ends that.
#if defined(__linux__)
namespace {

bool pinningOn() {
  static const bool on = [] {
    const char* env = std::getenv("CEFM_PIN");
    return !(env && env[0] == '0');
  }();
  return on;
}

// The index-th CPU of the process's set (the main thread's, which is never pinned for good, not
// this thread's inherited one), or -1 when pinning is off. Only a pool that spans every CPU the
// process may use is pinned: with fewer threads (CEFM_THREADS=1 for each of two training runs,
// say) other processes may want the rest, and pinned threads could not get out of their way.
int pinnedCpu(int index) {
  if (!pinningOn() || numThreads() < 2) return -1;
  cpu_set_t allowed;
  if (sched_getaffinity(getpid(), sizeof(allowed), &allowed) != 0) return -1;
  if (CPU_COUNT(&allowed) != numThreads()) return -1;
  int seen = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (CPU_ISSET(cpu, &allowed) && seen++ == index) return cpu;
  }
  return -1;
}

bool setAffinity(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  return pthread_setaffinity_np(pthread_self(), sizeof(one), &one) == 0;
}

}  // namespace
#endif

void pinThread(int index) {
#if defined(__linux__)
  const int cpu = pinnedCpu(index);
  if (cpu >= 0) setAffinity(cpu);
#else
  (void)index;
#endif
}

OnStreamCpu::OnStreamCpu() {
#if defined(__linux__)
  static const int cpu = pinnedCpu(0);
  if (cpu < 0 || sched_getcpu() == cpu) return;  // already there (usual after the first move)
  cpu_set_t* saved = new cpu_set_t;
  if (pthread_getaffinity_np(pthread_self(), sizeof(cpu_set_t), saved) == 0 && setAffinity(cpu)) saved_ = saved;
  else delete saved;
#endif
}

OnStreamCpu::~OnStreamCpu() {
#if defined(__linux__)
  if (!saved_) return;
  cpu_set_t* saved = static_cast<cpu_set_t*>(saved_);
  pthread_setaffinity_np(pthread_self(), sizeof(cpu_set_t), saved);
  delete saved;
#endif
}

namespace {

// A job is published as one 64-bit ticket: generation (high 32 bits), chunk count (bits 16-31) and
// the next unclaimed chunk (low 16 bits). Threads claim chunks by compare-and-swap on the ticket,
// so a thread that wakes late, after its job is over, can never claim a chunk of the next one (the
// generation differs), and the caller waits only for the chunks to be done, never for a thread
// that is descheduled and has nothing left to do.
//
// Between jobs, workers spin for a while (spinWaitMicros) before sleeping on a condition variable:
// the ops of a model step come microseconds apart, and a sleeping thread takes tens of
// microseconds to wake (more, and on the wrong core, after a long idle gap).
class ThreadPool {
 public:
  explicit ThreadPool(int n) : size_(n) {
    for (int i = 1; i < n; i++) workers_.emplace_back([this, i] { pinThread(i); workerLoop(); });
  }
  int size() const { return size_; }

  void run(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    std::unique_lock<std::mutex> jobLock(jobMu_, std::try_to_lock);
    int64_t chunks = std::min<int64_t>((n + grain - 1) / grain, int64_t(size_) * 4);
    if (!jobLock.owns_lock() || size_ == 1 || chunks <= 1) {  // busy or not worth it: run here
      fn(0, n);
      return;
    }
    fn_ = &fn;
    n_ = n;
    chunk_ = (n + chunks - 1) / chunks;
    chunks = (n + chunk_ - 1) / chunk_;
    remaining_.store(chunks, std::memory_order_relaxed);
    generation_ = (generation_ + 1) & 0xffffffffu;
    {
      std::lock_guard<std::mutex> lk(mu_);  // a worker about to sleep sees the new ticket or is woken
      ticket_.store((generation_ << 32) | (uint64_t(chunks) << 16), std::memory_order_release);
    }
    if (sleepers_.load(std::memory_order_relaxed) > 0) wake_.notify_all();
    work(generation_);
    if (!spinUntil([this] { return remaining_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lk(mu_);
      done_.wait(lk, [this] { return remaining_.load(std::memory_order_acquire) == 0; });
    }
  }

 private:
  // Claims and runs chunks of job `gen` until none is left.
  void work(uint64_t gen) {
    bool saved = insideParallel;
    insideParallel = true;
    uint64_t t = ticket_.load(std::memory_order_acquire);
    for (;;) {
      if ((t >> 32) != gen) break;
      const uint64_t next = t & 0xffff, limit = (t >> 16) & 0xffff;
      if (next >= limit) break;
      if (!ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      const int64_t begin = int64_t(next) * chunk_;  // job fields are stable while a chunk is unfinished
      (*fn_)(begin, std::min(n_, begin + chunk_));
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lk(mu_);
        done_.notify_one();
      }
      t = ticket_.load(std::memory_order_acquire);
    }
    insideParallel = saved;
  }

  void workerLoop() {
    uint64_t seen = 0;
    const auto fresh = [&] { return (ticket_.load(std::memory_order_acquire) >> 32) != seen; };
    for (;;) {
      if (!spinUntil(fresh)) {
        std::unique_lock<std::mutex> lk(mu_);
        sleepers_++;
        wake_.wait(lk, fresh);
        sleepers_--;
      }
      seen = ticket_.load(std::memory_order_acquire) >> 32;
      work(seen);
    }
  }

  int size_;
  std::vector<std::thread> workers_;
  std::mutex mu_, jobMu_;
  std::condition_variable wake_, done_;
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t n_ = 0, chunk_ = 1;
  uint64_t generation_ = 0;  // written by the caller holding jobMu_ only
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int64_t> remaining_{0};
  std::atomic<int> sleepers_{0};
};

int configuredThreads() {
  const char* env = std::getenv("CEFM_THREADS");
  int n = env ? std::atoi(env) : 0;
  if (n <= 0) n = int(std::thread::hardware_concurrency());
  return std::max(1, n);
}

ThreadPool& pool() {
  static ThreadPool* p = new ThreadPool(configuredThreads());  // never destroyed: workers outlive static dtors
  return *p;
}

}  // namespace

int numThreads() { return pool().size(); }

void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (insideParallel || n <= grain) {
    fn(0, n);
    return;
  }
  pool().run(n, std::max<int64_t>(grain, 1), fn);
}

}  // namespace cefm
