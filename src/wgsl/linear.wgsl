// linear's bias/activation epilogue (in place over y after the GEMM of matmul.wgsl) and its bias
// gradient. WGSL has no include: the ELEMENTWISE define pastes src/wgsl/elementwise.wgsl in
// front, for its activate() (picked by its OP override) so the activations exist once.
${ELEMENTWISE}

override HAS_BIAS: bool = true;
override ACTIVATE: bool = false;

const LINEAR_WG: u32 = 256u;

struct LinearParams {
  rows: u32,
  cols: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read_write> linY: array<f32>;
@group(0) @binding(1) var<storage, read> linBias: array<f32>;
@group(0) @binding(2) var<uniform> lp: LinearParams;

// y[r, c] = activate(y[r, c] + bias[c]); one invocation per element, grid1d over x and y.
@compute @workgroup_size(LINEAR_WG)
fn epilogue(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wid.x + wid.y * nwg.x) * LINEAR_WG + lid.x;
  if (i >= lp.rows * lp.cols) { return; }
  var v = linY[i];
  if (HAS_BIAS) { v += linBias[i % lp.cols]; }
  if (ACTIVATE) { v = activate(v); }
  linY[i] = v;
}

@group(0) @binding(0) var<storage, read> gradDy: array<f32>;
@group(0) @binding(1) var<storage, read_write> gradBias: array<f32>;
@group(0) @binding(2) var<uniform> gp: LinearParams;

// dbias[c] = sum over rows of dy[r, c]; one invocation per column, so neighbouring invocations
// read neighbouring addresses.
@compute @workgroup_size(LINEAR_WG)
fn bias_grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = (wid.x + wid.y * nwg.x) * LINEAR_WG + lid.x;
  if (c >= gp.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < gp.rows; r++) { s += gradDy[r * gp.cols + c]; }
  gradBias[c] = s;
}
