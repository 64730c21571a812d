// nt_xent's row normalisation (F.normalize, eps 1e-12) of z1 then z2 into z[2N, D], and its
// backward. The similarity GEMMs run on matmul.wgsl, the softmax cross-entropy on losses.wgsl.

const EPS: f32 = 1e-12;

struct Params { n: u32, d: u32, _a: u32, _b: u32 }

// workgroupSum, workgroupMax and WG (256 here) from workgroup_reduce.wgsl
${WORKGROUP_REDUCE}

// normalize_rows: z1, z2 -> z, norms (one workgroup per row of z)
@group(0) @binding(0) var<storage, read> nz1: array<f32>;
@group(0) @binding(1) var<storage, read> nz2: array<f32>;
@group(0) @binding(2) var<storage, read_write> nz: array<f32>;
@group(0) @binding(3) var<storage, read_write> nnorm: array<f32>;
@group(0) @binding(4) var<uniform> np: Params;

fn inputAt(r: u32, k: u32) -> f32 {
  let off = (r % np.n) * np.d + k;
  if (r < np.n) { return nz1[off]; }
  return nz2[off];
}

@compute @workgroup_size(WG)
fn normalize_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x + wid.y * nwg.x;
  if (r >= 2u * np.n) { return; }
  var ss = 0.0;
  for (var k = lid; k < np.d; k += WG) {
    let v = inputAt(r, k);
    ss += v * v;
  }
  let norm = max(sqrt(workgroupSum(ss, lid)), EPS);
  for (var k = lid; k < np.d; k += WG) { nz[r * np.d + k] = inputAt(r, k) / norm; }
  if (lid == 0u) { nnorm[r] = norm; }
}

// normalize_rows_backward: z, norms, g1, g2 (g = g1 + g2 = dL/dz) -> dz1, dz2 (one workgroup per row)
@group(0) @binding(0) var<storage, read> bz: array<f32>;
@group(0) @binding(1) var<storage, read> bnorm: array<f32>;
@group(0) @binding(2) var<storage, read> bg1: array<f32>;
@group(0) @binding(3) var<storage, read> bg2: array<f32>;
@group(0) @binding(4) var<storage, read_write> bdz1: array<f32>;
@group(0) @binding(5) var<storage, read_write> bdz2: array<f32>;
@group(0) @binding(6) var<uniform> bp: Params;

@compute @workgroup_size(WG)
fn normalize_rows_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x + wid.y * nwg.x;
  if (r >= 2u * bp.n) { return; }
  let base = r * bp.d;
  var dot = 0.0;
  for (var k = lid; k < bp.d; k += WG) { dot += (bg1[base + k] + bg2[base + k]) * bz[base + k]; }
  dot = workgroupSum(dot, lid);
  let norm = bnorm[r];
  // below eps the norm is a constant, so no gradient flows through it
  if (norm <= EPS) { dot = 0.0; }
  let out = (r % bp.n) * bp.d;
  for (var k = lid; k < bp.d; k += WG) {
    let v = (bg1[base + k] + bg2[base + k] - dot * bz[base + k]) / norm;
    if (r < bp.n) { bdz1[out + k] = v; } else { bdz2[out + k] = v; }
  }
}
