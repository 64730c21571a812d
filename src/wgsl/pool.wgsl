// max_pool2d / avg_pool2d / adaptive_avg_pool2d over per-axis window tables built on the host
// (src/ts/backend/webgpu/kernels/pool.ts). win: 4 u32 per output index (first valid input,
// step, tap count, divisor factor), OH rows then OW columns. inv: 2 u32 per input index, the
// range [first, end) of output indices whose windows may hold it, H rows then W columns.

override MAX: bool = false;

// Params, elementIndex, outputPos, inputPos from plane_grid.wgsl
${PLANE_GRID}

// forward: x, win -> y (one thread per output element)
@group(0) @binding(0) var<storage, read> fx: array<f32>;
@group(0) @binding(1) var<storage, read> fwin: array<u32>;
@group(0) @binding(2) var<storage, read_write> fy: array<f32>;
@group(0) @binding(3) var<uniform> fp: Params;

struct Window { first: u32, step: u32, count: u32, divisor: u32 }

fn fwdWindow(i: u32) -> Window {
  return Window(fwin[4u * i], fwin[4u * i + 1u], fwin[4u * i + 2u], fwin[4u * i + 3u]);
}

@compute @workgroup_size(256)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = elementIndex(wid, nwg, lid);
  if (e >= fp.total) { return; }
  let o = outputPos(e, fp);
  let base = o.inputBase;
  let wy = fwdWindow(o.y);
  let wx = fwdWindow(fp.OH + o.x);
  // max: start from the first tap rather than -inf (shader compilers may assume no infinities)
  var best = fx[base + wy.first * fp.W + wx.first];
  var sum = 0.0;
  for (var ty = 0u; ty < wy.count; ty++) {
    let row = base + (wy.first + ty * wy.step) * fp.W;
    for (var tx = 0u; tx < wx.count; tx++) {
      let v = fx[row + wx.first + tx * wx.step];
      // PyTorch's scan: a larger value or a NaN replaces the best
      if (MAX) {
        if (v > best || v != v) { best = v; }
      } else {
        sum += v;
      }
    }
  }
  if (MAX) { fy[e] = best; } else { fy[e] = sum / f32(wy.divisor * wx.divisor); }
}

// backward: x, dy, win, inv -> dx (one thread per input element, gathering from the windows that hold it)
@group(0) @binding(0) var<storage, read> bx: array<f32>;
@group(0) @binding(1) var<storage, read> bdy: array<f32>;
@group(0) @binding(2) var<storage, read> bwin: array<u32>;
@group(0) @binding(3) var<storage, read> binv: array<u32>;
@group(0) @binding(4) var<storage, read_write> bdx: array<f32>;
@group(0) @binding(5) var<uniform> bp: Params;

fn bwdWindow(i: u32) -> Window {
  return Window(bwin[4u * i], bwin[4u * i + 1u], bwin[4u * i + 2u], bwin[4u * i + 3u]);
}

fn holds(w: Window, i: u32) -> bool {
  return i >= w.first && (i - w.first) % w.step == 0u && (i - w.first) / w.step < w.count;
}

// The plane offset of the first maximum of a window, as the forward scan picks it.
fn argmax(base: u32, wy: Window, wx: Window) -> u32 {
  var arg = wy.first * bp.W + wx.first;
  var best = bx[base + arg];
  for (var ty = 0u; ty < wy.count; ty++) {
    let r = (wy.first + ty * wy.step) * bp.W;
    for (var tx = 0u; tx < wx.count; tx++) {
      let off = r + wx.first + tx * wx.step;
      let v = bx[base + off];
      if (v > best || v != v) { best = v; arg = off; }
    }
  }
  return arg;
}

@compute @workgroup_size(256)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = elementIndex(wid, nwg, lid);
  if (e >= bp.total) { return; }
  let i = inputPos(e, bp);
  let base = i.plane * bp.H * bp.W;
  let gbase = i.plane * bp.OH * bp.OW;
  var g = 0.0;
  for (var oy = i.rows.x; oy < i.rows.y; oy++) {
    let wy = bwdWindow(oy);
    if (!holds(wy, i.y)) { continue; }
    for (var ox = i.cols.x; ox < i.cols.y; ox++) {
      let wx = bwdWindow(bp.OH + ox);
      if (!holds(wx, i.x)) { continue; }
      let d = bdy[gbase + oy * bp.OW + ox];
      if (MAX) {
        if (argmax(base, wy, wx) == i.y * bp.W + i.x) { g += d; }
      } else {
        g += d / f32(wy.divisor * wx.divisor);
      }
    }
  }
  bdx[e] = g;
}
