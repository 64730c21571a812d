// upsample_bilinear2d / upsample_nearest2d over per-axis tap tables built on the host
// (src/ts/backend/webgpu/kernels/upsample.ts). taps: 4 words per output index (i0, i1, and the
// f32 bits of w0, w1), OH rows then OW columns; nearest has w1 = 0. inv: 2 u32 per input index,
// the range [first, end) of output indices that read it, H rows then W columns.

// nearest reads its one tap directly (0 · x[i1] would turn an infinite neighbour into NaN)
override NEAREST: bool = false;

struct Params {
  total: u32, H: u32, W: u32, OH: u32,
  OW: u32, _a: u32, _b: u32, _c: u32,
}

struct Tap { i0: u32, i1: u32, w0: f32, w1: f32 }

// forward: x, taps -> y (one thread per output element)
@group(0) @binding(0) var<storage, read> fx: array<f32>;
@group(0) @binding(1) var<storage, read> ftaps: array<u32>;
@group(0) @binding(2) var<storage, read_write> fy: array<f32>;
@group(0) @binding(3) var<uniform> fp: Params;

fn fwdTap(i: u32) -> Tap {
  return Tap(ftaps[4u * i], ftaps[4u * i + 1u], bitcast<f32>(ftaps[4u * i + 2u]), bitcast<f32>(ftaps[4u * i + 3u]));
}

@compute @workgroup_size(256)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (e >= fp.total) { return; }
  let ox = e % fp.OW;
  let oy = (e / fp.OW) % fp.OH;
  let base = (e / (fp.OW * fp.OH)) * fp.H * fp.W;
  let ty = fwdTap(oy);
  let tx = fwdTap(fp.OH + ox);
  let r0 = base + ty.i0 * fp.W;
  let r1 = base + ty.i1 * fp.W;
  if (NEAREST) {
    fy[e] = fx[r0 + tx.i0];
  } else {
    fy[e] = ty.w0 * (tx.w0 * fx[r0 + tx.i0] + tx.w1 * fx[r0 + tx.i1]) + ty.w1 * (tx.w0 * fx[r1 + tx.i0] + tx.w1 * fx[r1 + tx.i1]);
  }
}

// backward: dy, taps, inv -> dx (one thread per input element, gathering the outputs that read it)
@group(0) @binding(0) var<storage, read> bdy: array<f32>;
@group(0) @binding(1) var<storage, read> btaps: array<u32>;
@group(0) @binding(2) var<storage, read> binv: array<u32>;
@group(0) @binding(3) var<storage, read_write> bdx: array<f32>;
@group(0) @binding(4) var<uniform> bp: Params;

// The weight with which output index o (a tap table row) reads input index i.
fn weight(o: u32, i: u32) -> f32 {
  var w = 0.0;
  if (btaps[4u * o] == i) { w += bitcast<f32>(btaps[4u * o + 2u]); }
  if (btaps[4u * o + 1u] == i) { w += bitcast<f32>(btaps[4u * o + 3u]); }
  return w;
}

@compute @workgroup_size(256)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (e >= bp.total) { return; }
  let ix = e % bp.W;
  let iy = (e / bp.W) % bp.H;
  let gbase = (e / (bp.W * bp.H)) * bp.OH * bp.OW;
  let yr = vec2<u32>(binv[2u * iy], binv[2u * iy + 1u]);
  let xr = vec2<u32>(binv[2u * (bp.H + ix)], binv[2u * (bp.H + ix) + 1u]);
  var g = 0.0;
  for (var oy = yr.x; oy < yr.y; oy++) {
    let wy = weight(oy, iy);
    var row = 0.0;
    for (var ox = xr.x; ox < xr.y; ox++) {
      row += weight(bp.OH + ox, ix) * bdy[gbase + oy * bp.OW + ox];
    }
    g += wy * row;
  }
  bdx[e] = g;
}
