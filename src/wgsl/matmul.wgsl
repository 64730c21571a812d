// Batched GEMM with grouped batch sums: C[z] = sum over pairs p of group z of opA(A[p.a]) * opB(B[p.b]).
// A plain batched matmul has one pair per group; the backward of a broadcast operand sums the
// batches that share it in one pass. opA(A) is [M, K] (A stored [K, M] when TRANS_A), opB(B) is
// [K, N] (B stored [N, K] when TRANS_B). Each thread computes a 4x4 block of a 64x64 tile.

override TRANS_A: bool = false;
override TRANS_B: bool = false;

struct Params {
  M: u32, N: u32, K: u32, groups: u32,
  strideA: u32, strideB: u32, strideC: u32, _pad: u32,
}

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
// [0..groups]: CSR offsets into the pair list; then pairs (a matrix, b matrix) from index groups + 1.
@group(0) @binding(3) var<storage, read> plan: array<u32>;
@group(0) @binding(4) var<uniform> p: Params;

const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;

var<workgroup> tileA: array<f32, 1024>; // [TK][TM]
var<workgroup> tileB: array<f32, 1024>; // [TK][TN]

fn loadA(base: u32, row: u32, k: u32) -> f32 {
  if (row >= p.M || k >= p.K) { return 0.0; }
  if (TRANS_A) { return A[base + k * p.M + row]; }
  return A[base + row * p.K + k];
}

fn loadB(base: u32, k: u32, col: u32) -> f32 {
  if (k >= p.K || col >= p.N) { return 0.0; }
  if (TRANS_B) { return B[base + col * p.K + k]; }
  return B[base + k * p.N + col];
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let z = wid.z;
  let row0 = wid.y * TM;
  let col0 = wid.x * TN;
  let tid = lid.y * 16u + lid.x;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }

  let pairBase = p.groups + 1u;
  for (var q = plan[z]; q < plan[z + 1u]; q++) {
    let baseA = plan[pairBase + 2u * q] * p.strideA;
    let baseB = plan[pairBase + 2u * q + 1u] * p.strideB;
    for (var k0 = 0u; k0 < p.K; k0 += TK) {
      // 256 threads stage a 64x16 slice of A and a 16x64 slice of B, 4 values each.
      for (var e = 0u; e < 4u; e++) {
        let idx = tid + e * 256u;
        let kk = idx / TM;
        let mm = idx % TM;
        tileA[kk * TM + mm] = loadA(baseA, row0 + mm, k0 + kk);
        tileB[kk * TN + mm] = loadB(baseB, k0 + kk, col0 + mm);
      }
      workgroupBarrier();
      for (var kk = 0u; kk < TK; kk++) {
        var a: array<f32, 4>;
        var b: array<f32, 4>;
        for (var i = 0u; i < 4u; i++) {
          a[i] = tileA[kk * TM + lid.y * 4u + i];
          b[i] = tileB[kk * TN + lid.x * 4u + i];
        }
        for (var i = 0u; i < 4u; i++) {
          for (var j = 0u; j < 4u; j++) {
            acc[i * 4u + j] = fma(a[i], b[j], acc[i * 4u + j]);
          }
        }
      }
      workgroupBarrier();
    }
  }

  let baseC = z * p.strideC;
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y * 4u + i;
    if (r >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + lid.x * 4u + j;
      if (c < p.N) { C[baseC + r * p.N + c] = acc[i * 4u + j]; }
    }
  }
}
