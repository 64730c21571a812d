#include "stream.h"

#include "buffer_cache.h"
#include "spin.h"
#include "parallel.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <stdexcept>

namespace cefm {

static std::atomic<size_t> gLiveBytes{0}, gLiveBuffers{0};

Storage::Storage(size_t n) : size(n) {
  // 64-byte alignment for AVX-512 loads; at least one element so data is never null.
  data = static_cast<float*>(acquireBuffer(std::max<size_t>(n, 1) * 4, &capacityBytes));
  gLiveBytes += n * 4;
  gLiveBuffers++;
}

Storage::~Storage() {
  releaseBuffer(data, capacityBytes);
  gLiveBytes -= size * 4;
  gLiveBuffers--;
}

size_t liveBytes() { return gLiveBytes.load(); }
size_t liveBuffers() { return gLiveBuffers.load(); }

// Runs a task, returning its error message (empty when it succeeded).
static std::string runTask(Stream::Task& t) {
  try {
    t();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown native error";
  }
  return {};
}

Stream::Stream() : worker_([this] { pinThread(0); loop(); }) {}

Stream::~Stream() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
    stop_flag_.store(true);
  }
  cv_.notify_all();
  worker_.join();
}

void Stream::enqueue(Task t) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    tasks_.push_back(std::move(t));
    queued_.store(tasks_.size(), std::memory_order_release);
    idle_flag_.store(false, std::memory_order_release);
  }
  cv_.notify_one();
}

void Stream::drain() {
  std::unique_lock<std::mutex> lk(mu_);
  idle_.wait(lk, [this] { return tasks_.empty() && !busy_; });
}

bool Stream::drainFor(int64_t us) {
  // Sleeps rather than polls: the JS thread polling slows the kernel it waits for (the two cores
  // here may be hyperthreads of one).
  if (idle_flag_.load(std::memory_order_acquire)) return true;
  std::unique_lock<std::mutex> lk(mu_);
  return idle_.wait_for(lk, std::chrono::microseconds(us), [this] { return tasks_.empty() && !busy_; });
}

std::string Stream::takeError() {
  std::lock_guard<std::mutex> lk(mu_);
  std::string e;
  e.swap(error_);
  return e;
}

void Stream::loop() {
  for (;;) {
    Task t;
    // The next kernel usually follows within microseconds: poll before sleeping (spin.h).
    spinUntil([this] { return queued_.load(std::memory_order_acquire) > 0 || stop_flag_.load(std::memory_order_relaxed); });
    {
      std::unique_lock<std::mutex> lk(mu_);
      // !busy_: a task run inline by runIfIdle on another thread has not finished yet.
      cv_.wait(lk, [this] { return stop_ || (!tasks_.empty() && !busy_); });
      if (stop_ && tasks_.empty()) return;
      t = std::move(tasks_.front());
      tasks_.pop_front();
      queued_.store(tasks_.size(), std::memory_order_release);
      busy_ = true;
    }
    std::string err = runTask(t);
    t = Task();  // drop the kernel's buffer references before the stream counts as idle (memory() after sync is exact)
    finish(std::move(err));
  }
}

void Stream::finish(std::string err) {
  bool queued;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!err.empty() && error_.empty()) error_ = err;
    busy_ = false;
    queued = !tasks_.empty();
    if (!queued) {
      idle_flag_.store(true, std::memory_order_release);
      idle_.notify_all();
    }
  }
  if (queued) cv_.notify_one();  // tasks queued behind an inline one: the worker may be waiting
}

bool Stream::runIfIdle(Task& t) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!tasks_.empty() || busy_) return false;
    busy_ = true;
    idle_flag_.store(false, std::memory_order_release);
  }
  std::string err = runTask(t);
  t = Task();
  finish(std::move(err));
  return true;
}

Stream& defaultStream() {
  static Stream* s = new Stream();  // leaked on purpose: must outlive every N-API finalizer
  return *s;
}

}  // namespace cefm
