// Reuse of large tensor buffers. Every op output is a fresh buffer, and a model's forward pass
// makes the same sizes batch after batch; from malloc, each big one is a fresh mmap whose pages
// the kernel zeroes on first touch (measured in predict: ~10% of the time in page faults). Freed
// buffers of at least kMinBytes are kept, up to a byte cap, and handed out again for a request
// of the same size or a little smaller.
#pragma once
#include <algorithm>
#include <cstddef>
#include <vector>

namespace cefm {

// A 64-byte aligned block of at least `bytes` bytes; *capacity gets its real size.
void* acquireBuffer(size_t bytes, size_t* capacity);
// Returns a block from acquireBuffer (with its capacity): kept for reuse or freed.
void releaseBuffer(void* data, size_t capacity);
// Frees every kept block (for releaseFreeMemory and tests); returns the bytes freed.
size_t dropCachedBuffers();
size_t cachedBufferBytes();

// A std::allocator over the same cache, for kernels' big temporary vectors (transformed weights,
// packed panels, scratch): a vector that a kernel makes on every call then costs no page faults
// after the first. A block may be larger than asked for; it goes back as the size asked for,
// which only under-reports it.
template <class T>
struct CachedAllocator {
  using value_type = T;
  CachedAllocator() = default;
  template <class U>
  CachedAllocator(const CachedAllocator<U>&) {}
  T* allocate(size_t n) {
    size_t capacity = 0;
    return static_cast<T*>(acquireBuffer(n * sizeof(T), &capacity));
  }
  void deallocate(T* p, size_t n) { releaseBuffer(p, (std::max<size_t>(n * sizeof(T), 1) + 63) / 64 * 64); }
  template <class U>
  bool operator==(const CachedAllocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const CachedAllocator<U>&) const { return false; }
};

template <class T>
using CachedVector = std::vector<T, CachedAllocator<T>>;

// An uninitialised block of `n` floats from the cache, for a temporary that the kernel writes in
// full before reading (a vector's resize would first zero it: a memset as long as the block).
class CachedScratch {
 public:
  explicit CachedScratch(size_t n) : data_(static_cast<float*>(acquireBuffer(std::max<size_t>(n, 1) * sizeof(float), &capacity_))) {}
  ~CachedScratch() { releaseBuffer(data_, capacity_); }
  CachedScratch(const CachedScratch&) = delete;
  CachedScratch& operator=(const CachedScratch&) = delete;
  float* data() const { return data_; }

 private:
  size_t capacity_ = 0;
  float* data_;
};

}  // namespace cefm
