${ENABLE}
// GEMM without workgroup memory or barriers: each invocation computes RM rows × RN4 vec4 columns
// of C straight from storage. For adapters where barriers are costly and workgroup memory buys
// nothing (CPU adapters without the `subgroups` feature; matmul_subgroup.wgsl is better there
// when it has it).
//
// main:      any sizes, scalar loads;
// main_vec4: vec4 loads (K and N multiples of 4, and M too when TRANS_A).
// Shared code (bindings, operand access, plan, epilogue): matmul_common.wgsl.
${GEMM_COMMON}
${EPILOGUE}

override RM: u32 = 4u;   // rows per invocation (a multiple of 4)
override RN4: u32 = 1u;  // vec4 columns per invocation
override WX: u32 = 16u;  // invocations per workgroup along columns
override WY: u32 = 4u;   // and along rows
const MAX_ACC = 16u;     // RM · RN4 at most
const MAX_RM = 8u;
const MAX_RN4 = 2u;

fn columnChunk(wid: vec3<u32>, lid: vec3<u32>, j: u32) -> u32 {
  return (wid.x * RN4 + j) * WX + lid.x;
}

fn firstRow(wid: vec3<u32>, lid: vec3<u32>) -> u32 {
  return (wid.y * WY + lid.y) * RM;
}

@compute @workgroup_size(WX, WY)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let z = gp.zBase + wid.z;
  let r0 = firstRow(wid, lid);
  var cols: array<vec4<u32>, MAX_RN4>;
  for (var j = 0u; j < RN4; j++) { cols[j] = clampedColumns(columnChunk(wid, lid, j)); }
  var acc: array<vec4<f32>, MAX_ACC>;
  let pairs = pairRange(z);
  for (var q = pairs.x; q < pairs.y; q++) {
    let base = pairBases(q);
    for (var k = 0u; k < gp.K; k++) {
      var b: array<vec4<f32>, MAX_RN4>;
      for (var j = 0u; j < RN4; j++) {
        b[j] = loadBColumns(base.y, k, cols[j]);
      }
      for (var i = 0u; i < RM; i++) {
        let a = vec4(loadA(base.x, min(r0 + i, gp.M - 1u), k));
        for (var j = 0u; j < RN4; j++) { acc[i * RN4 + j] = fma(a, b[j], acc[i * RN4 + j]); }
      }
    }
  }
  for (var i = 0u; i < RM; i++) {
    for (var j = 0u; j < RN4; j++) {
      let v = acc[i * RN4 + j];
      let c = 4u * columnChunk(wid, lid, j);
      storeCRun(z, r0 + i, c, v);
    }
  }
}

@compute @workgroup_size(WX, WY)
fn main_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let z = gp.zBase + wid.z;
  let r0 = firstRow(wid, lid);
  var c4: array<u32, MAX_RN4>;
  for (var j = 0u; j < RN4; j++) { c4[j] = min(columnChunk(wid, lid, j), gp.N / 4u - 1u); }
  var acc: array<vec4<f32>, MAX_ACC>;
  let pairs = pairRange(z);
  for (var q = pairs.x; q < pairs.y; q++) {
    let base = pairBases(q);
    for (var k4 = 0u; k4 < gp.K / 4u; k4++) {
      var b: array<mat4x4<f32>, MAX_RN4>;   // b[j][kk]: row 4·k4 + kk of the invocation's columns
      for (var j = 0u; j < RN4; j++) { b[j] = loadB4x4(base.y, k4, c4[j]); }
      if (TRANS_A) {
        for (var kk = 0u; kk < 4u; kk++) {
          for (var quad = 0u; quad < RM / 4u; quad++) {
            let v = loadA4(base.x, min(r0 / 4u + quad, gp.M / 4u - 1u), 4u * k4 + kk); // rows r0 + 4·quad .. +3
            for (var c = 0u; c < 4u; c++) {
              for (var j = 0u; j < RN4; j++) {
                let t = (4u * quad + c) * RN4 + j;
                acc[t] = fma(vec4(v[c]), b[j][kk], acc[t]);
              }
            }
          }
        }
      } else {
        for (var i = 0u; i < RM; i++) {
          let a = loadA4(base.x, min(r0 + i, gp.M - 1u), k4);
          for (var j = 0u; j < RN4; j++) {
            let t = i * RN4 + j;
            acc[t] = fma(vec4(a.w), b[j][3], fma(vec4(a.z), b[j][2], fma(vec4(a.y), b[j][1], fma(vec4(a.x), b[j][0], acc[t]))));
          }
        }
      }
    }
  }
  for (var i = 0u; i < RM; i++) {
    for (var j = 0u; j < RN4; j++) { storeC4(z, r0 + i, columnChunk(wid, lid, j), acc[i * RN4 + j]); }
  }
}
