// Spin-then-sleep waiting shared by the thread pool and the stream: a thread about to wait for work
// that usually comes within microseconds polls for it first (pause, then yield so a descheduled
// peer on the same core can run), and only then sleeps on its condition variable.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <thread>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace cefm {

// How long a waiting thread polls before it sleeps: CEFM_SPIN_US, default 200 µs (0: never spin).
inline int64_t spinWaitMicros() {
  static const int64_t us = [] {
    const char* env = std::getenv("CEFM_SPIN_US");
    return env ? std::max<int64_t>(0, std::atoll(env)) : int64_t(200);
  }();
  return us;
}

inline void cpuRelax() {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Polls `ready` for up to spinWaitMicros(); true once it holds, false when the time ran out.
template <class Ready>
bool spinUntil(const Ready& ready) {
  const int64_t budget = spinWaitMicros();
  if (budget == 0) return ready();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(budget);
  for (int i = 0;; i++) {
    if (ready()) return true;
    if (i < 256) {
      cpuRelax();
    } else {
      if ((i & 15) == 0 && std::chrono::steady_clock::now() >= deadline) return ready();
      std::this_thread::yield();
    }
  }
}

}  // namespace cefm
