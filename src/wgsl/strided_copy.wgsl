// The strided copy behind every layout op (src/ts/ops/strided.ts): for each index i of `shape`,
// dst[dstOffset + Σ i_d·dstStrides_d] = src[srcOffset + Σ i_d·srcStrides_d].
// geom: rank words of shape, then rank of src strides, then rank of dst strides.

struct Params { total: u32, rank: u32, srcOffset: u32, dstOffset: u32 }

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> geom: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (e >= p.total) { return; }
  var rem = e;
  var s = p.srcOffset;
  var d = p.dstOffset;
  for (var k = p.rank; k > 0u; k--) {
    let n = geom[k - 1u];
    let i = rem % n;
    rem = rem / n;
    s += i * geom[p.rank + k - 1u];
    d += i * geom[2u * p.rank + k - 1u];
  }
  dst[d] = src[s];
}
