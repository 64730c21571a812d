// The three GEMM-shaped products of a convolution (conv_shape.h), each over bounded im2col bands:
// conv2d is {forward; input grad + weight grad}, conv_transpose2d is {input grad; forward + weight grad}.
#pragma once
#include "conv_shape.h"

namespace cefm {

// output = conv(image, weight) (+ bias[o] when bias is not null).
void convForward(const ConvShape& s, const float* image, const float* weight, const float* bias, float* output);

// dImage = conv^T(dOutput, weight): the adjoint of convForward in the image.
void convImageGrad(const ConvShape& s, const float* dOutput, const float* weight, float* dImage);

// dWeight = sum over batch and output pixels of dOutput x im2col(image).
void convWeightGrad(const ConvShape& s, const float* image, const float* dOutput, float* dWeight);

// t[n, ch, :] += bias[ch] for t of shape [n, channels, plane].
void addChannelBias(float* t, const float* bias, int64_t n, int64_t channels, int64_t plane);

// dBias[ch] = sum over n and plane of dy[n, ch, :].
void channelBiasGrad(const float* dy, int64_t n, int64_t channels, int64_t plane, float* dBias);

}  // namespace cefm
