${ENABLE}
// Convolution as implicit GEMM (no im2col in memory): the three products of a convolution from an
// image [n, c, h, w] to an output [n, o, ho, wo] with a weight [o, c/g, kh, kw], one per MODE:
//   FORWARD:     output[g]  (og x n·ho·wo) = weight[g] (og x taps)       · cols(image)
//   IMAGE_GRAD:  dImage[g]  (cg x n·h·w)   = weight[g]ᵀ (cg x og·taps)   · dOutput gathered
//   WEIGHT_GRAD: dWeight[g] (og x taps)    = dOutput[g] (og x n·ho·wo)  · cols(image)ᵀ, the pixel
//                sum split into partial sums (added by conv_reduce.wgsl) when that helps.
// C = A · B where A is the dense operand (`mat`) and B is gathered from `src`.
// The image gradient runs one GEMM per stride phase (ih mod sh, iw mod sw) so that only the taps
// that reach a pixel are summed: no multiplies by the zeros a strided col2im would hold.
// Tap offsets come from a side table (`tapTable`) so the inner loops do no division.
//
// Two entry points, picked per adapter:
//   tiled:   a TM x TN tile per workgroup staged in workgroup memory as ${TILE}, TB x TB per thread
//            (GPUs; f16 storage with f32 accumulation for inference when shader-f16 is on);
//   columns: one GEMM column per invocation and RM rows, A read with workgroup-uniform loads and
//            no workgroup memory or barriers (CPU adapters such as lavapipe, where a lane-varying
//            load from workgroup memory is a gather and a uniform one is a broadcast).

const FORWARD: u32 = 0u;
const IMAGE_GRAD: u32 = 1u;
const WEIGHT_GRAD: u32 = 2u;

override MODE: u32 = 0u;
override HAS_BIAS: bool = false;
override TM: u32 = 64u; // tiled: tile rows (multiple of TB²)
override TN: u32 = 64u; // tiled: tile columns (multiple of TB²)
override TK: u32 = 16u; // tiled: tile depth
override TB: u32 = 4u;  // tiled: each thread computes a TB x TB block (4 or 8)
override RM: u32 = 16u; // columns: rows per invocation (4, 8, 12 or 16)
override WG: u32 = 64u; // columns: invocations (columns) per workgroup

struct Params {
  n: u32, c: u32, h: u32, w: u32,
  o: u32, ho: u32, wo: u32, cg: u32,
  og: u32, sh: u32, sw: u32, taps: u32, // taps = cg * kh * kw
  khkw: u32, zCount: u32, zInner: u32, tilesM: u32, // zInner: phases (IMAGE_GRAD) or splits (WEIGHT_GRAD)
  tilesN: u32, chunk: u32, _pad0: u32, _pad1: u32,
}

// The gathered operand B: image (FORWARD, WEIGHT_GRAD) or dOutput (IMAGE_GRAD).
@group(0) @binding(0) var<storage, read> src: array<f32>;
// The dense operand A: weight (FORWARD, IMAGE_GRAD) or dOutput (WEIGHT_GRAD).
@group(0) @binding(1) var<storage, read> mat: array<f32>;
// FORWARD, WEIGHT_GRAD: per tap (ci, i, j): (ci·h·w, i·dh − ph, j·dw − pw, 0).
// IMAGE_GRAD: per phase a header (first entry, entry count, rh, rw), then per (mo, i, j) reaching
// the phase: (mo·cg·kh·kw + i·kw + j, mo·ho·wo, (rh + ph − i·dh) / sh, (rw + pw − j·dw) / sw).
@group(0) @binding(2) var<storage, read> tapTable: array<vec4<i32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

// The GEMM of one z index: rows M, columns N, depth range [kBegin, kEnd).
struct Job {
  g: u32, M: u32, N: u32, kBegin: u32, kEnd: u32,
  inner: u32,   // phase (IMAGE_GRAD) or split (WEIGHT_GRAD)
  start: u32,   // first tap entry of the phase (IMAGE_GRAD)
  rh: u32, rw: u32, nh: u32, nw: u32,
  invPlane: f32, invWo: f32,
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
    j.invPlane = 1.0 / f32(p.ho * p.wo);
    j.invWo = 1.0 / f32(p.wo);
  }
  return j;
}

// Quotient and remainder without a hardware division (the float estimate is off by at most one
// for the sizes here, and corrected).
fn divmod(q: u32, d: u32, inv: f32) -> vec2<u32> {
  var t = u32(f32(q) * inv);
  let r = i32(q) - i32(t * d);
  if (r < 0) { t -= 1u; } else if (r >= i32(d)) { t += 1u; }
  return vec2<u32>(t, q - t * d);
}

// What both operands need to know about depth index k: its tap entry, or (WEIGHT_GRAD) its
// pixel as (batch, pixel in plane, oh, ow).
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
    d.t = tapTable[k];
  } else if (MODE == IMAGE_GRAD) {
    d.t = tapTable[j.start + k];
  } else {
    let np = divmod(k, p.ho * p.wo, j.invPlane);
    let yx = divmod(np.y, p.wo, j.invWo);
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
  }
  return (u32(d.t.x) * p.o + j.g * p.og) * p.ho * p.wo + u32(d.t.y);
}

fn aStride() -> u32 {
  if (MODE == FORWARD) { return p.taps; }
  if (MODE == IMAGE_GRAD) { return p.khkw; }
  return p.ho * p.wo;
}

fn loadA(j: Job, m: u32, d: Depth) -> f32 {
  if (m >= j.M || !d.valid) { return 0.0; }
  return mat[aOffset(j, d) + m * aStride()];
}

// Column q of B, found once: FORWARD: the pixel's image offset and top-left input position;
// IMAGE_GRAD: the pixel's dOutput offset and phase-grid position; WEIGHT_GRAD: the tap entry.
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
  }
  let ih = d.t.z * i32(p.sh) + col.a; let iw = d.t.w * i32(p.sw) + col.b;
  if (ih < 0 || iw < 0 || ih >= i32(p.h) || iw >= i32(p.w)) { return 0.0; }
  return src[(u32(d.t.x) * p.c + j.g * p.cg) * p.h * p.w + u32(col.base + ih * i32(p.w) + iw)];
}

// C[m, q] = value, written where it belongs (+ bias).
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

// The workgroup's (row tile, column tile, z), from a linear index over a grid1d dispatch.
fn tileOf(wid: vec3<u32>, nwg: vec3<u32>) -> vec3<u32> {
  let linear = wid.x + wid.y * nwg.x;
  let rest = linear / p.tilesN;
  return vec3<u32>(rest % p.tilesM, linear % p.tilesN, rest / p.tilesM);
}

var<workgroup> tileA: array<vec4<${TILE}>, TK * TM / 4u>; // [TK][TM]
var<workgroup> tileB: array<vec4<${TILE}>, TK * TN / 4u>; // [TK][TN]

@compute @workgroup_size(TN / TB, TM / TB, 1)
fn tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let tile = tileOf(wid, nwg);
  if (tile.z >= p.zCount) { return; }
  let j = makeJob(tile.z);
  let row0 = tile.x * TM;
  let col0 = tile.y * TN;
  if (row0 >= j.M || col0 >= j.N) { return; } // a stride phase with fewer pixels than the largest

  // Each thread loads one column of each tile (its rows step by threads / width).
  let threads = TM * TN / (TB * TB);
  let tid = lid.y * (TN / TB) + lid.x;
  let m = row0 + tid % TM;
  let col = colOf(j, col0 + tid % TN);
  // acc[i · TB / 4 + c]: row i of the thread's block, columns 4c..4c+3.
  var acc: array<vec4<f32>, 16>;

  for (var k0 = j.kBegin; k0 < j.kEnd; k0 += TK) {
    for (var r = tid / TM; r < TK; r += threads / TM) {
      let e = r * TM + tid % TM;
      tileA[e / 4u][e % 4u] = ${TILE}(loadA(j, m, depth(j, k0 + r)));
    }
    for (var r = tid / TN; r < TK; r += threads / TN) {
      let e = r * TN + tid % TN;
      tileB[e / 4u][e % 4u] = ${TILE}(loadB(j, col, depth(j, k0 + r)));
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let ra = kk * (TM / 4u) + lid.y * (TB / 4u);
      let rb = kk * (TN / 4u) + lid.x * (TB / 4u);
      let a0 = vec4<f32>(tileA[ra]);
      let b0 = vec4<f32>(tileB[rb]);
      if (TB == 4u) {
        acc[0] = fma(vec4<f32>(a0.x), b0, acc[0]);
        acc[1] = fma(vec4<f32>(a0.y), b0, acc[1]);
        acc[2] = fma(vec4<f32>(a0.z), b0, acc[2]);
        acc[3] = fma(vec4<f32>(a0.w), b0, acc[3]);
      } else {
        let a1 = vec4<f32>(tileA[ra + 1u]);
        let b1 = vec4<f32>(tileB[rb + 1u]);
        acc[0] = fma(vec4<f32>(a0.x), b0, acc[0]);
        acc[1] = fma(vec4<f32>(a0.x), b1, acc[1]);
        acc[2] = fma(vec4<f32>(a0.y), b0, acc[2]);
        acc[3] = fma(vec4<f32>(a0.y), b1, acc[3]);
        acc[4] = fma(vec4<f32>(a0.z), b0, acc[4]);
        acc[5] = fma(vec4<f32>(a0.z), b1, acc[5]);
        acc[6] = fma(vec4<f32>(a0.w), b0, acc[6]);
        acc[7] = fma(vec4<f32>(a0.w), b1, acc[7]);
        acc[8] = fma(vec4<f32>(a1.x), b0, acc[8]);
        acc[9] = fma(vec4<f32>(a1.x), b1, acc[9]);
        acc[10] = fma(vec4<f32>(a1.y), b0, acc[10]);
        acc[11] = fma(vec4<f32>(a1.y), b1, acc[11]);
        acc[12] = fma(vec4<f32>(a1.z), b0, acc[12]);
        acc[13] = fma(vec4<f32>(a1.z), b1, acc[13]);
        acc[14] = fma(vec4<f32>(a1.w), b0, acc[14]);
        acc[15] = fma(vec4<f32>(a1.w), b1, acc[15]);
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < TB; i++) {
    let m = row0 + lid.y * TB + i;
    if (m >= j.M) { break; }
    for (var c = 0u; c < TB; c++) {
      let q = col0 + lid.x * TB + c;
      if (q < j.N) { store(j, m, q, acc[i * (TB / 4u) + c / 4u][c % 4u]); }
    }
  }
}

// Rows row0 + i of A, i < 4·blocks, clamped to the last row (those results are not stored).
fn aRows(j: Job, row0: u32, block: u32, d: Depth) -> vec4<f32> {
  let last = j.M - 1u - row0;
  let base = aOffset(j, d) + row0 * aStride();
  let r = min(vec4<u32>(4u * block) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(last)) * aStride() + vec4<u32>(base);
  return vec4<f32>(mat[r.x], mat[r.y], mat[r.z], mat[r.w]);
}

@compute @workgroup_size(WG)
fn columns(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let tile = tileOf(wid, nwg);
  if (tile.z >= p.zCount) { return; }
  let j = makeJob(tile.z);
  let row0 = tile.x * RM;
  let q = tile.y * WG + lid.x;
  if (row0 >= j.M || tile.y * WG >= j.N) { return; }

  // RM = 4 · blocks rows; the blocks past RM / 4 fold away (RM is a pipeline constant).
  let col = colOf(j, q);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k = j.kBegin; k < j.kEnd; k++) {
    let d = depth(j, k);
    let b = vec4<f32>(loadB(j, col, d));
    acc0 = fma(aRows(j, row0, 0u, d), b, acc0);
    if (RM > 4u) { acc1 = fma(aRows(j, row0, 1u, d), b, acc1); }
    if (RM > 8u) { acc2 = fma(aRows(j, row0, 2u, d), b, acc2); }
    if (RM > 12u) { acc3 = fma(aRows(j, row0, 3u, d), b, acc3); }
  }

  if (!col.valid) { return; }
  let results = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < RM; r++) {
    if (row0 + r < j.M) { store(j, row0 + r, q, results[r / 4u][r % 4u]); }
  }
}
