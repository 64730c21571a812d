${ENABLE}
// GEMM without workgroup memory or barriers, sharing A through subgroup shuffles (adapters with
// the `subgroups` feature). Made for CPU adapters such as lavapipe, where invocations are SIMD
// lanes and every lane-varying load from memory is scalarised lane by lane: here each lane loads
// one value of an RS-row block of A per k and receives the other RS − 1 rows by shuffles (a
// register broadcast), then multiplies them with its own RN4 vec4 columns of B. All lanes of a
// workgroup share its rows; lanes differ by columns. RS must not exceed the subgroup size, and
// the workgroup size must be a multiple of it (gemm.ts checks both against the adapter).
//
// main:      any sizes, scalar loads;
// main_vec4: vec4 loads (K and N multiples of 4, and M too when TRANS_A).
// Shared code (bindings, operand access, plan, epilogue): matmul_common.wgsl.
diagnostic(off, subgroup_uniformity); // the pair loop bounds come from storage but are workgroup-uniform
${GEMM_COMMON}
${EPILOGUE}

override RS: u32 = 8u;   // rows per shuffle group
override RG: u32 = 2u;   // shuffle groups per invocation: RS · RG rows per workgroup
override RN4: u32 = 1u;  // vec4 columns per invocation
override WX: u32 = 32u;  // invocations per workgroup
const MAX_ACC = 32u;     // RS · RG · RN4 accumulators at most
const MAX_RG = 4u;
const MAX_RN4 = 2u;

/** The c4-th vec4 column of invocation `lid` (interleaved so neighbouring lanes read neighbouring columns). */
fn columnChunk(wid: vec3<u32>, lid: u32, j: u32) -> u32 {
  return (wid.x * RN4 + j) * WX + lid;
}

@compute @workgroup_size(WX)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(subgroup_invocation_id) lane: u32) {
  let z = gp.zBase + wid.z;
  let r0 = wid.y * RS * RG;
  let own = lane % RS;
  var rows: array<u32, MAX_RG>;   // the row this lane loads, per group (clamped)
  for (var g = 0u; g < RG; g++) { rows[g] = min(r0 + g * RS + own, gp.M - 1u); }
  var cols: array<vec4<u32>, MAX_RN4>;   // this lane's columns (clamped)
  for (var j = 0u; j < RN4; j++) { cols[j] = clampedColumns(columnChunk(wid, lid.x, j)); }
  var acc: array<vec4<f32>, MAX_ACC>;
  let pairs = pairRange(z);
  for (var q = pairs.x; q < pairs.y; q++) {
    let base = pairBases(q);
    for (var k = 0u; k < gp.K; k++) {
      var b: array<vec4<f32>, MAX_RN4>;
      for (var j = 0u; j < RN4; j++) {
        b[j] = loadBColumns(base.y, k, cols[j]);
      }
      for (var g = 0u; g < RG; g++) {
        let av = loadA(base.x, rows[g], k);
        for (var i = 0u; i < RS; i++) {
          let a = vec4(subgroupShuffle(av, i));
          for (var j = 0u; j < RN4; j++) {
            let t = (g * RS + i) * RN4 + j;
            acc[t] = fma(a, b[j], acc[t]);
          }
        }
      }
    }
  }
  for (var g = 0u; g < RG; g++) {
    for (var i = 0u; i < RS; i++) {
      for (var j = 0u; j < RN4; j++) {
        let v = acc[(g * RS + i) * RN4 + j];
        let row = r0 + g * RS + i;
        let c = 4u * columnChunk(wid, lid.x, j);
        storeCRun(z, row, c, v);
      }
    }
  }
}

@compute @workgroup_size(WX)
fn main_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
             @builtin(subgroup_invocation_id) lane: u32) {
  let z = gp.zBase + wid.z;
  let r0 = wid.y * RS * RG;
  let own = lane % RS;
  // What this lane loads of each RS x 4 block of opA: row `own` (4 k) when A is [M, K]; when A is
  // stored [K, M], rows 4·(own / 4) .. +3 at k offset own % 4.
  var at: array<u32, MAX_RG>;
  for (var g = 0u; g < RG; g++) {
    if (TRANS_A) { at[g] = min((r0 + g * RS) / 4u + own / 4u, gp.M / 4u - 1u); }
    else { at[g] = min(r0 + g * RS + own, gp.M - 1u); }
  }
  var c4: array<u32, MAX_RN4>;
  for (var j = 0u; j < RN4; j++) { c4[j] = min(columnChunk(wid, lid.x, j), gp.N / 4u - 1u); }
  var acc: array<vec4<f32>, MAX_ACC>;
  let pairs = pairRange(z);
  for (var q = pairs.x; q < pairs.y; q++) {
    let base = pairBases(q);
    for (var k4 = 0u; k4 < gp.K / 4u; k4++) {
      var b: array<mat4x4<f32>, MAX_RN4>;   // b[j][kk]: row 4·k4 + kk of the lane's columns
      for (var j = 0u; j < RN4; j++) { b[j] = loadB4x4(base.y, k4, c4[j]); }
      for (var g = 0u; g < RG; g++) {
        if (TRANS_A) {
          let av = loadA4(base.x, at[g], 4u * k4 + own % 4u);
          for (var kk = 0u; kk < 4u; kk++) {
            for (var quad = 0u; quad < RS / 4u; quad++) {
              let v = subgroupShuffle(av, 4u * quad + kk); // rows 4·quad .. +3 at k 4·k4 + kk
              for (var c = 0u; c < 4u; c++) {
                for (var j = 0u; j < RN4; j++) {
                  let t = (g * RS + 4u * quad + c) * RN4 + j;
                  acc[t] = fma(vec4(v[c]), b[j][kk], acc[t]);
                }
              }
            }
          }
        } else {
          let av = loadA4(base.x, at[g], k4);
          for (var i = 0u; i < RS; i++) {
            let a = subgroupShuffle(av, i); // row i, k 4·k4 .. +3
            for (var j = 0u; j < RN4; j++) {
              let t = (g * RS + i) * RN4 + j;
              acc[t] = fma(vec4(a.w), b[j][3], fma(vec4(a.z), b[j][2], fma(vec4(a.y), b[j][1], fma(vec4(a.x), b[j][0], acc[t]))));
            }
          }
        }
      }
    }
  }
  for (var g = 0u; g < RG; g++) {
    for (var i = 0u; i < RS; i++) {
      for (var j = 0u; j < RN4; j++) {
        storeC4(z, r0 + g * RS + i, columnChunk(wid, lid.x, j), acc[(g * RS + i) * RN4 + j]);
      }
    }
  }
}
