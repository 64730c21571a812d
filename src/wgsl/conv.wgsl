${ENABLE}
// Convolution as implicit GEMM (no im2col in memory): the three products of a convolution from an
// image [n, c, h, w] to an output [n, o, ho, wo] with a weight [o, c/g, kh, kw], one per MODE:
//   FORWARD:     output[g]  (og x n·ho·wo)   = weight[g] (og x taps)   · cols(image)   (taps x n·ho·wo)
//   IMAGE_GRAD:  dImage[g]  (cg x n·h·w)     = weightᵀ   (cg x og·taps') · dOutput gathered
//   WEIGHT_GRAD: dWeight[g] (og x taps)      = dOutput   (og x n·ho·wo) · cols(image)ᵀ, split over
//                the pixel sum into partial sums (conv_reduce.wgsl adds them) when that helps.
// The image gradient runs one GEMM per stride phase (ih mod sh, iw mod sw) so that only the taps
// that reach a pixel are summed: no multiply by the zeros a strided col2im would hold.
// Tap offsets come from a side table (`taps`) so the inner loops do no division. Each thread
// computes a 4x4 block of a TM x TN tile; tiles are staged in workgroup memory as ${TILE}
// (f16 storage with f32 accumulation for inference when shader-f16 is on).

const FORWARD: u32 = 0u;
const IMAGE_GRAD: u32 = 1u;
const WEIGHT_GRAD: u32 = 2u;

override MODE: u32 = 0u;
override HAS_BIAS: bool = false;
override TM: u32 = 64u; // tile rows (multiple of 16)
override TN: u32 = 64u; // tile columns (multiple of 16)
override TK: u32 = 16u; // tile depth

struct Params {
  n: u32, c: u32, h: u32, w: u32,
  o: u32, ho: u32, wo: u32, cg: u32,
  og: u32, sh: u32, sw: u32, taps: u32, // taps = cg * kh * kw
  khkw: u32, zCount: u32, zInner: u32, tilesM: u32, // zInner: phases (IMAGE_GRAD) or splits (WEIGHT_GRAD)
  tilesN: u32, chunk: u32, _pad0: u32, _pad1: u32,
}

// The gathered operand: image (FORWARD, WEIGHT_GRAD) or dOutput (IMAGE_GRAD).
@group(0) @binding(0) var<storage, read> src: array<f32>;
// The dense operand: weight (FORWARD, IMAGE_GRAD) or dOutput (WEIGHT_GRAD).
@group(0) @binding(1) var<storage, read> mat: array<f32>;
// FORWARD, WEIGHT_GRAD: per tap (ci, i, j): (ci·h·w, i·dh − ph, j·dw − pw, 0).
// IMAGE_GRAD: per phase a header (first entry, entry count, rh, rw), then per (mo, i, j) reaching
// the phase: (mo·cg·kh·kw + i·kw + j, mo·ho·wo, (rh + ph − i·dh) / sh, (rw + pw − j·dw) / sw).
@group(0) @binding(2) var<storage, read> tapTable: array<vec4<i32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

var<workgroup> tileA: array<vec4<${TILE}>, TK * TM / 4u>; // [TK][TM]
var<workgroup> tileB: array<vec4<${TILE}>, TK * TN / 4u>; // [TK][TN]
var<private> acc: array<vec4<f32>, 4>;

// The GEMM of one workgroup's z index: output rows M, columns N, depth range [kBegin, kEnd).
struct Job {
  g: u32, M: u32, N: u32, kBegin: u32, kEnd: u32,
  inner: u32,   // phase (IMAGE_GRAD) or split (WEIGHT_GRAD)
  start: u32,   // first tap entry of the phase (IMAGE_GRAD)
  rh: u32, rw: u32, nh: u32, nw: u32,
}

fn makeJob(z: u32) -> Job {
  var j: Job;
  if (MODE == FORWARD) {
    j.g = z; j.M = p.og; j.N = p.n * p.ho * p.wo; j.kBegin = 0u; j.kEnd = p.taps;
  } else if (MODE == IMAGE_GRAD) {
    j.g = z / p.zInner; j.inner = z % p.zInner;
    let hdr = tapTable[j.inner];
    j.start = u32(hdr.x); j.rh = u32(hdr.z); j.rw = u32(hdr.w);
    j.nh = select(0u, (p.h - j.rh + p.sh - 1u) / p.sh, j.rh < p.h);
    j.nw = select(0u, (p.w - j.rw + p.sw - 1u) / p.sw, j.rw < p.w);
    j.M = p.cg; j.N = p.n * j.nh * j.nw; j.kBegin = 0u; j.kEnd = u32(hdr.y);
  } else {
    j.g = z / p.zInner; j.inner = z % p.zInner;
    j.M = p.og; j.N = p.taps;
    j.kBegin = j.inner * p.chunk; j.kEnd = min(p.n * p.ho * p.wo, j.kBegin + p.chunk);
  }
  return j;
}

// What a thread needs to know about the one column of a tile it loads, found once per workgroup.
struct Column {
  valid: bool,
  base: i32,
  a: i32,
  b: i32,
}

// Quotient and remainder without a hardware division per element (exact for the sizes here: the
// float estimate is off by at most one and corrected).
fn divmod(q: u32, d: u32, inv: f32) -> vec2<u32> {
  var t = u32(f32(q) * inv);
  let r = i32(q) - i32(t * d);
  if (r < 0) { t -= 1u; } else if (r >= i32(d)) { t += 1u; }
  return vec2<u32>(t, q - t * d);
}

// Column m of A (an output row of the GEMM).
fn columnA(j: Job, m: u32) -> Column {
  var col: Column;
  col.valid = m < j.M;
  if (MODE == FORWARD) {
    col.base = i32((j.g * p.og + m) * p.taps);
  } else if (MODE == IMAGE_GRAD) {
    col.base = i32(j.g * p.og * p.taps + m * p.khkw);
  } else {
    col.base = i32(j.g * p.og + m); // dOutput channel
  }
  return col;
}

// Column q of B (an output column of the GEMM).
fn columnB(j: Job, q: u32) -> Column {
  var col: Column;
  col.valid = q < j.N;
  if (!col.valid) { return col; }
  if (MODE == FORWARD) {
    let hw = p.ho * p.wo;
    let nIdx = q / hw; let pix = q % hw;
    col.base = i32((nIdx * p.c + j.g * p.cg) * p.h * p.w);
    col.a = i32((pix / p.wo) * p.sh);
    col.b = i32((pix % p.wo) * p.sw);
  } else if (MODE == IMAGE_GRAD) {
    let plane = j.nh * j.nw;
    let nIdx = q / plane; let r = q % plane;
    col.base = i32((nIdx * p.o + j.g * p.og) * p.ho * p.wo);
    col.a = i32(r / j.nw);
    col.b = i32(r % j.nw);
  } else {
    let t = tapTable[q];
    col.base = t.x; col.a = t.y; col.b = t.z;
  }
  return col;
}

// A[m, k] for the thread's column m.
fn loadA(j: Job, col: Column, k: u32, invPlane: f32) -> f32 {
  if (!col.valid || k >= j.kEnd) { return 0.0; }
  if (MODE == FORWARD) {
    return mat[u32(col.base) + k];
  } else if (MODE == IMAGE_GRAD) {
    return mat[u32(col.base + tapTable[j.start + k].x)];
  }
  let hw = p.ho * p.wo;
  let np = divmod(k, hw, invPlane);
  return mat[(np.x * p.o + u32(col.base)) * hw + np.y];
}

// B[k, q] for the thread's column q.
fn loadB(j: Job, col: Column, k: u32, invPlane: f32, invWo: f32) -> f32 {
  if (!col.valid || k >= j.kEnd) { return 0.0; }
  if (MODE == FORWARD) {
    let t = tapTable[k];
    let ih = col.a + t.y; let iw = col.b + t.z;
    if (ih < 0 || iw < 0 || ih >= i32(p.h) || iw >= i32(p.w)) { return 0.0; }
    return src[u32(col.base + t.x + ih * i32(p.w) + iw)];
  } else if (MODE == IMAGE_GRAD) {
    let t = tapTable[j.start + k];
    let oh = col.a + t.z; let ow = col.b + t.w;
    if (oh < 0 || ow < 0 || oh >= i32(p.ho) || ow >= i32(p.wo)) { return 0.0; }
    return src[u32(col.base + t.y + oh * i32(p.wo) + ow)];
  }
  let np = divmod(k, p.ho * p.wo, invPlane);
  let yx = divmod(np.y, p.wo, invWo);
  let ih = i32(yx.x * p.sh) + col.a; let iw = i32(yx.y * p.sw) + col.b;
  if (ih < 0 || iw < 0 || ih >= i32(p.h) || iw >= i32(p.w)) { return 0.0; }
  return src[(np.x * p.c + j.g * p.cg) * p.h * p.w + u32(col.base + ih * i32(p.w) + iw)];
}

fn accumulateTiles(lid: vec3<u32>) {
  for (var kk = 0u; kk < TK; kk++) {
    let a = vec4<f32>(tileA[kk * (TM / 4u) + lid.y]);
    let b = vec4<f32>(tileB[kk * (TN / 4u) + lid.x]);
    acc[0] = fma(vec4<f32>(a.x), b, acc[0]);
    acc[1] = fma(vec4<f32>(a.y), b, acc[1]);
    acc[2] = fma(vec4<f32>(a.z), b, acc[2]);
    acc[3] = fma(vec4<f32>(a.w), b, acc[3]);
  }
}

// Writes acc[i][jj] = C[m, q] where it belongs.
fn store(j: Job, m: u32, q: u32, value: f32) {
  if (MODE == FORWARD) {
    let hw = p.ho * p.wo;
    let ch = j.g * p.og + m;
    var v = value;
    if (HAS_BIAS) { v += bias[ch]; }
    dst[((q / hw) * p.o + ch) * hw + q % hw] = v;
  } else if (MODE == IMAGE_GRAD) {
    let plane = j.nh * j.nw;
    let r = q % plane;
    let ih = j.rh + (r / j.nw) * p.sh; let iw = j.rw + (r % j.nw) * p.sw;
    let ch = j.g * p.cg + m;
    var v = value;
    if (HAS_BIAS) { v += bias[ch]; }
    dst[(((q / plane) * p.c + ch) * p.h + ih) * p.w + iw] = v;
  } else {
    dst[(j.inner * p.o + j.g * p.og + m) * p.taps + q] = value;
  }
}

@compute @workgroup_size(TN / 4u, TM / 4u, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let linear = wid.x + wid.y * nwg.x;
  let tileN = linear % p.tilesN;
  let rest = linear / p.tilesN;
  let z = rest / p.tilesM;
  if (z >= p.zCount) { return; }
  let j = makeJob(z);
  let row0 = (rest % p.tilesM) * TM;
  let col0 = tileN * TN;
  if (row0 >= j.M || col0 >= j.N) { return; } // a stride phase with fewer pixels than the largest

  // Each thread loads one column of each tile (its rows step by threads / width).
  let threads = TM * TN / 16u;
  let tid = lid.y * (TN / 4u) + lid.x;
  let colA = columnA(j, row0 + tid % TM);
  let colB = columnB(j, col0 + tid % TN);
  let invPlane = 1.0 / f32(p.ho * p.wo);
  let invWo = 1.0 / f32(p.wo);
  for (var i = 0u; i < 4u; i++) { acc[i] = vec4<f32>(0.0); }

  for (var k0 = j.kBegin; k0 < j.kEnd; k0 += TK) {
    for (var r = tid / TM; r < TK; r += threads / TM) {
      let e = r * TM + tid % TM;
      tileA[e / 4u][e % 4u] = ${TILE}(loadA(j, colA, k0 + r, invPlane));
    }
    for (var r = tid / TN; r < TK; r += threads / TN) {
      let e = r * TN + tid % TN;
      tileB[e / 4u][e % 4u] = ${TILE}(loadB(j, colB, k0 + r, invPlane, invWo));
    }
    workgroupBarrier();
    accumulateTiles(lid);
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let m = row0 + lid.y * 4u + i;
    if (m >= j.M) { break; }
    for (var jj = 0u; jj < 4u; jj++) {
      let q = col0 + lid.x * 4u + jj;
      if (q < j.N) { store(j, m, q, acc[i][jj]); }
    }
  }
}
