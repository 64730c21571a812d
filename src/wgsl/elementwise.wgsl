// Elementwise kernels: the broadcasting binary op (add, sub, mul, div and −a·b for div's gradient)
// and the activations (relu, sigmoid, tanh, gelu erf / tanh) forward and backward. OP picks the
// function; one invocation per output element, 256 per workgroup, grid1d over x and y.

override OP: u32 = 0u;

const WG: u32 = 256u;

// binary OP: 0 add, 1 sub, 2 mul, 3 div, 4 −a·b
struct BinaryParams {
  n: u32,
  rank: u32,
}

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<f32>;
// Per output dim after coalescing, innermost first: size, stride in A, stride in B (0 = broadcast).
@group(0) @binding(3) var<storage, read> dims: array<u32>;
@group(0) @binding(4) var<uniform> bp: BinaryParams;

fn elementIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid.x;
}

@compute @workgroup_size(WG)
fn binary(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= bp.n) { return; }
  var rem = i;
  var offA = 0u;
  var offB = 0u;
  for (var d = 0u; d < bp.rank; d++) {
    let size = dims[3u * d];
    let idx = rem % size;
    rem = rem / size;
    offA += idx * dims[3u * d + 1u];
    offB += idx * dims[3u * d + 2u];
  }
  let a = A[offA];
  let b = B[offB];
  var r: f32;
  switch OP {
    case 0u: { r = a + b; }
    case 1u: { r = a - b; }
    case 2u: { r = a * b; }
    case 3u: { r = a / b; }
    default: { r = -(a * b); }
  }
  Out[i] = r;
}

// activation OP: 0 relu, 1 sigmoid, 2 tanh, 3 gelu (erf), 4 gelu (tanh)
struct UnaryParams {
  n: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@group(0) @binding(2) var<uniform> up: UnaryParams;

// Backward: X, Y (the forward output), DY -> DX.
@group(0) @binding(1) var<storage, read> YIn: array<f32>;
@group(0) @binding(2) var<storage, read> DY: array<f32>;
@group(0) @binding(3) var<storage, read_write> DX: array<f32>;
@group(0) @binding(4) var<uniform> ubp: UnaryParams;

const SQRT_2_OVER_PI: f32 = 0.79788456080286536;
const GELU_CUBIC: f32 = 0.044715;
const INV_SQRT_2PI: f32 = 0.39894228040143268;

// exp clamped below overflow: the callers only need exp(large) to be large.
fn expClamped(x: f32) -> f32 { return exp(min(x, 88.0)); }

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + expClamped(-x)); }

// tanh to ~2 ulp: an odd polynomial below |x| = 0.625 (fitted to tanh(x)/x), else
// 1 − 2 / (exp(2|x|) + 1), which neither cancels nor overflows to NaN.
fn tanhAccurate(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.625) {
    let u = x * x;
    let p = ((((-0.005697453394532204 * u + 0.020630232989788055) * u - 0.05373583734035492) * u + 0.13331365585327148) * u - 0.33333274722099304) * u + 1.0;
    return x * p;
  }
  return sign(x) * (1.0 - 2.0 / (expClamped(2.0 * a) + 1.0));
}

// 1 + erf(x / √2) = 2 Φ(x), ~1e-7 relative in both tails (Numerical Recipes erfcc).
fn twicePhi(x: f32) -> f32 {
  let u = x * 0.70710678118654752;
  let a = abs(u);
  let t = 1.0 / (1.0 + 0.5 * a);
  let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let erfcA = t * exp(p - a * a);
  return select(erfcA, 2.0 - erfcA, u >= 0.0);
}

fn geluTanhGate(x: f32) -> f32 {
  // 0.5 (1 + tanh(u)) = sigmoid(2u): no cancellation in the left tail
  return sigmoid(2.0 * SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x));
}

fn activate(x: f32) -> f32 {
  switch OP {
    case 0u: { return select(x, 0.0, x < 0.0); }
    case 1u: { return sigmoid(x); }
    case 2u: { return tanhAccurate(x); }
    case 3u: { return 0.5 * x * twicePhi(x); }
    default: { return x * geluTanhGate(x); }
  }
}

fn activateGrad(x: f32, y: f32, dy: f32) -> f32 {
  switch OP {
    case 0u: { return select(0.0, dy, x > 0.0); }
    case 1u: { return dy * y * (1.0 - y); }
    case 2u: { return dy * (1.0 - y * y); }
    case 3u: { return dy * (0.5 * twicePhi(x) + x * INV_SQRT_2PI * exp(-0.5 * x * x)); }
    default: {
      let s = geluTanhGate(x);
      return dy * (s + 2.0 * x * s * (1.0 - s) * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_CUBIC * x * x));
    }
  }
}

@compute @workgroup_size(WG)
fn unary(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = elementIndex(wid, nwg, lid);
  if (i < up.n) { Y[i] = activate(X[i]); }
}

@compute @workgroup_size(WG)
fn unary_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = elementIndex(wid, nwg, lid);
  if (i < ubp.n) { DX[i] = activateGrad(X[i], YIn[i], DY[i]); }
}
