# The one list of the addon's C++ sources, read by binding.gyp (node-gyp) and by CMakeLists.txt
# (cmake-js). Paths are relative to the repository root.
{
  'variables': {
    'cefm_sources': [
      # runtime: N-API surface, buffers, the kernel queue, thread pool, CPU features
      'native/addon.cc',
      'native/core/bindings.cc',
      'native/core/cpu.cc',
      'native/core/parallel.cc',
      'native/core/registry.cc',
      'native/core/stream.cc',
      # kernels: one file per op family
      'native/kernels/conv.cc',
      'native/kernels/conv_columns.cc',
      'native/kernels/conv_gemm.cc',
      'native/kernels/conv_shape.cc',
      'native/kernels/gemm.cc',
      'native/kernels/matmul.cc',
      # clinical features
      'native/abc/abc_binding.cc',
    ],
  },
}
