// Helpers of the convolution kernels (conv.wgsl): the split partial sums of the weight gradient
// (WEIGHT_GRAD), the bias gradient (sum of dOutput over batch and space), and the per-channel fill
// that IMAGE_SCATTER writes over.

struct Params {
  count: u32,  // sum_splits: number of partial sums; bias_grad, fill_channels: batch size
  len: u32,    // sum_splits: elements per partial sum; bias_grad, fill_channels: channels
  plane: u32,  // bias_grad, fill_channels: spatial size
  hasBias: u32, // fill_channels: fill with src[channel] (else 0)
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

const WG: u32 = 256u;
var<workgroup> partial: array<f32, WG>;

// dst[i] = sum over s of src[s * len + i]
@compute @workgroup_size(256)
fn sum_splits(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.len) { return; }
  var s = 0.0;
  for (var k = 0u; k < p.count; k++) { s += src[k * p.len + i]; }
  dst[i] = s;
}

// dst[ch] = sum over n and the plane of src[n, ch, :]; one workgroup per channel.
@compute @workgroup_size(256)
fn bias_grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let ch = wid.x + wid.y * nwg.x;
  if (ch >= p.len) { return; }
  var s = 0.0;
  for (var n = 0u; n < p.count; n++) {
    let base = (n * p.len + ch) * p.plane;
    for (var i = li; i < p.plane; i += WG) { s += src[base + i]; }
  }
  partial[li] = s;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (li < half) { partial[li] += partial[li + half]; }
    workgroupBarrier();
  }
  if (li == 0u) { dst[ch] = partial[0]; }
}

// dst[n, ch, :] = src[ch] (the bias) or 0; one workgroup row per (n, ch) plane.
@compute @workgroup_size(256)
fn fill_channels(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let planeIndex = wid.x + wid.y * nwg.x;
  if (planeIndex >= p.count * p.len) { return; }
  var v = 0.0;
  if (p.hasBias != 0u) { v = src[planeIndex % p.len]; }
  for (var i = li; i < p.plane; i += WG) { dst[planeIndex * p.plane + i] = v; }
}
