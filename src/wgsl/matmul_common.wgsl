// Shared part of the GEMM kernels (matmul.wgsl, matmul_direct.wgsl, matmul_subgroup.wgsl), pasted
// into each by src/ts/backend/webgpu/kernels/gemm.ts (WGSL has no include): bindings, operand
// access with transposes, the grouped-batch plan and the fused epilogue.
//
// C[z] = epilogue(sum over pairs p of group z of opA(A[p.a]) · opB(B[p.b])), opA(A) [M, K]
// (A stored [K, M] when TRANS_A), opB(B) [K, N] (B stored [N, K] when TRANS_B). T is the storage
// type of A and B (f32, or f16 for the f16-storage inference path); sums are f32.
// Every kernel sums k in increasing order, one fma per k, so all variants round alike.

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;  // + bias[column]
override ACTIVATE: bool = false;  // then activate() (elementwise.wgsl's, by its OP)

struct GemmParams {
  M: u32, N: u32, K: u32, groups: u32,
  strideA: u32, strideB: u32, strideC: u32,
  zBase: u32, // first group of this dispatch (dispatches hold at most 65535 groups)
}

// Scalar and vec4 views of the same buffers; an entry point uses one of each.
@group(0) @binding(0) var<storage, read> gemmA: array<${T}>;
@group(0) @binding(0) var<storage, read> gemmA4: array<vec4<${T}>>;
@group(0) @binding(1) var<storage, read> gemmB: array<${T}>;
@group(0) @binding(1) var<storage, read> gemmB4: array<vec4<${T}>>;
@group(0) @binding(2) var<storage, read_write> gemmC: array<f32>;
@group(0) @binding(2) var<storage, read_write> gemmC4: array<vec4<f32>>;
// [0..groups]: CSR offsets into the pair list; then pairs (a matrix, b matrix) from index groups + 1.
@group(0) @binding(3) var<storage, read> gemmPlan: array<u32>;
@group(0) @binding(4) var<storage, read> gemmBias: array<f32>;
@group(0) @binding(5) var<uniform> gp: GemmParams;

/** The pair indices [first, end) that output group z sums. */
fn pairRange(z: u32) -> vec2<u32> {
  return vec2(gemmPlan[z], gemmPlan[z + 1u]);
}

/** Element offsets of the A and B matrices of pair q. */
fn pairBases(q: u32) -> vec2<u32> {
  let at = gp.groups + 1u + 2u * q;
  return vec2(gemmPlan[at] * gp.strideA, gemmPlan[at + 1u] * gp.strideB);
}

// Scalar access: opA(row, k), opB(k, col); callers keep indices in range.
fn loadA(base: u32, row: u32, k: u32) -> f32 {
  if (TRANS_A) { return f32(gemmA[base + k * gp.M + row]); }
  return f32(gemmA[base + row * gp.K + k]);
}

fn loadB(base: u32, k: u32, col: u32) -> f32 {
  if (TRANS_B) { return f32(gemmB[base + col * gp.K + k]); }
  return f32(gemmB[base + k * gp.N + col]);
}

/** Columns 4c4 .. 4c4+3 clamped to the last one, so loads stay in range (storeC skips the extra). */
fn clampedColumns(c4: u32) -> vec4<u32> {
  return min(vec4(4u * c4) + vec4(0u, 1u, 2u, 3u), vec4(gp.N - 1u));
}

/** opB(k, c.x), .., opB(k, c.w) by scalar loads (any layout, any N). */
fn loadBColumns(base: u32, k: u32, c: vec4<u32>) -> vec4<f32> {
  return vec4(loadB(base, k, c.x), loadB(base, k, c.y), loadB(base, k, c.z), loadB(base, k, c.w));
}

// vec4 access along the contiguous dimension (needs it to be a multiple of 4):
// A: opA(row, 4k4 .. 4k4+3) when not transposed, opA(4r4 .. 4r4+3, k) when transposed.
fn loadA4(base: u32, rowOrQuad: u32, kOrK4: u32) -> vec4<f32> {
  if (TRANS_A) { return vec4<f32>(gemmA4[(base + kOrK4 * gp.M) / 4u + rowOrQuad]); }
  return vec4<f32>(gemmA4[(base + rowOrQuad * gp.K) / 4u + kOrK4]);
}

// B: opB(k, 4c4 .. 4c4+3) when not transposed, opB(4k4 .. 4k4+3, col) when transposed.
fn loadB4(base: u32, kOrK4: u32, c4OrCol: u32) -> vec4<f32> {
  if (TRANS_B) { return vec4<f32>(gemmB4[(base + c4OrCol * gp.K) / 4u + kOrK4]); }
  return vec4<f32>(gemmB4[(base + kOrK4 * gp.N) / 4u + c4OrCol]);
}

/** opB(4k4 + kk, 4c4 .. 4c4+3) for kk = 0..3, as four vec4 rows, from either layout. */
fn loadB4x4(base: u32, k4: u32, c4: u32) -> mat4x4<f32> {
  if (TRANS_B) {
    // four columns of B, 4 k each: transpose in registers
    return transpose(mat4x4<f32>(loadB4(base, k4, 4u * c4), loadB4(base, k4, 4u * c4 + 1u),
                                 loadB4(base, k4, 4u * c4 + 2u), loadB4(base, k4, 4u * c4 + 3u)));
  }
  return mat4x4<f32>(loadB4(base, 4u * k4, c4), loadB4(base, 4u * k4 + 1u, c4),
                     loadB4(base, 4u * k4 + 2u, c4), loadB4(base, 4u * k4 + 3u, c4));
}

fn epilogue(v: f32, col: u32) -> f32 {
  var x = v;
  if (HAS_BIAS) { x += gemmBias[col]; }
  if (ACTIVATE) { x = activate(x); }
  return x;
}

/** Writes C[z](row, col) through the epilogue; out-of-range elements are skipped. */
fn storeC(z: u32, row: u32, col: u32, v: f32) {
  if (row < gp.M && col < gp.N) { gemmC[z * gp.strideC + row * gp.N + col] = epilogue(v, col); }
}

/** Writes C[z](row, 4c4 .. 4c4+3) (N a multiple of 4). */
fn storeC4(z: u32, row: u32, c4: u32, v: vec4<f32>) {
  if (row < gp.M && 4u * c4 < gp.N) {
    let c = 4u * c4;
    gemmC4[(z * gp.strideC + row * gp.N) / 4u + c4] = vec4(epilogue(v.x, c), epilogue(v.y, c + 1u), epilogue(v.z, c + 2u), epilogue(v.w, c + 3u));
  }
}

/** Writes C[z](row, col .. col+3) element by element (any N; out-of-range elements are skipped). */
fn storeCRun(z: u32, row: u32, col: u32, v: vec4<f32>) {
  storeC(z, row, col, v.x); storeC(z, row, col + 1u, v.y); storeC(z, row, col + 2u, v.z); storeC(z, row, col + 3u, v.w);
}
