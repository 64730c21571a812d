// Shared by attention.wgsl and attention_backward.wgsl, which include this text through the
// COMMON define (so WGSL error line numbers there count these lines too). Both bind q, k, v
// ([rows, D], [rows, D], [rows, DV]) at bindings 0, 1, 2, and set D and DV first thing.
//
// Each invocation owns four rows (queries, or keys). A vec4 holds one value of each of them, so
// its rows are kept transposed, one vec4 per feature (Cols: [feature] -> the four rows). The rows
// they meet are staged TILE at a time in workgroup memory, feature-major: `tile` holds a D part
// (keys, or queries) at offset 0 and a DV part (values, or output gradients) at offset TILE * D,
// as ${T} (f16 storage with f32 accumulation for inference when shader-f16 is on). The loops over
// the TILE staged rows have a constant count and unroll, so their per-row values (Block) live in
// registers: every value read from the tile then feeds one vec4 FMA (four rows). A software
// rasteriser (lavapipe) performs each such read lane by lane; with subgroups, lanes read distinct
// values and pass them around by shuffles instead, which is 2.5-4x faster there.
//
// D and DV are run-time values: loops over features are not unrolled (lavapipe would take minutes
// to build a pipeline) and one pipeline serves every size up to COLS, the private row length. Its
// compile time grows fast with COLS, so the host picks the smallest of a few classes. Private
// arrays start zeroed (WGSL), which the accumulators rely on.

const COLS: u32 = ${COLS}u; // D, DV <= COLS
const TILE: u32 = 16u; // rows per staged tile
const GROUP: u32 = 64u; // invocations per workgroup
const ROWS: u32 = 256u; // rows per workgroup: four per invocation
// A score no key reaches: padding keys get it so their probability is exactly 0.
const NO_SCORE: f32 = -1.0e30;

alias Cols = array<vec4<f32>, COLS>;
alias Block = array<vec4<f32>, TILE>;

var<private> D: u32;
var<private> DV: u32;
var<private> V_PART: u32; // offset of the DV part of the tile: TILE * D

fn setSizes(d: u32, dv: u32) {
  D = d;
  DV = dv;
  V_PART = TILE * d;
}

// The flat index of this workgroup's task among problems * tiles (tiles per (batch, head)
// problem). Workgroups past the last (grid1d rounds up) redo the last one rather than return
// early, which would make a software rasteriser run the rest lane by lane.
fn workgroupTask(wid: vec3<u32>, nwg: vec3<u32>, problems: u32, tiles: u32) -> u32 {
  return min(wid.x + wid.y * nwg.x, problems * tiles - 1u);
}

var<workgroup> tile: array<${T}, TILE * 2u * COLS>;

// How each lane reads the TILE values of one staged feature, tile[t .. t + TILE): `setLane` and
// `tileRow`, from attention_tile_shuffle.wgsl (subgroups: a few loads, then register shuffles)
// or attention_tile_plain.wgsl (every lane reads every value).
${TILE_ROW}

// s[j] = sum over f < n of x[f] * tile[part + f * TILE + j]: the four rows against each staged row.
fn dotTile(x: ptr<function, Cols>, part: u32, n: u32) -> Block {
  var s: Block;
  for (var f = 0u; f < n; f++) {
    let a = (*x)[f];
    let t = tileRow(part + f * TILE);
    for (var j = 0u; j < TILE; j++) { s[j] = fma(a, vec4<f32>(t[j]), s[j]); }
  }
  return s;
}

// acc[f] = keep * acc[f] + sum over j of w[j] * tile[part + f * TILE + j], for f < n.
fn addTile(acc: ptr<function, Cols>, keep: vec4<f32>, w: Block, part: u32, n: u32) {
  for (var f = 0u; f < n; f++) {
    let t = tileRow(part + f * TILE);
    var a0 = (*acc)[f] * keep;
    var a1 = vec4<f32>(0.0);
    for (var j = 0u; j < TILE; j += 2u) {
      a0 = fma(w[j], vec4<f32>(t[j]), a0);
      a1 = fma(w[j + 1u], vec4<f32>(t[j + 1u]), a1);
    }
    (*acc)[f] = a0 + a1;
  }
}

// Online softmax over one tile of scores s (valid: which staged keys exist): s becomes
// exp(score - new row max) (0 for missing keys), rowMax and rowSum are updated, and the factor
// earlier tiles' sums must be rescaled by is returned.
fn softmaxTile(s: ptr<function, Block>, valid: u32, rowMax: ptr<function, vec4<f32>>,
               rowSum: ptr<function, vec4<f32>>) -> vec4<f32> {
  var tileMax = *rowMax;
  for (var j = 0u; j < TILE; j++) {
    (*s)[j] = select(vec4<f32>(NO_SCORE), (*s)[j], j < valid);
    tileMax = max(tileMax, (*s)[j]);
  }
  let alpha = exp(*rowMax - tileMax);
  var sum = vec4<f32>(0.0);
  for (var j = 0u; j < TILE; j++) {
    (*s)[j] = exp((*s)[j] - tileMax);
    sum += (*s)[j];
  }
  *rowMax = tileMax;
  *rowSum = *rowSum * alpha + sum;
  return alpha;
}

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;

// WGSL cannot pass a storage buffer to a function, so each buffer has its own small loaders,
// built on these offsets.

// Offsets of rows row0 .. row0 + 3 (clamped to last) of a [rows, width] tensor.
fn rowOffsets(row0: u32, last: u32, width: u32) -> vec4<u32> {
  return min(vec4<u32>(row0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(last)) * width;
}

// Offset of element e of a feature-major tile of rows j0 .. j0 + TILE - 1 (clamped to last).
fn stagedOffset(e: u32, j0: u32, last: u32, width: u32) -> u32 {
  return min(j0 + e % TILE, last) * width + e / TILE;
}

// The four rows row0 .. (clamped to last) of q, k or v, transposed into x, times mul.
fn loadQ(x: ptr<function, Cols>, row0: u32, last: u32, mul: f32) {
  let o = rowOffsets(row0, last, D);
  for (var f = 0u; f < D; f++) { (*x)[f] = mul * vec4<f32>(q[o.x + f], q[o.y + f], q[o.z + f], q[o.w + f]); }
}
fn loadK(x: ptr<function, Cols>, row0: u32, last: u32, mul: f32) {
  let o = rowOffsets(row0, last, D);
  for (var f = 0u; f < D; f++) { (*x)[f] = mul * vec4<f32>(k[o.x + f], k[o.y + f], k[o.z + f], k[o.w + f]); }
}
fn loadV(x: ptr<function, Cols>, row0: u32, last: u32) {
  let o = rowOffsets(row0, last, DV);
  for (var f = 0u; f < DV; f++) { (*x)[f] = vec4<f32>(v[o.x + f], v[o.y + f], v[o.z + f], v[o.w + f]); }
}

// Stage rows j0 .. j0 + TILE - 1 (clamped to last) of k into the D part of the tile, or of v into
// the DV part (invocation lid of GROUP).
fn stageK(j0: u32, last: u32, lid: u32) {
  for (var e = lid; e < TILE * D; e += GROUP) { tile[e] = ${T}(k[stagedOffset(e, j0, last, D)]); }
}
fn stageV(j0: u32, last: u32, lid: u32) {
  for (var e = lid; e < TILE * DV; e += GROUP) { tile[V_PART + e] = ${T}(v[stagedOffset(e, j0, last, DV)]); }
}
