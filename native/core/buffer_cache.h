// Reuse of large tensor buffers. Every op output is a fresh buffer, and a model's forward pass
// makes the same sizes batch after batch; from malloc, each big one is a fresh mmap whose pages
// the kernel zeroes on first touch (measured in predict: ~10% of the time in page faults). Freed
// buffers of at least kMinBytes are kept, up to a byte cap, and handed out again for a request
// of the same size or a little smaller.
#pragma once
#include <cstddef>

namespace cefm {

// A 64-byte aligned block of at least `bytes` bytes; *capacity gets its real size.
void* acquireBuffer(size_t bytes, size_t* capacity);
// Returns a block from acquireBuffer (with its capacity): kept for reuse or freed.
void releaseBuffer(void* data, size_t capacity);
// Frees every kept block (for releaseFreeMemory and tests); returns the bytes freed.
size_t dropCachedBuffers();
size_t cachedBufferBytes();

}  // namespace cefm
