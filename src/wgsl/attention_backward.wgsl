${ENABLE}
// Fused attention backward (FlashAttention-2), recomputing p = softmax(q k^T * scale) tile by
// tile (attention_common) from q [bh, L, D], k [bh, S, D], v [bh, S, DV], out and dy [bh, L, DV]:
//   MODE ROWS: a workgroup owns ROWS query rows (four per invocation). A first pass over the keys
//     gives each row's log-sum-exp; it is stored with delta = rowsum(dy * out) in `stats`. A second
//     pass accumulates dq = scale * sum_j p (dp - delta) k_j, with dp = dy . v_j.
//   MODE KEYS (after ROWS): a workgroup owns ROWS keys and walks the query rows with their stats:
//     dv = sum_i p dy_i, dk = scale * sum_i p (dp - delta_i) q_i.
${COMMON}

const ROWS_MODE: u32 = 0u;
const KEYS_MODE: u32 = 1u;
override MODE: u32 = 0u;

struct Params {
  bh: u32, L: u32, S: u32, tiles: u32, // tiles: workgroups per (batch, head)
  scale: f32, d: u32, dv: u32, _pad: u32,
}

@group(0) @binding(3) var<storage, read> out: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
// Per query row: (log-sum-exp of its scaled scores, rowsum(dy * out)).
@group(0) @binding(5) var<storage, read_write> stats: array<vec2<f32>>;
// ROWS: dq. KEYS: dk, dv.
@group(0) @binding(6) var<storage, read_write> grad0: array<f32>;
@group(0) @binding(7) var<storage, read_write> grad1: array<f32>;
@group(0) @binding(8) var<uniform> p: Params;

// Rows row0 .. row0 + 3 (clamped to last) of dy, transposed into x.
fn loadDy(x: ptr<function, Cols>, row0: u32, last: u32) {
  let o = rowOffsets(row0, last, DV);
  for (var f = 0u; f < DV; f++) { (*x)[f] = vec4<f32>(dy[o.x + f], dy[o.y + f], dy[o.z + f], dy[o.w + f]); }
}

// rowsum(dy * out) of rows row0 .. row0 + 3 (clamped to last), given their dy transposed.
fn rowDelta(dyT: ptr<function, Cols>, row0: u32, last: u32) -> vec4<f32> {
  let o = rowOffsets(row0, last, DV);
  var delta = vec4<f32>(0.0);
  for (var f = 0u; f < DV; f++) {
    delta = fma((*dyT)[f], vec4<f32>(out[o.x + f], out[o.y + f], out[o.z + f], out[o.w + f]), delta);
  }
  return delta;
}

// Writes the four rows in x (transposed), times mul, to rows row0.. of a [rows, width] gradient,
// skipping rows >= end.
fn storeRows(x: ptr<function, Cols>, row0: u32, end: u32, width: u32, mul: f32, second: bool) {
  for (var r = 0u; r < 4u; r++) {
    if (row0 + r < end) {
      for (var f = 0u; f < width; f++) {
        if (second) { grad1[(row0 + r) * width + f] = (*x)[f][r] * mul; }
        else { grad0[(row0 + r) * width + f] = (*x)[f][r] * mul; }
      }
    }
  }
}

fn rowsMode(h: u32, row0: u32, lid: u32) {
  let first = h * p.L + row0;
  let last = h * p.L + p.L - 1u;
  let keys = h * p.S;
  var x: Cols;
  loadQ(&x, first, last, p.scale);
  var dyT: Cols;
  loadDy(&dyT, first, last);
  let delta = rowDelta(&dyT, first, last);

  var rowMax = vec4<f32>(NO_SCORE);
  var rowSum = vec4<f32>(0.0);
  for (var j0 = 0u; j0 < p.S; j0 += TILE) {
    workgroupBarrier();
    stageK(keys + j0, keys + p.S - 1u, lid);
    workgroupBarrier();
    var s = dotTile(&x, 0u, D);
    softmaxTile(&s, p.S - j0, &rowMax, &rowSum);
  }
  let lse = rowMax + log(rowSum);
  for (var r = 0u; r < 4u; r++) {
    if (row0 + r < p.L) { stats[first + r] = vec2<f32>(lse[r], delta[r]); }
  }

  var dq: Cols;
  for (var j0 = 0u; j0 < p.S; j0 += TILE) {
    workgroupBarrier();
    stageK(keys + j0, keys + p.S - 1u, lid);
    stageV(keys + j0, keys + p.S - 1u, lid);
    workgroupBarrier();
    let s = dotTile(&x, 0u, D);
    let dp = dotTile(&dyT, V_PART, DV);
    var ds: Block;
    for (var j = 0u; j < TILE; j++) {
      let pj = select(vec4<f32>(0.0), exp(s[j] - lse), j0 + j < p.S);
      ds[j] = pj * (dp[j] - delta);
    }
    addTile(&dq, vec4<f32>(1.0), ds, 0u, D);
  }
  storeRows(&dq, first, h * p.L + p.L, D, p.scale, false);
}

fn keysMode(h: u32, key0: u32, lid: u32) {
  let first = h * p.S + key0;
  let last = h * p.S + p.S - 1u;
  let queries = h * p.L;
  let lastQuery = queries + p.L - 1u;
  var x: Cols;
  loadK(&x, first, last, p.scale);
  var vx: Cols;
  loadV(&vx, first, last);
  var dk: Cols;
  var dv: Cols;

  for (var i0 = 0u; i0 < p.L; i0 += TILE) {
    workgroupBarrier();
    for (var e = lid; e < TILE * D; e += GROUP) { tile[e] = ${T}(q[stagedOffset(e, queries + i0, lastQuery, D)]); }
    for (var e = lid; e < TILE * DV; e += GROUP) { tile[V_PART + e] = ${T}(dy[stagedOffset(e, queries + i0, lastQuery, DV)]); }
    workgroupBarrier();
    // The staged queries' statistics; missing ones get a log-sum-exp no score reaches: p = 0.
    var st: array<vec2<f32>, TILE>;
    for (var i = 0u; i < TILE; i++) {
      st[i] = select(vec2<f32>(-NO_SCORE, 0.0), stats[min(queries + i0 + i, lastQuery)], i0 + i < p.L);
    }
    let s = dotTile(&x, 0u, D);
    var pr: Block;
    for (var i = 0u; i < TILE; i++) { pr[i] = exp(s[i] - st[i].x); }
    addTile(&dv, vec4<f32>(1.0), pr, V_PART, DV);
    let dp = dotTile(&vx, V_PART, DV);
    var ds: Block;
    for (var i = 0u; i < TILE; i++) { ds[i] = pr[i] * (dp[i] - st[i].y); }
    addTile(&dk, vec4<f32>(1.0), ds, 0u, D);
  }
  storeRows(&dk, first, h * p.S + p.S, D, p.scale, false);
  storeRows(&dv, first, h * p.S + p.S, DV, 1.0, true);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32${LANE_PARAM}) {
  setSizes(p.d, p.dv);
  setLane(${LANE});
  let w = workgroupTask(wid, nwg, p.bh, p.tiles);
  let h = w / p.tiles;
  let first = (w % p.tiles) * ROWS + 4u * lid;
  if (MODE == ROWS_MODE) { rowsMode(h, first, lid); } else { keysMode(h, first, lid); }
}
