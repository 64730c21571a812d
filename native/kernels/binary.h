// The broadcasting binary kernel (add, sub, mul, div and the pieces of their gradients), shared
// with the reductions' backward (expanding dy over the reduced dims).
#pragma once
#include <cstdint>
#include <vector>

namespace cefm {

// NegMul (−a·b) gives div's gradient for b from dy/b and the output.
enum class BinaryOp { Add, Sub, Mul, Div, NegMul };

// out = op(a, b) with NumPy broadcasting of aShape and bShape to outShape. Threads over the pool.
void broadcastBinary(BinaryOp op, const float* a, const std::vector<int64_t>& aShape, const float* b,
                     const std::vector<int64_t>& bShape, float* out, const std::vector<int64_t>& outShape);

}  // namespace cefm
