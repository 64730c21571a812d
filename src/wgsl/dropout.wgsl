// dropout with the counter-based mask of src/ts/ops/dropout.ts: element i is kept when
// lowbias32(seedHash ^ i) >> 8 >= threshold (= floor(p·2²⁴)); kept elements scale by 1/(1 − p).

struct Params { n: u32, seedHash: u32, threshold: u32, kept: f32 }

fn hash32(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}

// forward: x -> y, mask
@group(0) @binding(0) var<storage, read> fx: array<f32>;
@group(0) @binding(1) var<storage, read_write> fy: array<f32>;
@group(0) @binding(2) var<storage, read_write> fmask: array<f32>;
@group(0) @binding(3) var<uniform> fp: Params;

@compute @workgroup_size(256)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= fp.n) { return; }
  let m = select(0.0, fp.kept, (hash32(fp.seedHash ^ i) >> 8u) >= fp.threshold);
  fmask[i] = m;
  fy[i] = fx[i] * m;
}

// backward: mask, dy -> dx = dy·mask
@group(0) @binding(0) var<storage, read> bmask: array<f32>;
@group(0) @binding(1) var<storage, read> bdy: array<f32>;
@group(0) @binding(2) var<storage, read_write> bdx: array<f32>;
@group(0) @binding(3) var<uniform> bp: Params;

@compute @workgroup_size(256)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= bp.n) { return; }
  bdx[i] = bdy[i] * bmask[i];
}
