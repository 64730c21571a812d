// Shared by attention.wgsl and attention_backward.wgsl, which include this text through the
// COMMON define (so WGSL error line numbers there count these lines too). Both bind q, k, v
// [rows, D | DV] at bindings 0, 1, 2.
//
// Each invocation owns four rows (queries, or keys): a vec4 holds one value of each of them, and
// the rows themselves are kept as vec4s along the feature dimension, zero-padded to a multiple of
// 4 (Rows4D: D wide, Rows4V: DV wide). The rows they meet are staged BC at a time in workgroup
// memory: tileD (width D: keys, or queries) and tileV (width DV: values, or output gradients), as
// ${T} (f16 storage with f32 accumulation for inference when shader-f16 is on). Four rows per
// invocation make every value read from a tile serve four FMAs: software rasterisers (lavapipe)
// pay a gather for each such read, and it dominates otherwise.

const D: u32 = ${D}u;
const DV: u32 = ${DV}u;
const D4: u32 = (D + 3u) / 4u;
const DV4: u32 = (DV + 3u) / 4u;
const BC: u32 = ${BC}u; // rows per staged tile
const GROUP: u32 = 64u; // invocations per workgroup
const ROWS: u32 = 256u; // rows per workgroup: four per invocation
// A score no key reaches: padding keys get it so their probability is exactly 0.
const NO_SCORE: f32 = -1.0e30;

alias Rows4D = array<array<vec4<f32>, D4>, 4>;
alias Rows4V = array<array<vec4<f32>, DV4>, 4>;
// Per staged row j, one value for each of the invocation's four rows.
alias TileValues = array<vec4<f32>, BC>;

var<workgroup> tileD: array<vec4<${T}>, BC * D4>;
var<workgroup> tileV: array<vec4<${T}>, BC * DV4>;

// Loop bounds (D4, DV4) come in as run-time values: with constant bounds the shader compiler
// unrolls everything and lavapipe takes minutes to build one pipeline.

// x[r] . tileD[j] for the four rows r.
fn dotD(x: ptr<function, Rows4D>, j: u32, nD4: u32) -> vec4<f32> {
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var c = 0u; c < nD4; c++) {
    let t = vec4<f32>(tileD[j * D4 + c]);
    a0 = fma((*x)[0][c], t, a0);
    a1 = fma((*x)[1][c], t, a1);
    a2 = fma((*x)[2][c], t, a2);
    a3 = fma((*x)[3][c], t, a3);
  }
  let one = vec4<f32>(1.0);
  return vec4<f32>(dot(a0, one), dot(a1, one), dot(a2, one), dot(a3, one));
}

// x[r] . tileV[j] for the four rows r.
fn dotV(x: ptr<function, Rows4V>, j: u32, nDV4: u32) -> vec4<f32> {
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var c = 0u; c < nDV4; c++) {
    let t = vec4<f32>(tileV[j * DV4 + c]);
    a0 = fma((*x)[0][c], t, a0);
    a1 = fma((*x)[1][c], t, a1);
    a2 = fma((*x)[2][c], t, a2);
    a3 = fma((*x)[3][c], t, a3);
  }
  let one = vec4<f32>(1.0);
  return vec4<f32>(dot(a0, one), dot(a1, one), dot(a2, one), dot(a3, one));
}

// acc[r] += w[r] * tileD[j] for the four rows r.
fn addD(acc: ptr<function, Rows4D>, w: vec4<f32>, j: u32, nD4: u32) {
  for (var c = 0u; c < nD4; c++) {
    let t = vec4<f32>(tileD[j * D4 + c]);
    (*acc)[0][c] = fma(vec4<f32>(w.x), t, (*acc)[0][c]);
    (*acc)[1][c] = fma(vec4<f32>(w.y), t, (*acc)[1][c]);
    (*acc)[2][c] = fma(vec4<f32>(w.z), t, (*acc)[2][c]);
    (*acc)[3][c] = fma(vec4<f32>(w.w), t, (*acc)[3][c]);
  }
}

// acc[r] += w[r] * tileV[j] for the four rows r.
fn addV(acc: ptr<function, Rows4V>, w: vec4<f32>, j: u32, nDV4: u32) {
  for (var c = 0u; c < nDV4; c++) {
    let t = vec4<f32>(tileV[j * DV4 + c]);
    (*acc)[0][c] = fma(vec4<f32>(w.x), t, (*acc)[0][c]);
    (*acc)[1][c] = fma(vec4<f32>(w.y), t, (*acc)[1][c]);
    (*acc)[2][c] = fma(vec4<f32>(w.z), t, (*acc)[2][c]);
    (*acc)[3][c] = fma(vec4<f32>(w.w), t, (*acc)[3][c]);
  }
}

// One key tile (keys j0.. of S, staged in tileD) of an online softmax for four query rows x
// (already scaled): s[j] gets exp(score - new row max) (0 for padding keys), rowMax and rowSum are
// updated, and the factors earlier tiles' sums must be rescaled by are returned.
fn softmaxTile(x: ptr<function, Rows4D>, j0: u32, S: u32, nD4: u32, s: ptr<function, TileValues>,
               rowMax: ptr<function, vec4<f32>>, rowSum: ptr<function, vec4<f32>>) -> vec4<f32> {
  var tileMax = *rowMax;
  for (var j = 0u; j < BC; j++) {
    let sj = select(vec4<f32>(NO_SCORE), dotD(x, j, nD4), j0 + j < S);
    (*s)[j] = sj;
    tileMax = max(tileMax, sj);
  }
  let alpha = exp(*rowMax - tileMax);
  var sum = vec4<f32>(0.0);
  for (var j = 0u; j < BC; j++) {
    let e = exp((*s)[j] - tileMax);
    (*s)[j] = e;
    sum += e;
  }
  *rowMax = tileMax;
  *rowSum = *rowSum * alpha + sum;
  return alpha;
}

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;

// Values 4 c4 .. 4 c4 + 3 of a row of q, k or v, 0 past the row's end.
fn q4(row: u32, c4: u32) -> vec4<f32> {
  var x = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) {
    if (4u * c4 + i < D) { x[i] = q[row * D + 4u * c4 + i]; }
  }
  return x;
}
fn k4(row: u32, c4: u32) -> vec4<f32> {
  var x = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) {
    if (4u * c4 + i < D) { x[i] = k[row * D + 4u * c4 + i]; }
  }
  return x;
}
fn v4(row: u32, c4: u32) -> vec4<f32> {
  var x = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) {
    if (4u * c4 + i < DV) { x[i] = v[row * DV + 4u * c4 + i]; }
  }
  return x;
}
