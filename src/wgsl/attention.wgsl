${ENABLE}
// Fused attention forward (FlashAttention-2): out = softmax(q k^T * scale) v with
// q [bh, L, D], k [bh, S, D], v [bh, S, DV]. A workgroup owns ROWS query rows of one (batch, head)
// problem, one row per invocation; it walks the keys in tiles of BC staged in workgroup memory
// (as ${T}: f16 storage with f32 accumulation for inference when shader-f16 is on), keeping the
// running row max, row sum and output row in registers. No L x S matrix is ever stored.

const D: u32 = ${D}u;
const DV: u32 = ${DV}u;
const BC: u32 = ${BC}u;
const ROWS: u32 = 64u;
// A score no key reaches: padding keys get it so their probability is exactly 0.
const NO_SCORE: f32 = -1.0e30;

struct Params {
  bh: u32, L: u32, S: u32, rowTiles: u32,
  scale: f32, _pad0: u32, _pad1: u32, _pad2: u32,
}

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

var<workgroup> kTile: array<${T}, BC * D>;
var<workgroup> vTile: array<${T}, BC * DV>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * nwg.x;
  if (w >= p.bh * p.rowTiles) { return; }
  let h = w / p.rowTiles;
  let row = (w % p.rowTiles) * ROWS + lid;
  let live = row < p.L;
  let qBase = (h * p.L + min(row, p.L - 1u)) * D;
  // The query row, pre-multiplied by the scale so scores come out scaled.
  var qr: array<f32, D>;
  for (var d = 0u; d < D; d++) { qr[d] = q[qBase + d] * p.scale; }
  var acc: array<f32, DV>;
  for (var c = 0u; c < DV; c++) { acc[c] = 0.0; }
  var rowMax = NO_SCORE;
  var rowSum = 0.0;

  for (var j0 = 0u; j0 < p.S; j0 += BC) {
    workgroupBarrier();
    for (var e = lid; e < BC * D; e += ROWS) {
      let j = j0 + e / D;
      kTile[e] = ${T}(select(0.0, k[(h * p.S + j) * D + e % D], j < p.S));
    }
    for (var e = lid; e < BC * DV; e += ROWS) {
      let j = j0 + e / DV;
      vTile[e] = ${T}(select(0.0, v[(h * p.S + j) * DV + e % DV], j < p.S));
    }
    workgroupBarrier();

    var s: array<f32, BC>;
    var tileMax = rowMax;
    for (var j = 0u; j < BC; j++) {
      var dot = 0.0;
      for (var d = 0u; d < D; d++) { dot = fma(qr[d], f32(kTile[j * D + d]), dot); }
      s[j] = select(NO_SCORE, dot, j0 + j < p.S);
      tileMax = max(tileMax, s[j]);
    }
    // Rescale what earlier tiles summed to the new running max.
    let alpha = exp(rowMax - tileMax);
    rowSum *= alpha;
    for (var c = 0u; c < DV; c++) { acc[c] *= alpha; }
    for (var j = 0u; j < BC; j++) {
      let pj = exp(s[j] - tileMax);
      rowSum += pj;
      for (var c = 0u; c < DV; c++) { acc[c] = fma(pj, f32(vTile[j * DV + c]), acc[c]); }
    }
    rowMax = tileMax;
  }

  if (live) {
    let inv = 1.0 / rowSum;
    let oBase = (h * p.L + row) * DV;
    for (var c = 0u; c < DV; c++) { out[oBase + c] = acc[c] * inv; }
  }
}
