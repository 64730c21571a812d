${ENABLE}
// Convolution as implicit GEMM (no im2col in memory): the products of a convolution from an
// image [n, c, h, w] to an output [n, o, ho, wo] with a weight [o, c/g, kh, kw], one per MODE.
// C = A · B: A is the dense operand (`mat`), B is gathered from `src`; taps = cg·kh·kw.
//   FORWARD:       output[g] (og x n·ho·wo) = weight[g] (og x taps) · cols(image)
//   WEIGHT_GRAD:   dWeight[g] (og x taps) = dOutput[g] (og x n·ho·wo) · cols(image)ᵀ, the pixel
//                  sum split into partial sums (added by conv_reduce.wgsl) when that helps
//   IMAGE_GRAD:    dImage[g] (cg x n·h·w) = weight[g]ᵀ · dOutput gathered, one GEMM per stride
//                  phase (ih mod sh, iw mod sw) so that only the taps that reach a pixel are
//                  summed: no multiplies by the zeros a strided col2im would hold
//   IMAGE_SCATTER: the image gradient when no two taps reach the same pixel (stride ≥ dilated
//                  kernel: patch embeddings, 2x2/2 up-convolutions): dCols (taps x n·ho·wo) =
//                  weight[g]ᵀ · dOutput[g], each element stored straight to its pixel (pixels no
//                  tap reaches are filled beforehand by conv_reduce.wgsl)
//
// Each workgroup computes a TM x TN tile, staged TK deep in workgroup memory as ${TILE} (f16
// storage with f32 accumulation for inference when shader-f16 is on), TB x TB outputs per thread.
// Each thread stages whole vec4s of the tiles (4 neighbouring rows of A, 4 neighbouring columns of
// B) and finds tap and pixel coordinates with float-reciprocal division: on CPU adapters such as
// lavapipe every load and store is a per-lane operation, so those are what is kept few.

const FORWARD: u32 = 0u;
const IMAGE_GRAD: u32 = 1u;
const WEIGHT_GRAD: u32 = 2u;
const IMAGE_SCATTER: u32 = 3u;

override MODE: u32 = 0u;
override HAS_BIAS: bool = false;
override TM: u32 = 64u; // tile rows (multiple of TB² / 4)
override TN: u32 = 64u; // tile columns (multiple of TB² / 4)
override TK: u32 = 16u; // tile depth
override TB: u32 = 4u;  // each thread computes a TB x TB block (4 or 8)

struct Params {
  n: u32, c: u32, h: u32, w: u32,
  o: u32, ho: u32, wo: u32, cg: u32,
  og: u32, kh: u32, kw: u32, taps: u32,
  sh: u32, sw: u32, ph: u32, pw: u32,
  dh: u32, dw: u32, zCount: u32, zInner: u32, // zInner: phases (IMAGE_GRAD) or splits (WEIGHT_GRAD)
  tilesM: u32, tilesN: u32, chunk: u32, _pad: u32,
  // IMAGE_GRAD: taps of a phase are i0 + t·step; their output offset is off0 − t·offStep
  stepH: u32, stepW: u32, offStepH: u32, offStepW: u32,
}

// The gathered operand B: image (FORWARD, WEIGHT_GRAD) or dOutput (IMAGE_GRAD, IMAGE_SCATTER).
@group(0) @binding(0) var<storage, read> src: array<f32>;
// The dense operand A: weight (FORWARD, IMAGE_GRAD, IMAGE_SCATTER) or dOutput (WEIGHT_GRAD).
@group(0) @binding(1) var<storage, read> mat: array<f32>;
// Per stride phase (IMAGE_GRAD): (rh, rw, taps along h, taps along w), then
// (first tap i0h, first tap i0w, (rh + ph − i0h·dh) / sh, (rw + pw − i0w·dw) / sw).
@group(0) @binding(2) var<storage, read> phases: array<vec4<i32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

// The GEMM of one z index: rows M, columns N, depth range [kBegin, kEnd).
struct Job {
  g: u32, M: u32, N: u32, kBegin: u32, kEnd: u32,
  inner: u32, // phase (IMAGE_GRAD) or split (WEIGHT_GRAD)
  // IMAGE_GRAD: the phase and its pixel grid nh x nw
  rh: u32, rw: u32, nh: u32, nw: u32,
  cntH: u32, cntW: u32, i0h: u32, i0w: u32, off0H: i32, off0W: i32,
}

fn makeJob(z: u32) -> Job {
  var j: Job;
  if (MODE == FORWARD) {
    j.g = z; j.M = p.og; j.N = p.n * p.ho * p.wo; j.kBegin = 0u; j.kEnd = p.taps;
  } else if (MODE == IMAGE_GRAD) {
    j.g = z / p.zInner; j.inner = z % p.zInner;
    let a = phases[2u * j.inner];
    let b = phases[2u * j.inner + 1u];
    j.rh = u32(a.x); j.rw = u32(a.y); j.cntH = u32(a.z); j.cntW = u32(a.w);
    j.i0h = u32(b.x); j.i0w = u32(b.y); j.off0H = b.z; j.off0W = b.w;
    j.nh = select(0u, (p.h - j.rh + p.sh - 1u) / p.sh, j.rh < p.h);
    j.nw = select(0u, (p.w - j.rw + p.sw - 1u) / p.sw, j.rw < p.w);
    j.M = p.cg; j.N = p.n * j.nh * j.nw; j.kBegin = 0u; j.kEnd = p.og * j.cntH * j.cntW;
  } else if (MODE == IMAGE_SCATTER) {
    j.g = z; j.M = p.taps; j.N = p.n * p.ho * p.wo; j.kBegin = 0u; j.kEnd = p.og;
  } else {
    j.g = z / p.zInner; j.inner = z % p.zInner;
    j.M = p.og; j.N = p.taps;
    j.kBegin = j.inner * p.chunk; j.kEnd = min(p.n * p.ho * p.wo, j.kBegin + p.chunk);
  }
  return j;
}

// Quotient and remainder by a float reciprocal (vector arithmetic, where an integer division is a
// scalar loop per lane on CPU adapters); the estimate is off by at most one and corrected.
fn divmod(q: u32, d: u32) -> vec2<u32> {
  var t = u32(f32(q) * (1.0 / f32(d)));
  let r = i32(q) - i32(t * d);
  if (r < 0) { t -= 1u; } else if (r >= i32(d)) { t += 1u; }
  return vec2<u32>(t, q - t * d);
}

// A tap k = (ci, i, j) of the forward: (ci·h·w, i·dh − ph, j·dw − pw).
fn imageTap(k: u32) -> vec3<i32> {
  let cr = divmod(k, p.kh * p.kw);
  let ij = divmod(cr.y, p.kw);
  return vec3<i32>(i32(cr.x * p.h * p.w), i32(ij.x * p.dh) - i32(p.ph), i32(ij.y * p.dw) - i32(p.pw));
}

// What both operands need to know about depth index k:
//   FORWARD: the tap (ci·h·w, i·dh − ph, j·dw − pw, ·);
//   IMAGE_GRAD: (weight offset mo·taps + i·kw + j, dOutput offset mo·ho·wo, output row and column offsets);
//   WEIGHT_GRAD: the pixel (batch, pixel in plane, oh, ow); IMAGE_SCATTER: nothing (k is the channel).
struct Depth {
  valid: bool,
  k: u32,
  t: vec4<i32>,
}

fn depth(j: Job, k: u32) -> Depth {
  var d: Depth;
  d.valid = k < j.kEnd;
  d.k = k;
  if (!d.valid) { return d; }
  if (MODE == FORWARD) {
    d.t = vec4<i32>(imageTap(k), 0);
  } else if (MODE == IMAGE_GRAD) {
    let mt = divmod(k, j.cntH * j.cntW);
    let hw = divmod(mt.y, j.cntW);
    let i = j.i0h + hw.x * p.stepH;
    let jj = j.i0w + hw.y * p.stepW;
    d.t = vec4<i32>(i32(mt.x * p.taps + i * p.kw + jj), i32(mt.x * p.ho * p.wo),
                    j.off0H - i32(hw.x * p.offStepH), j.off0W - i32(hw.y * p.offStepW));
  } else if (MODE == WEIGHT_GRAD) {
    let np = divmod(k, p.ho * p.wo);
    let yx = divmod(np.y, p.wo);
    d.t = vec4<i32>(vec4<u32>(np.x, np.y, yx.x, yx.y));
  }
  return d;
}

// A[m, k] = mat[aOffset(k) + m · aStride]: rows of A are evenly spaced in every mode.
fn aOffset(j: Job, d: Depth) -> u32 {
  if (MODE == FORWARD) {
    return j.g * p.og * p.taps + d.k;
  } else if (MODE == IMAGE_GRAD) {
    return j.g * p.og * p.taps + u32(d.t.x);
  } else if (MODE == IMAGE_SCATTER) {
    return (j.g * p.og + d.k) * p.taps;
  }
  return (u32(d.t.x) * p.o + j.g * p.og) * p.ho * p.wo + u32(d.t.y);
}

fn aStride() -> u32 {
  if (MODE == FORWARD) { return p.taps; }
  if (MODE == IMAGE_GRAD) { return p.kh * p.kw; }
  if (MODE == IMAGE_SCATTER) { return 1u; }
  return p.ho * p.wo;
}

// A[m .. m + 3, k] (0 past the last row or depth).
fn loadA4(j: Job, m: u32, d: Depth) -> vec4<f32> {
  if (!d.valid) { return vec4<f32>(0.0); }
  let base = aOffset(j, d) + m * aStride();
  var v = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) {
    if (m + i < j.M) { v[i] = mat[base + i * aStride()]; }
  }
  return v;
}

// Column q of B, found once: FORWARD: the pixel's image offset and top-left input position;
// IMAGE_GRAD: the pixel's dOutput offset and phase-grid position; WEIGHT_GRAD: the tap;
// IMAGE_SCATTER: the output pixel's dOutput offset.
struct Col {
  valid: bool,
  base: i32,
  a: i32,
  b: i32,
}

fn colOf(j: Job, q: u32) -> Col {
  var col: Col;
  col.valid = q < j.N;
  if (!col.valid) { return col; }
  if (MODE == FORWARD) {
    let np = divmod(q, p.ho * p.wo);
    let yx = divmod(np.y, p.wo);
    col.base = i32((np.x * p.c + j.g * p.cg) * p.h * p.w);
    col.a = i32(yx.x * p.sh);
    col.b = i32(yx.y * p.sw);
  } else if (MODE == IMAGE_GRAD) {
    let nr = divmod(q, j.nh * j.nw);
    let yx = divmod(nr.y, j.nw);
    col.base = i32((nr.x * p.o + j.g * p.og) * p.ho * p.wo);
    col.a = i32(yx.x);
    col.b = i32(yx.y);
  } else if (MODE == IMAGE_SCATTER) {
    let np = divmod(q, p.ho * p.wo);
    col.base = i32((np.x * p.o + j.g * p.og) * p.ho * p.wo + np.y);
  } else {
    let t = imageTap(q);
    col.base = t.x; col.a = t.y; col.b = t.z;
  }
  return col;
}

fn loadB(j: Job, col: Col, d: Depth) -> f32 {
  if (!col.valid || !d.valid) { return 0.0; }
  if (MODE == FORWARD) {
    let ih = col.a + d.t.y; let iw = col.b + d.t.z;
    if (ih < 0 || iw < 0 || ih >= i32(p.h) || iw >= i32(p.w)) { return 0.0; }
    return src[u32(col.base + d.t.x + ih * i32(p.w) + iw)];
  } else if (MODE == IMAGE_GRAD) {
    let oh = col.a + d.t.z; let ow = col.b + d.t.w;
    if (oh < 0 || ow < 0 || oh >= i32(p.ho) || ow >= i32(p.wo)) { return 0.0; }
    return src[u32(col.base + d.t.y + oh * i32(p.wo) + ow)];
  } else if (MODE == IMAGE_SCATTER) {
    return src[u32(col.base) + d.k * p.ho * p.wo];
  }
  let ih = d.t.z * i32(p.sh) + col.a; let iw = d.t.w * i32(p.sw) + col.b;
  if (ih < 0 || iw < 0 || ih >= i32(p.h) || iw >= i32(p.w)) { return 0.0; }
  return src[(u32(d.t.x) * p.c + j.g * p.cg) * p.h * p.w + u32(col.base + ih * i32(p.w) + iw)];
}

// C[m, q] = value, written where it belongs (+ bias).
fn store(j: Job, m: u32, q: u32, value: f32) {
  if (MODE == FORWARD) {
    let np = divmod(q, p.ho * p.wo);
    let ch = j.g * p.og + m;
    var v = value;
    if (HAS_BIAS) { v += bias[ch]; }
    dst[(np.x * p.o + ch) * p.ho * p.wo + np.y] = v;
  } else if (MODE == IMAGE_GRAD) {
    let nr = divmod(q, j.nh * j.nw);
    let yx = divmod(nr.y, j.nw);
    let ih = j.rh + yx.x * p.sh; let iw = j.rw + yx.y * p.sw;
    let ch = j.g * p.cg + m;
    var v = value;
    if (HAS_BIAS) { v += bias[ch]; }
    dst[((nr.x * p.c + ch) * p.h + ih) * p.w + iw] = v;
  } else if (MODE == IMAGE_SCATTER) {
    let cr = divmod(m, p.kh * p.kw);
    let ij = divmod(cr.y, p.kw);
    let np = divmod(q, p.ho * p.wo);
    let yx = divmod(np.y, p.wo);
    let ih = i32(yx.x * p.sh + ij.x * p.dh) - i32(p.ph);
    let iw = i32(yx.y * p.sw + ij.y * p.dw) - i32(p.pw);
    if (ih < 0 || iw < 0 || ih >= i32(p.h) || iw >= i32(p.w)) { return; }
    let ch = j.g * p.cg + cr.x;
    var v = value;
    if (HAS_BIAS) { v += bias[ch]; }
    dst[((np.x * p.c + ch) * p.h + u32(ih)) * p.w + u32(iw)] = v;
  } else {
    dst[(j.inner * p.o + j.g * p.og + m) * p.taps + q] = value;
  }
}

var<workgroup> tileA: array<vec4<${TILE}>, TK * TM / 4u>; // [TK][TM / 4]
var<workgroup> tileB: array<vec4<${TILE}>, TK * TN / 4u>; // [TK][TN / 4]

@compute @workgroup_size(TN / TB, TM / TB, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  // The workgroup's (row tile, column tile, z), from a linear index over a grid1d dispatch.
  let linear = wid.x + wid.y * nwg.x;
  let z = linear / (p.tilesN * p.tilesM);
  if (z >= p.zCount) { return; }
  let j = makeJob(z);
  let row0 = ((linear / p.tilesN) % p.tilesM) * TM;
  let col0 = (linear % p.tilesN) * TN;
  if (row0 >= j.M || col0 >= j.N) { return; } // a stride phase with fewer pixels than the largest

  // Each thread stages one vec4 column group of each tile: 4 rows of A, 4 columns of B; its
  // tile rows step by threads / (groups per row).
  let threads = TM * TN / (TB * TB);
  let tid = lid.y * (TN / TB) + lid.x;
  let groupA = tid % (TM / 4u);
  let groupB = tid % (TN / 4u);
  let m = row0 + 4u * groupA;
  let q = col0 + 4u * groupB;
  let cols = array<Col, 4>(colOf(j, q), colOf(j, q + 1u), colOf(j, q + 2u), colOf(j, q + 3u));
  // acc[i · TB / 4 + c]: row i of the thread's block, columns 4c .. 4c + 3.
  var acc: array<vec4<f32>, 16>;

  for (var k0 = j.kBegin; k0 < j.kEnd; k0 += TK) {
    for (var r = tid / (TM / 4u); r < TK; r += threads / (TM / 4u)) {
      tileA[r * (TM / 4u) + groupA] = vec4<${TILE}>(loadA4(j, m, depth(j, k0 + r)));
    }
    for (var r = tid / (TN / 4u); r < TK; r += threads / (TN / 4u)) {
      let d = depth(j, k0 + r);
      tileB[r * (TN / 4u) + groupB] = vec4<${TILE}>(vec4<f32>(
        loadB(j, cols[0], d), loadB(j, cols[1], d), loadB(j, cols[2], d), loadB(j, cols[3], d)));
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let ra = kk * (TM / 4u) + lid.y * (TB / 4u);
      let rb = kk * (TN / 4u) + lid.x * (TB / 4u);
      var a: array<vec4<f32>, 2>;
      var b: array<vec4<f32>, 2>;
      for (var v = 0u; v < TB / 4u; v++) {
        a[v] = vec4<f32>(tileA[ra + v]);
        b[v] = vec4<f32>(tileB[rb + v]);
      }
      for (var i = 0u; i < TB; i++) {
        let ai = vec4<f32>(a[i / 4u][i % 4u]);
        for (var v = 0u; v < TB / 4u; v++) {
          acc[i * (TB / 4u) + v] = fma(ai, b[v], acc[i * (TB / 4u) + v]);
        }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < TB; i++) {
    let mi = row0 + lid.y * TB + i;
    if (mi >= j.M) { break; }
    for (var c = 0u; c < TB; c++) {
      let qc = col0 + lid.x * TB + c;
      if (qc < j.N) { store(j, mi, qc, acc[i * (TB / 4u) + c / 4u][c % 4u]); }
    }
  }
}
