// im2col / col2im on bands of output rows, so the column matrix of a convolution is never held
// in full: a band [oh0, oh1) of one image and group is a [taps, (oh1 - oh0) * wo] matrix.
#pragma once
#include <cstdint>

#include "conv_shape.h"

namespace cefm {

// cols[(ci, i, j), (oh - oh0, ow)] = image[ci, oh*sh - ph + i*dh, ow*sw - pw + j*dw] (0 outside).
// `image` points at the group's first channel; rows of cols are `ld` floats apart (0: the band's
// width, (oh1 - oh0) * wo), so several images' columns can sit side by side.
void im2colBand(const ConvShape& s, const float* image, int64_t oh0, int64_t oh1, float* cols, int64_t ld = 0);

// The band's column matrix written straight into GEMM B panels (the GemmBPacker contract of
// gemm.h): rows [k0, k0 + kc) and columns [j0, j0 + cols) of what im2colBand would write, as
// ceil(cols / nr) panels dst[(j / nr) * kc * nr + k * nr + j % nr], the last panel zero-padded.
// Skips the im2col buffer: the image is read once, from cache, and each panel written once.
void im2colPackPanels(const ConvShape& s, const float* image, int64_t oh0, int64_t k0, int64_t kc, int64_t j0,
                      int64_t cols, int nr, float* dst);

// The adjoint: image[ci, ih, iw] += every cols entry that im2colBand would have read from there.
void col2imBandAdd(const ConvShape& s, const float* cols, int64_t oh0, int64_t oh1, float* image);

}  // namespace cefm
