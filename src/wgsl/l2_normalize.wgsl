// l2_normalize over the last dim (F.normalize(x, dim=-1, eps)), forward and backward: one
// workgroup per row, the row sums through workgroupSum.

struct Params { rows: u32, D: u32, eps: f32, _a: u32 }

${WORKGROUP_REDUCE}

// forward: x -> y = x / max(‖x‖, eps)
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = workgroupIndex(wid, nwg);
  if (row >= p.rows) { return; } // uniform per workgroup: the barriers below stay uniform
  let base = row * p.D;
  var s = 0.0;
  for (var j = lid; j < p.D; j += WG) { s += X[base + j] * X[base + j]; }
  let d = max(sqrt(workgroupSum(s, lid)), p.eps);
  for (var j = lid; j < p.D; j += WG) { Y[base + j] = X[base + j] / d; }
}

// backward's own bindings (a pipeline's layout holds only the bindings its entry point uses)
@group(0) @binding(0) var<storage, read> BX: array<f32>;
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
@group(0) @binding(3) var<uniform> bp: Params;

// backward: x, dy -> dx = (dy − x·(x·dy)/n²)/n where n = ‖x‖ >= eps, else dy/eps
@compute @workgroup_size(WG)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = workgroupIndex(wid, nwg);
  if (row >= bp.rows) { return; }
  let base = row * bp.D;
  var s = 0.0;
  var q = 0.0;
  for (var j = lid; j < bp.D; j += WG) {
    s += BX[base + j] * BX[base + j];
    q += BX[base + j] * DY[base + j];
  }
  let n = sqrt(workgroupSum(s, lid));
  let xdy = workgroupSum(q, lid);
  let clamped = !(n >= bp.eps && n > 0.0);
  let d = select(n, bp.eps, clamped);
  let k = select(xdy / (n * n), 0.0, clamped);
  for (var j = lid; j < bp.D; j += WG) { DX[base + j] = (DY[base + j] - k * BX[base + j]) / d; }
}
