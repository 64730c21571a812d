${ENABLE}
// Tiled GEMM for GPUs: a TM x TN tile of C per workgroup, staged through workgroup memory TK deep,
// each invocation an RM x RN block (RM, RN: 4 or 8) read from the tiles as vec4. Invocation
// (tx, ty) owns rows 4·(i4·WY + ty) + 0..3 and columns 4·(j4·WX + tx) + 0..3, so neighbours read
// neighbouring words. Tile sizes and the workgroup shape are override constants, tuned per adapter.
//
// main:      any sizes, scalar global loads;
// main_vec4: vec4 global loads (K and N multiples of 4, and M too when TRANS_A).
// Shared code (bindings, operand access, plan, epilogue): matmul_common.wgsl.
${GEMM_COMMON}
${EPILOGUE}

override TM: u32 = 64u;
override TN: u32 = 64u;
override TK: u32 = 16u;
override RM: u32 = 4u;
override RN: u32 = 4u;
override WX: u32 = TN / RN; // derived: not set by the host
override WY: u32 = TM / RM;
override THREADS: u32 = WX * WY;
const MAX_ACC = 16u; // (RM / 4) · 4 · (RN / 4) vec4 accumulators

// Tiles k-major: tileA[kk][m], tileB[kk][n], as vec4 along m / n.
var<workgroup> tileA: array<vec4<f32>, TK * TM / 4u>;
var<workgroup> tileB: array<vec4<f32>, TK * TN / 4u>;

fn putA(kk: u32, m: u32, v: f32) { tileA[(kk * TM + m) / 4u][m % 4u] = v; }
fn putB(kk: u32, n: u32, v: f32) { tileB[(kk * TN + n) / 4u][n % 4u] = v; }

/** Stages the tiles at (row0, col0, k0) with scalar loads, zero outside the matrices; reads follow memory order. */
fn stage(tid: u32, base: vec2<u32>, row0: u32, col0: u32, k0: u32) {
  for (var e = tid; e < TK * TM; e += THREADS) {
    var kk: u32; var m: u32;
    if (TRANS_A) { kk = e / TM; m = e % TM; } else { m = e / TK; kk = e % TK; }
    var v = 0.0;
    if (row0 + m < gp.M && k0 + kk < gp.K) { v = loadA(base.x, row0 + m, k0 + kk); }
    putA(kk, m, v);
  }
  for (var e = tid; e < TK * TN; e += THREADS) {
    var kk: u32; var n: u32;
    if (TRANS_B) { n = e / TK; kk = e % TK; } else { kk = e / TN; n = e % TN; }
    var v = 0.0;
    if (col0 + n < gp.N && k0 + kk < gp.K) { v = loadB(base.y, k0 + kk, col0 + n); }
    putB(kk, n, v);
  }
}

/** The same with vec4 loads (whole vec4s are in or out of the matrices when aligned). */
fn stage4(tid: u32, base: vec2<u32>, row0: u32, col0: u32, k0: u32) {
  for (var e = tid; e < TK * TM / 4u; e += THREADS) {
    if (TRANS_A) { // 4 rows at one k
      let kk = e / (TM / 4u); let m = 4u * (e % (TM / 4u));
      var v = vec4(0.0);
      if (row0 + m < gp.M && k0 + kk < gp.K) { v = loadA4(base.x, (row0 + m) / 4u, k0 + kk); }
      tileA[(kk * TM + m) / 4u] = v;
    } else { // 4 k of one row
      let m = e / (TK / 4u); let kk = 4u * (e % (TK / 4u));
      var v = vec4(0.0);
      if (row0 + m < gp.M && k0 + kk < gp.K) { v = loadA4(base.x, row0 + m, (k0 + kk) / 4u); }
      putA(kk, m, v.x); putA(kk + 1u, m, v.y); putA(kk + 2u, m, v.z); putA(kk + 3u, m, v.w);
    }
  }
  for (var e = tid; e < TK * TN / 4u; e += THREADS) {
    if (TRANS_B) { // 4 k of one column
      let n = e / (TK / 4u); let kk = 4u * (e % (TK / 4u));
      var v = vec4(0.0);
      if (col0 + n < gp.N && k0 + kk < gp.K) { v = loadB4(base.y, (k0 + kk) / 4u, col0 + n); }
      putB(kk, n, v.x); putB(kk + 1u, n, v.y); putB(kk + 2u, n, v.z); putB(kk + 3u, n, v.w);
    } else { // 4 columns at one k
      let kk = e / (TN / 4u); let n = 4u * (e % (TN / 4u));
      var v = vec4(0.0);
      if (col0 + n < gp.N && k0 + kk < gp.K) { v = loadB4(base.y, k0 + kk, (col0 + n) / 4u); }
      tileB[(kk * TN + n) / 4u] = v;
    }
  }
}

/** acc += this invocation's block of tileA · tileB, k in order. */
fn multiplyTiles(lid: vec3<u32>, acc: ptr<function, array<vec4<f32>, MAX_ACC>>) {
  for (var kk = 0u; kk < TK; kk++) {
    var a: array<vec4<f32>, 2>;
    var b: array<vec4<f32>, 2>;
    for (var i4 = 0u; i4 < RM / 4u; i4++) { a[i4] = tileA[kk * TM / 4u + i4 * WY + lid.y]; }
    for (var j4 = 0u; j4 < RN / 4u; j4++) { b[j4] = tileB[kk * TN / 4u + j4 * WX + lid.x]; }
    for (var i = 0u; i < RM; i++) {
      let av = vec4(a[i / 4u][i % 4u]);
      for (var j4 = 0u; j4 < RN / 4u; j4++) {
        let t = i * (RN / 4u) + j4;
        (*acc)[t] = fma(av, b[j4], (*acc)[t]);
      }
    }
  }
}

fn blockRow(wid: vec3<u32>, lid: vec3<u32>, i: u32) -> u32 {
  return wid.y * TM + 4u * ((i / 4u) * WY + lid.y) + i % 4u;
}

fn blockChunk(wid: vec3<u32>, lid: vec3<u32>, j4: u32) -> u32 {
  return wid.x * (TN / 4u) + j4 * WX + lid.x;
}

@compute @workgroup_size(WX, WY)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
  let z = gp.zBase + wid.z;
  var acc: array<vec4<f32>, MAX_ACC>;
  let pairs = pairRange(z);
  for (var q = pairs.x; q < pairs.y; q++) {
    let base = pairBases(q);
    for (var k0 = 0u; k0 < gp.K; k0 += TK) {
      stage(tid, base, wid.y * TM, wid.x * TN, k0);
      workgroupBarrier();
      multiplyTiles(lid, &acc);
      workgroupBarrier();
    }
  }
  for (var i = 0u; i < RM; i++) {
    for (var j4 = 0u; j4 < RN / 4u; j4++) {
      let v = acc[i * (RN / 4u) + j4];
      let row = blockRow(wid, lid, i);
      let c = 4u * blockChunk(wid, lid, j4);
      storeCRun(z, row, c, v);
    }
  }
}

@compute @workgroup_size(WX, WY)
fn main_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
             @builtin(local_invocation_index) tid: u32) {
  let z = gp.zBase + wid.z;
  var acc: array<vec4<f32>, MAX_ACC>;
  let pairs = pairRange(z);
  for (var q = pairs.x; q < pairs.y; q++) {
    let base = pairBases(q);
    for (var k0 = 0u; k0 < gp.K; k0 += TK) {
      stage4(tid, base, wid.y * TM, wid.x * TN, k0);
      workgroupBarrier();
      multiplyTiles(lid, &acc);
      workgroupBarrier();
    }
  }
  for (var i = 0u; i < RM; i++) {
    for (var j4 = 0u; j4 < RN / 4u; j4++) { storeC4(z, blockRow(wid, lid, i), blockChunk(wid, lid, j4), acc[i * (RN / 4u) + j4]); }
  }
}
