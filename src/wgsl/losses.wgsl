// Scalar losses: the row-softmax cross-entropy shared by cross_entropy and nt_xent (ce_rows,
// ce_grad), the final mean (sum_scale), bce_with_logits and dice_loss. Each entry point has its
// own bindings; sums run in fixed 256-thread trees, so results do not depend on timing.

const LOWEST: f32 = -0x1.fffffep+127f; // not -inf: compilers may assume no infinities

// workgroupSum, workgroupMax and WG (256 here) from workgroup_reduce.wgsl
${WORKGROUP_REDUCE}

fn sigmoid(v: f32) -> f32 { return 1.0 / (1.0 + exp(-v)); }

// ---- row-softmax cross-entropy of scale·x[rows, cols] against target[row] (a class index as
// f32; outside [0, cols) gives NaN), with column `row` masked out when maskDiag = 1.
// nanBits carries the NaN pattern: WGSL cannot spell a NaN constant.
struct CeParams {
  rows: u32, cols: u32, scale: f32, maskDiag: u32,
  weight: f32, nanBits: u32, _b: u32, _c: u32,
}

// the integer part of t must be a class, as .long() reads it
fn validClass(t: f32, cols: u32) -> bool { return t > -1.0 && t < f32(cols); }

// ce_rows: x, target -> lse[rows], loss[rows] (one workgroup per row)
@group(0) @binding(0) var<storage, read> rx: array<f32>;
@group(0) @binding(1) var<storage, read> rt: array<f32>;
@group(0) @binding(2) var<storage, read_write> rlse: array<f32>;
@group(0) @binding(3) var<storage, read_write> rloss: array<f32>;
@group(0) @binding(4) var<uniform> rp: CeParams;

@compute @workgroup_size(WG)
fn ce_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= rp.rows) { return; }
  let base = row * rp.cols;
  let skip = select(0xffffffffu, row, rp.maskDiag == 1u);
  var m = LOWEST;
  for (var j = lid; j < rp.cols; j += WG) {
    if (j != skip) { m = max(m, rp.scale * rx[base + j]); }
  }
  m = workgroupMax(m, lid);
  var s = 0.0;
  for (var j = lid; j < rp.cols; j += WG) {
    if (j != skip) { s += exp(rp.scale * rx[base + j] - m); }
  }
  s = workgroupSum(s, lid);
  if (lid == 0u) {
    let lse = m + log(s);
    rlse[row] = lse;
    let t = rt[row];
    rloss[row] = select(bitcast<f32>(rp.nanBits), lse - rp.scale * rx[base + min(u32(max(t, 0.0)), rp.cols - 1u)], validClass(t, rp.cols));
  }
}

// ce_grad: x, target, lse, dloss -> dx = dloss·weight·scale·(softmax − onehot) (one thread per element)
@group(0) @binding(0) var<storage, read> gx: array<f32>;
@group(0) @binding(1) var<storage, read> gt: array<f32>;
@group(0) @binding(2) var<storage, read> glse: array<f32>;
@group(0) @binding(3) var<storage, read> gdl: array<f32>;
@group(0) @binding(4) var<storage, read_write> gdx: array<f32>;
@group(0) @binding(5) var<uniform> gp: CeParams;

@compute @workgroup_size(WG)
fn ce_grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = (wid.x + wid.y * nwg.x) * WG + lid;
  if (e >= gp.rows * gp.cols) { return; }
  let i = e / gp.cols;
  let j = e % gp.cols;
  let masked = gp.maskDiag == 1u && i == j;
  let p = select(exp(gp.scale * gx[e] - glse[i]), 0.0, masked);
  let t = gt[i];
  let onehot = select(0.0, 1.0, u32(max(t, 0.0)) == j);
  gdx[e] = select(bitcast<f32>(gp.nanBits), gdl[0] * gp.weight * gp.scale * (p - onehot), validClass(t, gp.cols));
}

// ---- sum_scale: out[0] = scale · Σ values[0..count) (one workgroup)
struct SumParams { count: u32, scale: f32, _a: u32, _b: u32 }

@group(0) @binding(0) var<storage, read> sv: array<f32>;
@group(0) @binding(1) var<storage, read_write> sout: array<f32>;
@group(0) @binding(2) var<uniform> sp: SumParams;

@compute @workgroup_size(WG)
fn sum_scale(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var j = lid; j < sp.count; j += WG) { acc += sv[j]; }
  acc = workgroupSum(acc, lid);
  if (lid == 0u) { sout[0] = sp.scale * acc; }
}

// ---- bce_with_logits; hasWeight = 0: no per-element weight (its binding then holds x, unread)
struct ChunkParams {
  n: u32, chunk: u32, chunks: u32, samples: u32,
  smoothing: f32, weight: f32, hasWeight: u32, _b: u32,
}

fn elementWeight(w: f32, has: u32) -> f32 { return select(1.0, w, has == 1u); }

// bce_partials: x, y, w -> partial[c] = Σ over chunk c of w·(max(x, 0) − x·y + log(1 + e^−|x|))
@group(0) @binding(0) var<storage, read> bx: array<f32>;
@group(0) @binding(1) var<storage, read> by: array<f32>;
@group(0) @binding(2) var<storage, read> bw: array<f32>;
@group(0) @binding(3) var<storage, read_write> bpart: array<f32>;
@group(0) @binding(4) var<uniform> bp: ChunkParams;

@compute @workgroup_size(WG)
fn bce_partials(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * nwg.x;
  if (w >= bp.chunks) { return; }
  let end = min(bp.n, (w + 1u) * bp.chunk);
  var acc = 0.0;
  for (var i = w * bp.chunk + lid; i < end; i += WG) {
    let x = bx[i];
    acc += elementWeight(bw[i], bp.hasWeight) * (max(x, 0.0) - x * by[i] + log(1.0 + exp(-abs(x))));
  }
  acc = workgroupSum(acc, lid);
  if (lid == 0u) { bpart[w] = acc; }
}

// bce_grad: x, y, dloss, w -> dx = dloss·weight·w·(σ(x) − y)
@group(0) @binding(0) var<storage, read> qx: array<f32>;
@group(0) @binding(1) var<storage, read> qy: array<f32>;
@group(0) @binding(2) var<storage, read> qw: array<f32>;
@group(0) @binding(3) var<storage, read> qdl: array<f32>;
@group(0) @binding(4) var<storage, read_write> qdx: array<f32>;
@group(0) @binding(5) var<uniform> qp: ChunkParams;

@compute @workgroup_size(WG)
fn bce_grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= qp.n) { return; }
  qdx[i] = qdl[0] * qp.weight * elementWeight(qw[i], qp.hasWeight) * (sigmoid(qx[i]) - qy[i]);
}

// ---- dice_loss: per sample I = Σσ(x)·y, S = Σσ(x), Y = Σy over n (per-sample size) elements

// dice_partials: x, y -> partial[3w + q] for chunk w = sample·chunks + k
@group(0) @binding(0) var<storage, read> dx_: array<f32>;
@group(0) @binding(1) var<storage, read> dy_: array<f32>;
@group(0) @binding(2) var<storage, read_write> dpart: array<f32>;
@group(0) @binding(3) var<uniform> dp: ChunkParams;

@compute @workgroup_size(WG)
fn dice_partials(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * nwg.x;
  if (w >= dp.chunks * dp.samples) { return; }
  let base = (w / dp.chunks) * dp.n;
  let k = w % dp.chunks;
  let end = base + min(dp.n, (k + 1u) * dp.chunk);
  var inter = 0.0;
  var sig = 0.0;
  var tgt = 0.0;
  for (var i = base + k * dp.chunk + lid; i < end; i += WG) {
    let s = sigmoid(dx_[i]);
    inter += s * dy_[i];
    sig += s;
    tgt += dy_[i];
  }
  inter = workgroupSum(inter, lid);
  sig = workgroupSum(sig, lid);
  tgt = workgroupSum(tgt, lid);
  if (lid == 0u) {
    dpart[3u * w] = inter;
    dpart[3u * w + 1u] = sig;
    dpart[3u * w + 2u] = tgt;
  }
}

// dice_rows: partials -> stats[3·sample + q] (I, S, Y) and loss[sample] (one thread per sample)
@group(0) @binding(0) var<storage, read> rpart: array<f32>;
@group(0) @binding(1) var<storage, read_write> rstats: array<f32>;
@group(0) @binding(2) var<storage, read_write> rdl: array<f32>;
@group(0) @binding(3) var<uniform> rdp: ChunkParams;

@compute @workgroup_size(64)
fn dice_rows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = gid.x;
  if (b >= rdp.samples) { return; }
  var sums = vec3<f32>(0.0);
  for (var k = 0u; k < rdp.chunks; k++) {
    let w = b * rdp.chunks + k;
    sums += vec3<f32>(rpart[3u * w], rpart[3u * w + 1u], rpart[3u * w + 2u]);
  }
  rstats[3u * b] = sums.x;
  rstats[3u * b + 1u] = sums.y;
  rstats[3u * b + 2u] = sums.z;
  rdl[b] = 1.0 - (2.0 * sums.x + rdp.smoothing) / (sums.y + sums.z + rdp.smoothing);
}

// dice_grad: x, y, stats, dloss -> dx = dloss·weight·(A − 2y·B)/B²·σ(1 − σ), A = 2I + smooth, B = S + Y + smooth
@group(0) @binding(0) var<storage, read> ex: array<f32>;
@group(0) @binding(1) var<storage, read> ey: array<f32>;
@group(0) @binding(2) var<storage, read> estats: array<f32>;
@group(0) @binding(3) var<storage, read> edl: array<f32>;
@group(0) @binding(4) var<storage, read_write> edx: array<f32>;
@group(0) @binding(5) var<uniform> ep: ChunkParams;

@compute @workgroup_size(WG)
fn dice_grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= ep.n * ep.samples) { return; }
  let b = i / ep.n;
  let A = 2.0 * estats[3u * b] + ep.smoothing;
  let B = estats[3u * b + 1u] + estats[3u * b + 2u] + ep.smoothing;
  let s = sigmoid(ex[i]);
  edx[i] = edl[0] * ep.weight * (A - 2.0 * ey[i] * B) / (B * B) * s * (1.0 - s);
}
