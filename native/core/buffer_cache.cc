#include "buffer_cache.h"

#include <algorithm>
#include <iterator>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

namespace cefm {

namespace {

constexpr size_t kAlign = 64, kMinBytes = size_t(64) << 10;

// CEFM_BUFFER_CACHE_MB caps what is kept (default 1024 MB; 0 turns the cache off). Kept
// blocks are ones a pass just used, so the cap bounds how long a peak stays resident, not the peak.
size_t cacheCapBytes() {
  static const size_t cap = [] {
    const char* env = std::getenv("CEFM_BUFFER_CACHE_MB");
    const long mb = env ? std::atol(env) : 1024;
    return size_t(mb > 0 ? mb : 0) << 20;
  }();
  return cap;
}

struct Cache {
  std::mutex mu;
  std::multimap<size_t, void*> free;  // by capacity
  size_t bytes = 0;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: buffers may be released during static teardown
  return *c;
}

size_t roundUp(size_t n) { return (std::max<size_t>(n, 1) + kAlign - 1) / kAlign * kAlign; }

}  // namespace

void* acquireBuffer(size_t bytes, size_t* capacity) {
  const size_t want = roundUp(bytes);
  if (want >= kMinBytes && cacheCapBytes() > 0) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lk(c.mu);
    // The smallest kept block that fits, if it wastes at most a quarter.
    auto it = c.free.lower_bound(want);
    if (it != c.free.end() && it->first <= want + want / 4) {
      // Of the blocks that size, the one freed last (a multimap keeps equal keys in insertion
      // order): it is likely still in cache, where the oldest has long been evicted.
      it = std::prev(c.free.upper_bound(it->first));
      void* data = it->second;
      *capacity = it->first;
      c.bytes -= it->first;
      c.free.erase(it);
      return data;
    }
  }
  void* data = std::aligned_alloc(kAlign, want);
  if (!data) throw std::bad_alloc();
  *capacity = want;
  return data;
}

void releaseBuffer(void* data, size_t capacity) {
  if (!data) return;
  if (capacity >= kMinBytes) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lk(c.mu);
    if (c.bytes + capacity <= cacheCapBytes()) {
      c.free.emplace(capacity, data);
      c.bytes += capacity;
      return;
    }
  }
  std::free(data);
}

size_t dropCachedBuffers() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lk(c.mu);
  const size_t freed = c.bytes;
  for (auto& [cap, data] : c.free) std::free(data);
  c.free.clear();
  c.bytes = 0;
  return freed;
}

size_t cachedBufferBytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lk(c.mu);
  return c.bytes;
}

}  // namespace cefm
