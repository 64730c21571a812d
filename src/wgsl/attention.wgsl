${ENABLE}
// Fused attention forward (FlashAttention-2): out = softmax(q k^T * scale) v with q [bh, L, D],
// k [bh, S, D], v [bh, S, DV]. A workgroup owns ROWS query rows of one (batch, head) problem, four
// per invocation, and walks the keys in tiles staged in workgroup memory (attention_common),
// keeping the running row max, row sum and output rows in registers: no L x S matrix is stored.
${COMMON}

struct Params {
  bh: u32, L: u32, S: u32, rowTiles: u32,
  scale: f32, d4: u32, dv4: u32, _pad: u32,
}

@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // Workgroups past the last (grid1d rounds up) redo the last one rather than return early,
  // which would make a software rasteriser run the rest lane by lane.
  let w = min(wid.x + wid.y * nwg.x, p.bh * p.rowTiles - 1u);
  let h = w / p.rowTiles;
  let row0 = (w % p.rowTiles) * ROWS + 4u * lid;
  let nD4 = p.d4;
  let nDV4 = p.dv4;
  // The query rows, pre-multiplied by the scale so scores come out scaled.
  var x: Rows4D;
  var acc: Rows4V;
  for (var r = 0u; r < 4u; r++) {
    let row = h * p.L + min(row0 + r, p.L - 1u);
    for (var c = 0u; c < nD4; c++) { x[r][c] = q4(row, c) * p.scale; }
    for (var c = 0u; c < nDV4; c++) { acc[r][c] = vec4<f32>(0.0); }
  }
  var rowMax = vec4<f32>(NO_SCORE);
  var rowSum = vec4<f32>(0.0);
  var s: TileValues;

  for (var j0 = 0u; j0 < p.S; j0 += BC) {
    workgroupBarrier();
    for (var e = lid; e < BC * D4; e += GROUP) {
      // Padding keys repeat the last one (softmaxTile gives them probability 0).
      tileD[e] = vec4<${T}>(k4(h * p.S + min(j0 + e / D4, p.S - 1u), e % D4));
    }
    for (var e = lid; e < BC * DV4; e += GROUP) {
      tileV[e] = vec4<${T}>(v4(h * p.S + min(j0 + e / DV4, p.S - 1u), e % DV4));
    }
    workgroupBarrier();
    let alpha = softmaxTile(&x, j0, p.S, nD4, &s, &rowMax, &rowSum);
    for (var c = 0u; c < nDV4; c++) {
      acc[0][c] *= alpha.x;
      acc[1][c] *= alpha.y;
      acc[2][c] *= alpha.z;
      acc[3][c] *= alpha.w;
    }
    for (var j = 0u; j < BC; j++) { addV(&acc, s[j], j, nDV4); }
  }

  let inv = 1.0 / rowSum;
  for (var r = 0u; r < 4u; r++) {
    if (row0 + r < p.L) {
      let o = (h * p.L + row0 + r) * DV;
      for (var c = 0u; c < DV; c++) { out[o + c] = acc[r][c / 4u][c % 4u] * inv[r]; }
    }
  }
}
