#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace cefm {

namespace {

thread_local bool insideParallel = false;

// Workers sleep on a condition variable between jobs; a job is split into chunks taken from an
// atomic counter so uneven chunks balance themselves.
class ThreadPool {
 public:
  explicit ThreadPool(int n) : size_(n) {
    for (int i = 1; i < n; i++) workers_.emplace_back([this] { workerLoop(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  int size() const { return size_; }

  void run(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    std::unique_lock<std::mutex> jobLock(jobMu_, std::try_to_lock);
    int64_t chunks = std::min<int64_t>((n + grain - 1) / grain, int64_t(size_) * 4);
    if (!jobLock.owns_lock() || size_ == 1 || chunks <= 1) {  // busy or not worth it: run here
      fn(0, n);
      return;
    }
    int64_t chunk = (n + chunks - 1) / chunks;
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = &fn;
      n_ = n;
      chunk_ = chunk;
      next_.store(0);
      active_ = int(workers_.size());
      generation_++;
    }
    cv_.notify_all();
    work();
    std::unique_lock<std::mutex> lk(mu_);
    done_.wait(lk, [this] { return active_ == 0; });
    fn_ = nullptr;
  }

 private:
  void work() {
    bool saved = insideParallel;
    insideParallel = true;
    for (;;) {
      int64_t begin = next_.fetch_add(chunk_);
      if (begin >= n_) break;
      (*fn_)(begin, std::min(n_, begin + chunk_));
    }
    insideParallel = saved;
  }
  void workerLoop() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      work();
      std::lock_guard<std::mutex> lk(mu_);
      if (--active_ == 0) done_.notify_one();
    }
  }

  int size_;
  std::vector<std::thread> workers_;
  std::mutex mu_, jobMu_;
  std::condition_variable cv_, done_;
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t n_ = 0, chunk_ = 1;
  std::atomic<int64_t> next_{0};
  int active_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
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
