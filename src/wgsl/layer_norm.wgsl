// layer_norm over the last dim. forward and backward_rows: one workgroup per row, two-pass
// statistics (mean, then the centred sum of squares). backward_params: one invocation per
// (block of rows, column) sums dy·x̂ and dy from the rows' saved (mean, rstd); the blocks'
// partials are then added by reduce.wgsl.

struct Params {
  rows: u32,
  D: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

${WORKGROUP_REDUCE}

struct RowStats {
  mean: f32,
  rstd: f32,
}

fn rowStats(base: u32, D: u32, eps: f32, lid: u32) -> RowStats {
  var s = 0.0;
  for (var j = lid; j < D; j += WG) { s += X[base + j]; }
  let mean = workgroupSum(s, lid) / f32(D);
  var q = 0.0;
  for (var j = lid; j < D; j += WG) {
    let c = X[base + j] - mean;
    q += c * c;
  }
  let variance = workgroupSum(q, lid) / f32(D);
  return RowStats(mean, inverseSqrt(variance + eps));
}

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = workgroupIndex(wid, nwg);
  if (row >= p.rows) { return; }
  let base = row * p.D;
  let st = rowStats(base, p.D, p.eps, lid.x);
  for (var j = lid.x; j < p.D; j += WG) {
    Y[base + j] = (X[base + j] - st.mean) * st.rstd * W[j] + B[j];
  }
}

// backward_rows: X, W, DY -> DX and each row's (mean, rstd). With g = dy·w and x̂ = (x − mean)·rstd:
// dx = rstd (g − mean(g) − x̂ mean(g x̂)).
@group(0) @binding(2) var<storage, read> DY: array<f32>;
@group(0) @binding(3) var<storage, read_write> DX: array<f32>;
@group(0) @binding(4) var<storage, read_write> statsOut: array<f32>;
@group(0) @binding(5) var<uniform> bp: Params;

@compute @workgroup_size(WG)
fn backward_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = workgroupIndex(wid, nwg);
  if (row >= bp.rows) { return; }
  let base = row * bp.D;
  let st = rowStats(base, bp.D, bp.eps, lid.x);
  var sg = 0.0;
  var sgc = 0.0;
  for (var j = lid.x; j < bp.D; j += WG) {
    let g = DY[base + j] * W[j];
    sg += g;
    sgc += g * (X[base + j] - st.mean);
  }
  let meanG = workgroupSum(sg, lid.x) / f32(bp.D);
  let meanGXhat = workgroupSum(sgc, lid.x) * st.rstd / f32(bp.D);
  for (var j = lid.x; j < bp.D; j += WG) {
    let xhat = (X[base + j] - st.mean) * st.rstd;
    DX[base + j] = st.rstd * (DY[base + j] * W[j] - meanG - xhat * meanGXhat);
  }
  if (lid.x == 0u) {
    statsOut[2u * row] = st.mean;
    statsOut[2u * row + 1u] = st.rstd;
  }
}

// backward_params: X, DY, stats -> partial dweight and dbias [blocks, D].
struct ParamsPartial {
  rows: u32,
  D: u32,
  rowsPerBlock: u32,
  blocks: u32,
}

@group(0) @binding(1) var<storage, read> DYp: array<f32>;
@group(0) @binding(2) var<storage, read> statsIn: array<f32>;
@group(0) @binding(3) var<storage, read_write> dwPart: array<f32>;
@group(0) @binding(4) var<storage, read_write> dbPart: array<f32>;
@group(0) @binding(5) var<uniform> pp: ParamsPartial;

@compute @workgroup_size(WG)
fn backward_params(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let w = workgroupIndex(wid, nwg) * WG + lid.x;
  if (w >= pp.blocks * pp.D) { return; }
  let blk = w / pp.D;
  let j = w % pp.D;
  let r1 = min(pp.rows, (blk + 1u) * pp.rowsPerBlock);
  var sw = 0.0;
  var sb = 0.0;
  for (var r = blk * pp.rowsPerBlock; r < r1; r++) {
    let dy = DYp[r * pp.D + j];
    sw += dy * (X[r * pp.D + j] - statsIn[2u * r]) * statsIn[2u * r + 1u];
    sb += dy;
  }
  dwPart[w] = sw;
  dbPart[w] = sb;
}
