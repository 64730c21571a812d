// The native kernel interface: one registry of named kernels (docs/ops.md), each a function of
// preallocated float32 tensors plus normalised attrs. Kernels never see N-API.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace cefm {

struct TensorView {
  float* data = nullptr;
  std::vector<int64_t> shape;
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  int64_t dim(int i) const { return shape[i < 0 ? shape.size() + i : i]; }
  int rank() const { return static_cast<int>(shape.size()); }
};

// Attrs as normalised by the TS op definition: numbers (booleans as 0/1), number lists, strings.
struct Attrs {
  std::map<std::string, std::vector<double>> nums;
  std::map<std::string, std::string> strs;
  bool has(const std::string& k) const { return nums.count(k) || strs.count(k); }
  double num(const std::string& k, double dflt) const {
    auto it = nums.find(k);
    return it == nums.end() || it->second.empty() ? dflt : it->second[0];
  }
  int64_t i64(const std::string& k, int64_t dflt) const { return static_cast<int64_t>(num(k, static_cast<double>(dflt))); }
  std::vector<int64_t> ints(const std::string& k) const {
    std::vector<int64_t> out;
    auto it = nums.find(k);
    if (it != nums.end()) for (double v : it->second) out.push_back(static_cast<int64_t>(v));
    return out;
  }
  std::string str(const std::string& k, const std::string& dflt) const {
    auto it = strs.find(k);
    return it == strs.end() ? dflt : it->second;
  }
};

struct KernelCall {
  std::string name;
  std::vector<TensorView> in;
  std::vector<TensorView> out;
  Attrs attrs;
};

// Kernels throw KernelError for problems the TS layer could not see; the message reaches JS.
struct KernelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using KernelFn = void (*)(KernelCall&);

// How a kernel's time grows: with the bytes it touches (pointwise, reductions, layout) or with
// its arithmetic (GEMM-shaped: matmul, linear, conv, attention). The runtime runs small calls on
// the caller's thread when the stream is idle, with a far lower size limit for compute-bound ones
// (native/core/bindings.cc, runsInline).
enum class KernelCost { MemoryBound, ComputeBound };

void registerKernel(const char* name, KernelFn fn, KernelCost cost);
// The kernel of that name (nullptr if none), and its cost class in *cost when asked.
KernelFn findKernel(const std::string& name, KernelCost* cost = nullptr);
std::vector<std::string> kernelNames();
// Kernels by number, for calls that name theirs once (enqueueIndexed): the index of `name` (stable
// for the process), or -1; and the kernel at an index (nullptr when out of range).
struct KernelEntry {
  std::string name;
  KernelFn fn;
  KernelCost cost;
};
int kernelIndex(const std::string& name);
const KernelEntry* kernelAt(int index);

struct KernelRegistrar {
  KernelRegistrar(const char* name, KernelFn fn, KernelCost cost) { registerKernel(name, fn, cost); }
};

// CEFM_KERNEL(relu, reluForward) registers memory-bound kernel "relu";
// CEFM_COMPUTE_KERNEL(matmul, matmulForward) a compute-bound one.
#define CEFM_KERNEL_CAT2(a, b) a##b
#define CEFM_KERNEL_CAT(a, b) CEFM_KERNEL_CAT2(a, b)
#define CEFM_KERNEL(name, fn) \
  static ::cefm::KernelRegistrar CEFM_KERNEL_CAT(cefmKernelReg_, __LINE__)(#name, fn, ::cefm::KernelCost::MemoryBound)
#define CEFM_COMPUTE_KERNEL(name, fn) \
  static ::cefm::KernelRegistrar CEFM_KERNEL_CAT(cefmKernelReg_, __LINE__)(#name, fn, ::cefm::KernelCost::ComputeBound)

}  // namespace cefm
