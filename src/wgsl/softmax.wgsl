// softmax / log_softmax (LOG) over the last dim: one workgroup per row. Forward reads the row
// twice: each invocation keeps an online (max, Σ exp(x − max)) over its elements, the workgroup
// merges them, then writes. Backward: one workgroup sum, then dx.

override LOG: bool = false;

struct Params {
  rows: u32,
  D: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

// Backward: Y (the forward output), DY -> DX.
@group(0) @binding(0) var<storage, read> YIn: array<f32>;
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
@group(0) @binding(3) var<uniform> bp: Params;

${WORKGROUP_REDUCE}

const LOWEST: f32 = -3.402823e38;

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = workgroupIndex(wid, nwg);
  if (row >= p.rows) { return; }
  let base = row * p.D;
  var m = LOWEST;
  var s = 0.0;
  for (var j = lid.x; j < p.D; j += WG) {
    let v = X[base + j];
    if (v > m) {
      s = s * exp(m - v);
      m = v;
    }
    s += exp(v - m);
  }
  let rowMax = workgroupMax(m, lid.x);
  let rowSum = workgroupSum(s * exp(m - rowMax), lid.x);
  if (LOG) {
    let shift = rowMax + log(rowSum);
    for (var j = lid.x; j < p.D; j += WG) { Y[base + j] = X[base + j] - shift; }
  } else {
    let inv = 1.0 / rowSum;
    for (var j = lid.x; j < p.D; j += WG) { Y[base + j] = exp(X[base + j] - rowMax) * inv; }
  }
}

// softmax: dx = y (dy − Σ dy·y); log_softmax: dx = dy − exp(y) Σ dy.
@compute @workgroup_size(WG)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = workgroupIndex(wid, nwg);
  if (row >= bp.rows) { return; }
  let base = row * bp.D;
  var s = 0.0;
  for (var j = lid.x; j < bp.D; j += WG) {
    s += select(DY[base + j] * YIn[base + j], DY[base + j], LOG);
  }
  let total = workgroupSum(s, lid.x);
  for (var j = lid.x; j < bp.D; j += WG) {
    let y = YIn[base + j];
    let g = DY[base + j];
    DX[base + j] = select(y * (g - total), g - exp(y) * total, LOG);
  }
}
