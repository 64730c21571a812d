// Winograd F(4x4, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016)
// for the 3x3, stride-1, ungrouped convolutions that make up the multi-task network: each 4x4
// output tile is A^T [(G g G^T) (.) (B^T d B)] A, so the 36 products of a 6x6 input tile replace
// the 144 multiply-adds of direct convolution, and over channels they are 36 plain GEMMs.
// All three products of a convolution use it: the forward, the image gradient (the forward of dy
// with the weights flipped and transposed) and the weight gradient (G^T [sum over tiles of
// (A dY A^T) (.) (B^T d B)] G). conv_gemm.cc falls back to im2col + GEMM for every other shape.
#pragma once
#include "conv_shape.h"

namespace cefm {

// True where the Winograd path is used: 3x3 taps, stride 1, dilation 1, one group, enough channels
// on both sides for the 36 GEMMs to run at speed, padding at most 2 (the image gradient's own
// padding is 2 - p). CEFM_WINOGRAD=0 turns it off (for comparisons).
bool winogradApplies(const ConvShape& s);

// Same contracts as convForward, convImageGrad and convWeightGrad (conv_gemm.h).
void winogradForward(const ConvShape& s, const float* image, const float* weight, const float* bias, float* output);
void winogradImageGrad(const ConvShape& s, const float* dOutput, const float* weight, float* dImage);
void winogradWeightGrad(const ConvShape& s, const float* image, const float* dOutput, float* dWeight);

}  // namespace cefm
