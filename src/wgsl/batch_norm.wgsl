// batch_norm on x [N, C, S...]: the per-channel sums come from reduce.wgsl; these entry points turn
// them into per-channel coefficients (α, β, μ, δ) and apply out = α·p + β·(q − μ) + δ, which is
// the forward (p unused: α = 0, q = x) and both backward modes (p = dy, q = x) in one kernel.

struct CoefParams {
  C: u32,
  count: u32,      // elements per channel, N·S
  training: u32,
  eps: f32,
  momentum: f32,
}

// forward_coefs: mean, var (the batch's in training, else the running ones), weight, bias,
// running_mean, running_var -> coefficients, new_running_mean, new_running_var.
@group(0) @binding(0) var<storage, read> mean: array<f32>;
@group(0) @binding(1) var<storage, read> variance: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> runningMean: array<f32>;
@group(0) @binding(5) var<storage, read> runningVar: array<f32>;
@group(0) @binding(6) var<storage, read_write> coefs: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> newMean: array<f32>;
@group(0) @binding(8) var<storage, read_write> newVar: array<f32>;
@group(0) @binding(9) var<uniform> fp: CoefParams;

@compute @workgroup_size(64)
fn forward_coefs(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= fp.C) { return; }
  let rstd = inverseSqrt(variance[c] + fp.eps);
  coefs[c] = vec4<f32>(0.0, weight[c] * rstd, mean[c], bias[c]);
  if (fp.training != 0u) {
    let n = f32(fp.count);
    newMean[c] = (1.0 - fp.momentum) * runningMean[c] + fp.momentum * mean[c];
    newVar[c] = (1.0 - fp.momentum) * runningVar[c] + fp.momentum * variance[c] * n / (n - 1.0);
  } else {
    newMean[c] = runningMean[c];
    newVar[c] = runningVar[c];
  }
}

// backward_coefs: mean, var (as forward), weight, Σ dy, Σ dy·(x − mean) -> coefficients, dweight,
// dbias. Training: dx = w·rstd (dy − Σdy/M − (x − mean)·rstd²·Σdy(x − mean)/M); eval: w·rstd·dy.
@group(0) @binding(3) var<storage, read> sumDy: array<f32>;
@group(0) @binding(4) var<storage, read> sumDyCentered: array<f32>;
@group(0) @binding(5) var<storage, read_write> coefsOut: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(7) var<storage, read_write> dbias: array<f32>;
@group(0) @binding(8) var<uniform> bp: CoefParams;

@compute @workgroup_size(64)
fn backward_coefs(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= bp.C) { return; }
  let rstd = inverseSqrt(variance[c] + bp.eps);
  let scale = weight[c] * rstd;
  let invM = 1.0 / f32(bp.count);
  dweight[c] = sumDyCentered[c] * rstd;
  dbias[c] = sumDy[c];
  if (bp.training != 0u) {
    coefsOut[c] = vec4<f32>(scale, -scale * rstd * rstd * sumDyCentered[c] * invM, mean[c], -scale * sumDy[c] * invM);
  } else {
    coefsOut[c] = vec4<f32>(scale, 0.0, mean[c], 0.0);
  }
}

// apply: P, Q, coefficients -> Out = α·p + β·(q − μ) + δ with the channel of each element.
struct ApplyParams {
  n: u32,
  C: u32,
  S: u32,
}

@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> coefsIn: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> Out: array<f32>;
@group(0) @binding(4) var<uniform> ap: ApplyParams;

@compute @workgroup_size(256)
fn apply(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (i >= ap.n) { return; }
  let k = coefsIn[(i / ap.S) % ap.C];
  Out[i] = k.x * P[i] + k.y * (Q[i] - k.z) + k.w;
}
