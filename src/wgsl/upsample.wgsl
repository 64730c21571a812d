// upsample_bilinear2d / upsample_nearest2d over per-axis tap tables built on the host
// (src/ts/backend/webgpu/kernels/upsample.ts). taps: 4 words per output index (i0, i1, and the
// f32 bits of w0, w1), OH rows then OW columns; nearest has w1 = 0. inv: 2 u32 per input index,
// the range [first, end) of output indices that read it, H rows then W columns.

// nearest reads its one tap directly (0 · x[i1] would turn an infinite neighbour into NaN)
override NEAREST: bool = false;

// Params, elementIndex, outputPos, inputPos from plane_grid.wgsl
${PLANE_GRID}

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
  let e = elementIndex(wid, nwg, lid);
  if (e >= fp.total) { return; }
  let o = outputPos(e, fp);
  let base = o.inputBase;
  let ty = fwdTap(o.y);
  let tx = fwdTap(fp.OH + o.x);
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
  let e = elementIndex(wid, nwg, lid);
  if (e >= bp.total) { return; }
  let i = inputPos(e, bp);
  let gbase = i.plane * bp.OH * bp.OW;
  var g = 0.0;
  for (var oy = i.rows.x; oy < i.rows.y; oy++) {
    let wy = weight(oy, i.y);
    var row = 0.0;
    for (var ox = i.cols.x; ox < i.cols.y; ox++) {
      row += weight(bp.OH + ox, i.x) * bdy[gbase + oy * bp.OW + ox];
    }
    g += wy * row;
  }
  bdx[e] = g;
}
