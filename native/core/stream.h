// The native backend's stream: kernels run in submission order on one worker thread (which
// fans out to the thread pool), so JS enqueues without waiting and only reads wait. A small kernel
// submitted while the stream is idle runs at once on the submitting thread instead (runIfIdle;
// the rule is in bindings.cc), which keeps the order: nothing is queued or running before it.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cefm {

// Float storage shared by the JS handle and by every queued task that uses it, so freeing the
// handle never pulls memory from under a pending kernel.
struct Storage {
  explicit Storage(size_t n);
  ~Storage();
  float* data;
  size_t size;
  size_t capacityBytes = 0;  // of the block behind data (buffer_cache.h)
};
using StoragePtr = std::shared_ptr<Storage>;

size_t liveBytes();
size_t liveBuffers();

class Stream {
 public:
  using Task = std::function<void()>;
  Stream();
  ~Stream();
  // Runs tasks in order. An exception in a task is kept and handed to the next `takeError`.
  void enqueue(Task t);
  // Runs t on the calling thread, now, when nothing is queued or running (same error handling as
  // a queued task); false, without running it, otherwise.
  bool runIfIdle(Task& t);
  // Nothing queued or running, as last seen without the lock (a hint: runIfIdle decides).
  bool idleHint() const { return idle_flag_.load(std::memory_order_acquire); }
  // Blocks until all tasks enqueued so far have run.
  void drain();
  // The same for at most `us` microseconds; true when the stream is idle.
  bool drainFor(int64_t us);
  std::string takeError();

 private:
  void loop();
  void finish(std::string err);  // after a task: keep its error, mark idle when nothing is left
  std::mutex mu_;
  std::condition_variable cv_, idle_;
  std::deque<Task> tasks_;
  std::atomic<size_t> queued_{0};  // tasks_.size(), readable without the lock (the worker polls it)
  bool busy_ = false, stop_ = false;
  std::atomic<bool> stop_flag_{false};
  std::atomic<bool> idle_flag_{true};  // tasks_.empty() && !busy_, for polling without the lock
  std::string error_;
  std::thread worker_;
};

Stream& defaultStream();

}  // namespace cefm
