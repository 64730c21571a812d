${ENABLE}
// Fused attention forward (FlashAttention-2): out = softmax(q k^T * scale) v with q [bh, L, D],
// k [bh, S, D], v [bh, S, DV]. A workgroup owns ROWS query rows of one (batch, head) problem, four
// per invocation, and walks the keys in tiles staged in workgroup memory (attention_common),
// keeping the running row max, row sum and output rows in registers: no L x S matrix is stored.
${COMMON}

struct Params {
  bh: u32, L: u32, S: u32, rowTiles: u32,
  scale: f32, d: u32, dv: u32, _pad: u32,
}

@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32${LANE_PARAM}) {
  setSizes(p.d, p.dv);
  setLane(${LANE});
  let w = workgroupTask(wid, nwg, p.bh, p.rowTiles);
  let h = w / p.rowTiles;
  let row0 = (w % p.rowTiles) * ROWS + 4u * lid;
  // The query rows, pre-multiplied by the scale so scores come out scaled, and the output rows.
  var x: Cols;
  loadQ(&x, h * p.L + row0, h * p.L + p.L - 1u, p.scale);
  var acc: Cols;
  var rowMax = vec4<f32>(NO_SCORE);
  var rowSum = vec4<f32>(0.0);

  for (var j0 = 0u; j0 < p.S; j0 += TILE) {
    workgroupBarrier();
    stageK(h * p.S + j0, h * p.S + p.S - 1u, lid);
    stageV(h * p.S + j0, h * p.S + p.S - 1u, lid);
    workgroupBarrier();
    var s = dotTile(&x, 0u, D);
    let alpha = softmaxTile(&s, p.S - j0, &rowMax, &rowSum);
    addTile(&acc, alpha, s, V_PART, DV);
  }

  let inv = 1.0 / rowSum;
  for (var r = 0u; r < 4u; r++) {
    if (row0 + r < p.L) {
      let o = (h * p.L + row0 + r) * DV;
      for (var c = 0u; c < DV; c++) { out[o + c] = acc[c][r] * inv[r]; }
    }
  }
}
