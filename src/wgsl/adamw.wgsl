// adamw_step (torch.optim.AdamW, one tensor) in place: param, m and v are read and written.

struct Params {
  n: u32, beta1: f32, beta2: f32, oneMinusBeta1: f32,
  oneMinusBeta2: f32, decay: f32, stepSize: f32, bias2Sqrt: f32,
  eps: f32, _a: u32, _b: u32, _c: u32,
}

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= p.n) { return; }
  let g = grad[i];
  let mi = m[i] * p.beta1 + p.oneMinusBeta1 * g;
  let vi = v[i] * p.beta2 + p.oneMinusBeta2 * g * g;
  param[i] = param[i] * p.decay - p.stepSize * (mi / (sqrt(vi) / p.bias2Sqrt + p.eps));
  m[i] = mi;
  v[i] = vi;
}
