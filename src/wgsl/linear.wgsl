// linear's bias gradient. (Its forward bias/activation run in the GEMM's fused epilogue:
// matmul_common.wgsl.)

const LINEAR_WG: u32 = 256u;

struct LinearParams {
  rows: u32,
  cols: u32,
  _pad0: u32,
  _pad1: u32,
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
