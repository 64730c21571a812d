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
      'native/core/peak.cc',
      'native/core/registry.cc',
      'native/core/stream.cc',
      # kernels: one file per op family
      'native/kernels/attention.cc',
      'native/kernels/attention_backward.cc',
      'native/kernels/conv.cc',
      'native/kernels/conv_columns.cc',
      'native/kernels/conv_gemm.cc',
      'native/kernels/conv_shape.cc',
      'native/kernels/gemm.cc',
      'native/kernels/gemm_avx2.cc',
      'native/kernels/gemm_avx512.cc',
      'native/kernels/gemm_kernel.cc',
      'native/kernels/gemm_neon.cc',
      'native/kernels/gemm_scalar.cc',
      'native/kernels/gemm_small.cc',
      'native/kernels/linear.cc',
      'native/kernels/matmul.cc',
      # pointwise family: normalisation, activations, elementwise arithmetic, reductions
      'native/kernels/activation.cc',
      'native/kernels/binary.cc',
      'native/kernels/norm.cc',
      'native/kernels/reduce.cc',
      'native/kernels/softmax.cc',
      # spatial family: pooling, upsampling, layout, losses, optimizer step
      'native/kernels/adamw.cc',
      'native/kernels/losses.cc',
      'native/kernels/pool.cc',
      'native/kernels/shape.cc',
      'native/kernels/upsample.cc',
      # clinical features
      'native/abc/abc.cc',
      'native/abc/abc_binding.cc',
      'native/abc/asymmetry.cc',
      'native/abc/border.cc',
      'native/abc/color.cc',
      'native/abc/color_space.cc',
      'native/abc/contour.cc',
      'native/abc/mask_ops.cc',
    ],
  },
}
