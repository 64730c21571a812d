// f32 → f16 storage for the f16 GEMM path (inference): two values per invocation packed into one
// u32, so no 16-bit stores are needed; the GEMM kernels then read the buffer as array<f16>.

struct ConvertParams {
  n: u32, // f32 values
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<uniform> cp: ConvertParams;

const WG: u32 = 256u;

@compute @workgroup_size(WG)
fn to_f16(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid.x;
  if (2u * i >= cp.n) { return; }
  let hi = select(0.0, src[min(2u * i + 1u, cp.n - 1u)], 2u * i + 1u < cp.n);
  dst[i] = pack2x16float(vec2(src[2u * i], hi));
}
